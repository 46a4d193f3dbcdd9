import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { exportedNames, nextStep, readmeRank } from './next-step.ts';
import type { TestOutcome } from './vitest-json.ts';

const stubFailure = (file: string, fn: string, title = `${fn} works`): TestOutcome => ({
  file,
  title,
  status: 'failed',
  messages: [`NotImplemented: ${file}: implement ${fn}()\n    at …`],
});

/** What the untouched stubs of one exercise say, in the order the tests meet them (file order, then test order). */
function stubOutcomes(id: string): { outcomes: TestOutcome[]; functions: string[] } {
  const dir = path.join(REPO_ROOT, 'exercises', id);
  const outcomes: TestOutcome[] = [];
  const sources: string[] = [];
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    sources.push(text);
    for (const m of text.matchAll(/throw new NotImplemented\('([^']+)'\)/g)) outcomes.push(stubFailure(`exercises/${id}/${name}`, m[1]!));
  }
  return { outcomes, functions: exportedNames(sources) };
}

const readmeOf = (id: string): string => fs.readFileSync(path.join(REPO_ROOT, 'exercises', id, 'README.md'), 'utf8');
const idOf = (n: string): string => exerciseIds(REPO_ROOT).find((id) => id.startsWith(`${n}-`))!;

describe('npm run progress: the next step follows the README', () => {
  it("every exercise's README names each function its stubs leave to write (else progress cannot order it)", () => {
    const unnamed: string[] = [];
    for (const id of exerciseIds(REPO_ROOT)) {
      const readme = readmeOf(id);
      for (const o of stubOutcomes(id).outcomes) {
        const fn = /implement (.+)\(\)/.exec(o.messages[0]!)![1]!;
        if (readmeRank(readme, fn) === Infinity) unnamed.push(`${id}: ${fn}`);
      }
    }
    expect(unnamed, 'name each of these in a code span of its README, where its task is described').toEqual([]);
  });

  it.each([
    ['04', 'finalConfig'], // not the bonus's buildEnhancedMlp (bonus.test.ts sorts first)
    ['06', 'SVMLoss.apply'], // not improvedConfig, the last task (accuracy.test.ts sorts first)
    ['07', 'reconstructionSplit'], // part 1, not the TiedAutoencoder constructor (comparison.test.ts sorts first)
    ['10', 'convOutputSize'], // part 1, not buildCnn (accuracy.test.ts sorts first)
  ])('exercise %s on untouched stubs: implement %s() first', (n, fn) => {
    const id = idOf(n);
    const { outcomes, functions } = stubOutcomes(id);
    // The tests meet the stubs in file order; reversing it too shows the answer does not depend on it.
    for (const order of [outcomes, [...outcomes].reverse()]) expect(nextStep(order, readmeOf(id), functions)).toMatch(new RegExp(`: implement ${fn.replace('.', '\\.')}\\(\\)$`));
  });

  const readme = [
    '# 99 — demo',
    'You write `second` and `first`.', // an overview, out of order: not where they are introduced
    '## Part 1 — `first`',
    'It calls `second(x)`, which you write next.',
    '## Part 2 — training',
    '`later` trains; `Model.fit` is part 3.',
    '## Part 3 — `fit`',
  ].join('\n');

  it('ranks a heading first, then a signature, then any mention; methods by their own name', () => {
    expect(readmeRank(readme, 'first')).toBeLessThan(readmeRank(readme, 'second'));
    expect(readmeRank(readme, 'second')).toBeLessThan(readmeRank(readme, 'later'));
    expect(readmeRank(readme, 'Model.fit')).toBe(readme.indexOf('`fit`'));
    expect(readmeRank(readme, 'missing')).toBe(Infinity);
  });

  it('a failing test on written code ranks by the function its title names; one that names none comes last', () => {
    const fileA = 'exercises/99-demo/a.ts';
    const outcomes: TestOutcome[] = [
      { file: fileA, title: 'odd corner case', status: 'failed', messages: ['AssertionError: expected 1 to be 2'] },
      stubFailure(fileA, 'later'),
      { file: fileA, title: 'second › keeps the shape', status: 'failed', messages: ['AssertionError: expected 3 to be 4'] },
      { file: fileA, title: 'first › passes', status: 'passed', messages: [] },
    ];
    expect(nextStep(outcomes, readme, ['first', 'second', 'later'])).toBe('fix: keeps the shape');
    expect(nextStep(outcomes.slice(0, 1), readme, ['first'])).toBe('fix: odd corner case');
    expect(nextStep(outcomes.slice(3), readme, ['first'])).toBe('');
  });
});
