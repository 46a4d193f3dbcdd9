import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KitError, REPO_ROOT } from '#kit/errors';
import { resolveExerciseId } from '#kit/exercises';
import { discoverExercises, isStubPath } from '../lib/exercises.ts';
import { checkCoverage, itemScore, loadRubric, matchesPattern, parseRubric, totals, type Rubric } from '../lib/rubric.ts';

const T = (s: string): string[] => s.split(' › ');

describe('rubric format', () => {
  it('01\'s rubric parses, and its points are the homework\'s: 10 + 5 bonus', () => {
    const r = loadRubric(path.join(REPO_ROOT, 'grading', '01-he-init', 'rubric.json'));
    expect(r.exercise).toBe('01-he-init');
    expect(totals(r)).toEqual({ points: 10, bonus: 5 });
  });

  it('keeps the time limits a rubric sets (09 cuts a hung test at 60 s, not the default 600 s)', () => {
    const r = loadRubric(path.join(REPO_ROOT, 'grading', '09-backprop', 'rubric.json'));
    expect([r.timeLimit, r.testTimeLimit]).toEqual([300, 60]);
  });

  it.each([
    ['not an object', [], /does not hold a JSON object/],
    ['a bad exercise name', { exercise: 'he-init', title: 't', items: [] }, /"exercise" must be the folder name/],
    ['no items', { exercise: '01-a', title: 't', items: [] }, /"items" must be a non-empty array/],
    ['points ≤ 0', { exercise: '01-a', title: 't', items: [{ id: 'a', title: 'a', points: 0, tests: ['x'] }] }, /items\[0\]\.points must be a number > 0/],
    ['a duplicate id', { exercise: '01-a', title: 't', items: [{ id: 'a', title: 'a', points: 1, tests: ['x'] }, { id: 'a', title: 'b', points: 1, tests: ['y'] }] }, /used twice/],
    ['empty tests', { exercise: '01-a', title: 't', items: [{ id: 'a', title: 'a', points: 1, tests: [] }] }, /tests must be a non-empty array/],
    ['a bad time limit', { exercise: '01-a', title: 't', timeLimit: -1, items: [{ id: 'a', title: 'a', points: 1, tests: ['x'] }] }, /"timeLimit" must be/],
  ])('rejects %s with the file and the format in the message', (_, data, pattern) => {
    expect(() => parseRubric(data, 'grading/01-a/rubric.json')).toThrow(KitError);
    expect(() => parseRubric(data, 'grading/01-a/rubric.json')).toThrow(pattern);
    expect(() => parseRubric(data, 'grading/01-a/rubric.json')).toThrow(/grading\/01-a\/rubric\.json: .*see grading\/README\.md/);
  });
});

describe('matching tests to items', () => {
  const cases: Array<[string, string, boolean]> = [
    ['buildMlp', 'buildMlp › has 3 layers', true],
    ['buildMlp', 'buildMlpX › y', true],
    ['buildMlp', 'train › buildMlp', false],
    ['part 2', 'part 2 (4 pts): the rule › heNormal › shape', true],
    ['part 2 › heNormal', 'part 2 (4 pts): the rule › heNormal › shape', true],
    ['part 2 › heNormal', 'part 2 (4 pts): the rule › activationMeanSquares › x', false],
    ['part 2 › heNormal › sha', 'part 2 (4 pts) › heNormal › shape', true],
    ['part 2 › heNormal › shape › more', 'part 2 › heNormal › shape', false],
    ['part 3a', 'part 3b › x', false],
  ];
  it.each(cases)('"%s" against "%s" → %s', (pattern, title, expected) => {
    expect(matchesPattern(pattern, T(title))).toBe(expected);
  });

  it('keeps the original plain-prefix format: a prefix of the joined title that the grader matches', () => {
    for (const [pattern, title] of cases) {
      if (title.startsWith(pattern)) expect(matchesPattern(pattern, T(title)), `${pattern} / ${title}`).toBe(true);
    }
  });

  const rubric: Rubric = {
    exercise: '02-x',
    title: 'x',
    items: [
      { id: 'a', title: 'A', points: 2, bonus: false, partial: true, tests: ['alpha'] },
      { id: 'b', title: 'B', points: 1, bonus: true, partial: false, tests: ['beta', 'alpha › twice'] },
      { id: 'c', title: 'C', points: 1, bonus: false, partial: false, tests: ['gamma'] },
    ],
  };

  it('reports a test no item matches, a test two items match, and an item no test matches', () => {
    const problems = checkCoverage(rubric, [T('alpha › one'), T('alpha › twice'), T('delta › x'), T('beta › y')]);
    expect(problems.map((p) => p.kind).sort()).toEqual(['ambiguous-test', 'empty-item', 'unmatched-test']);
    expect(problems.find((p) => p.kind === 'ambiguous-test')!.message).toMatch(/alpha › twice.*a, b/);
  });

  it('scores partial items in proportion, the others all or nothing, without float noise', () => {
    expect(itemScore(rubric.items[0]!, 1, 3)).toBe(0.6667);
    expect(itemScore({ ...rubric.items[0]!, points: 3 }, 2, 3)).toBe(2);
    expect(itemScore(rubric.items[2]!, 2, 3)).toBe(0);
    expect(itemScore(rubric.items[2]!, 3, 3)).toBe(1);
    expect(itemScore(rubric.items[2]!, 0, 0)).toBe(0);
  });
});

describe('exercises', () => {
  it('finds 01 with its stubs (the whitelist), public and hidden tests and rubric', () => {
    const e = discoverExercises().find((x) => x.id === '01-he-init')!;
    expect(e.stubs.map((s) => s.path)).toEqual(['exercises/01-he-init/he-init.ts', 'exercises/01-he-init/relu-network.ts']);
    expect(e.publicTests).toEqual(['exercises/01-he-init/he-init.test.ts']);
    expect(e.hiddenTests).toEqual(['grading/01-he-init/he-init.hidden.test.ts']);
    expect(e.publicSupport).toContain('exercises/01-he-init/README.md');
    expect(e.rubric).toBeDefined();
  });

  it('tells stub files from tests, fixtures and other files', () => {
    expect(isStubPath('exercises/02-mlp/mlp.ts')).toBe(true);
    expect(isStubPath('exercises/02-mlp/mlp.test.ts')).toBe(false);
    expect(isStubPath('exercises/02-mlp/fixtures/x.ts')).toBe(false);
    expect(isStubPath('exercises/02-mlp/README.md')).toBe(false);
    expect(isStubPath('solutions/02-mlp/mlp.ts')).toBe(false);
  });

  it('resolves what people type to an exercise id', () => {
    const ids = ['01-he-init', '02-mlp', '03-hyperparam-tuning'];
    expect(resolveExerciseId(ids, '1')).toBe('01-he-init');
    expect(resolveExerciseId(ids, '02')).toBe('02-mlp');
    expect(resolveExerciseId(ids, 'exercises/03-hyperparam-tuning/')).toBe('03-hyperparam-tuning');
    expect(resolveExerciseId(ids, 'mlp')).toBe('02-mlp');
    expect(resolveExerciseId(ids, '09')).toBeUndefined();
  });
});
