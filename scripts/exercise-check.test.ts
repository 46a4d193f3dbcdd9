import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkExercise, checkExercises, formatProblems, SKELETON_MARK, type ExerciseProblem } from './exercise-check.ts';
import { layDownSkeleton, namesOf } from './new-exercise.ts';
import { parsePoints, POINTS_BEGIN, POINTS_END, renderTopReadme } from './points-docs.ts';
import { mayMatch, staticTests, surelyMatches } from './test-titles.ts';
import { parseRubric } from '../grading/lib/rubric.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-exercise-check-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const ID = '12-batch-norm';
const TOP = '# kit\n\n## Exercises\n\n| folder | topic | points |\n| --- | --- | --- |\n';

let kits = 0;
/** A fresh kit in a temporary folder holding the skeleton of ID, as `npm run new-exercise` lays it down. */
function skeletonKit(): string {
  const root = path.join(tmp, `kit-${++kits}`);
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'README.md'), TOP);
  layDownSkeleton(root, ID);
  return root;
}

/** The skeleton as an author would leave it: every TODO written, a row in the top README. */
function filledKit(): string {
  const root = skeletonKit();
  for (const dir of ['solutions', 'exercises', 'grading']) {
    for (const f of fs.readdirSync(path.join(root, dir, ID))) {
      const file = path.join(root, dir, ID, f);
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll(`${SKELETON_MARK}: `, '').replaceAll(SKELETON_MARK, 'written'));
    }
  }
  fs.appendFileSync(path.join(root, 'README.md'), `| \`${ID}\` | doubling numbers | 1 |\n`);
  return root;
}

const edit = (root: string, rel: string, change: (s: string) => string): void => {
  const file = path.join(root, rel);
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
};

const check = (root: string): ExerciseProblem[] => checkExercises(root);
const shown = (problems: readonly ExerciseProblem[]): string => problems.map((p) => `${p.file}: ${p.message}`).join('\n');

describe('npm run new-exercise: the skeleton', () => {
  it('lays down every file an exercise needs in the three trees, with the stub generated', () => {
    const root = skeletonKit();
    const { file, fn } = namesOf(ID);
    expect(fn).toBe('batchNorm');
    for (const rel of [`solutions/${ID}/${file}.ts`, `exercises/${ID}/${file}.ts`, `exercises/${ID}/README.md`, `exercises/${ID}/hints.md`,
      `exercises/${ID}/${file}.test.ts`, `grading/${ID}/rubric.json`, `grading/${ID}/${file}.hidden.test.ts`]) {
      expect(fs.existsSync(path.join(root, rel)), rel).toBe(true);
    }
    expect(fs.readFileSync(path.join(root, `exercises/${ID}/${file}.ts`), 'utf8')).toMatch(/throw new NotImplemented\('batchNorm'\)/);
    expect(fs.readFileSync(path.join(root, `exercises/${ID}/README.md`), 'utf8')).toMatch(/\| \| \*\*1\*\* \| \|/);
  });

  it('is refused as it stands, only for its placeholders and the missing top README row: its structure is already consistent', () => {
    const problems = check(skeletonKit());
    const structural = problems.filter((p) => !p.message.includes(SKELETON_MARK));
    expect(shown(structural)).toMatch(/^README\.md: the exercise table has no row for 12-batch-norm: add "\| `12-batch-norm` \| <topic, one sentence> \| 1 \|"/);
    expect(structural).toHaveLength(1);
    // Every file the author must write is named, with its first placeholder's line.
    const marked = problems.filter((p) => p.message.includes(SKELETON_MARK)).map((p) => p.file.replace(/:\d+$/, '')).sort();
    expect(marked).toEqual([
      `exercises/${ID}/README.md`, `exercises/${ID}/batch-norm.test.ts`, `exercises/${ID}/batch-norm.ts`, `exercises/${ID}/hints.md`,
      `grading/${ID}/batch-norm.hidden.test.ts`, `grading/${ID}/rubric.json`, `solutions/${ID}/batch-norm.ts`,
    ]);
  });

  it('passes the structural checks once filled in', () => {
    expect(shown(check(filledKit()))).toBe('');
  });

  it('refuses a bad name and an exercise that exists, writing nothing', () => {
    const root = skeletonKit();
    expect(() => layDownSkeleton(root, 'BatchNorm')).toThrow(/not an exercise name: give NN-name/);
    expect(() => layDownSkeleton(root, ID)).toThrow(/solutions\/12-batch-norm\/ exists.*nothing was written/);
    expect(() => layDownSkeleton(root, '12-other')).toThrow(/exercises\/12-batch-norm has the same number/);
    expect(fs.existsSync(path.join(root, 'solutions', '12-other'))).toBe(false);
  });
});

describe('what the completeness check refuses, naming the file and the fix', () => {
  it('no rubric', () => {
    const root = filledKit();
    fs.rmSync(path.join(root, 'grading', ID, 'rubric.json'));
    expect(shown(check(root))).toMatch(/^grading\/12-batch-norm\/rubric\.json: missing: every exercise needs a rubric, the one source of its points/m);
  });

  it('no hints, or empty hints', () => {
    const root = filledKit();
    fs.writeFileSync(path.join(root, 'exercises', ID, 'hints.md'), '\n');
    expect(shown(check(root))).toMatch(/^exercises\/12-batch-norm\/hints\.md: empty: write a hint per function/m);
    fs.rmSync(path.join(root, 'exercises', ID, 'hints.md'));
    expect(shown(check(root))).toMatch(/^exercises\/12-batch-norm\/hints\.md: missing: the hints `npm run hint` shows/m);
  });

  it('no hidden test, no public test, no reference solution', () => {
    const root = filledKit();
    fs.rmSync(path.join(root, 'grading', ID, 'batch-norm.hidden.test.ts'));
    fs.rmSync(path.join(root, 'exercises', ID, 'batch-norm.test.ts'));
    fs.rmSync(path.join(root, 'solutions', ID), { recursive: true });
    const text = shown(check(root));
    expect(text).toMatch(/^grading\/12-batch-norm\/: no hidden test/m);
    expect(text).toMatch(/^exercises\/12-batch-norm\/: no public test/m);
    expect(text).toMatch(/^solutions\/12-batch-norm\/: no reference solution/m);
  });

  it('a test no rubric item matches, and a rubric item that matches no test', () => {
    const root = filledKit();
    edit(root, `exercises/${ID}/batch-norm.test.ts`, (s) => `${s}\ndescribe('running statistics', () => {\n  it('are kept', () => { expect(1).toBe(1); });\n});\n`);
    edit(root, `grading/${ID}/rubric.json`, (s) => s.replace(/"items": \[/, '"items": [{ "id": "gamma", "title": "gamma and beta", "points": 1, "tests": ["gamma"] },'));
    const text = shown(check(root));
    expect(text).toMatch(/^exercises\/12-batch-norm\/batch-norm\.test\.ts:\d+: the test "running statistics › are kept" matches no item of grading\/12-batch-norm\/rubric\.json: add a prefix of its describe name/m);
    expect(text).toMatch(/^grading\/12-batch-norm\/rubric\.json: item "gamma" matches no test \(its "tests": "gamma"\): fix the prefixes/m);
  });

  it('a test two items match', () => {
    const root = filledKit();
    edit(root, `grading/${ID}/rubric.json`, (s) => s.replace(/"items": \[/, '"items": [{ "id": "twice", "title": "again", "points": 1, "tests": ["batch"] },'));
    expect(shown(check(root))).toMatch(/the test "batchNorm › .*" matches 2 items of grading\/12-batch-norm\/rubric\.json \(twice, batchNorm\): make their "tests" prefixes longer/);
  });

  it('a README points table or title that disagrees with the rubric, and points stated by hand', () => {
    const root = filledKit();
    edit(root, `grading/${ID}/rubric.json`, (s) => s.replace('"points": 1', '"points": 3'));
    edit(root, `exercises/${ID}/README.md`, (s) => s.replace('## What to write', '## What to write (2 pts)'));
    const text = shown(check(root));
    expect(text).toMatch(/^exercises\/12-batch-norm\/README\.md:1: the title says "1 point", the rubric gives 3 points; run `npm run build:exercises` to rewrite it/m);
    expect(text).toMatch(/^exercises\/12-batch-norm\/README\.md:\d+: its points table is not the one the rubric gives; run `npm run build:exercises`/m);
    expect(text).toMatch(/^exercises\/12-batch-norm\/README\.md:\d+: states points \("\(2 pts\)"\) outside the title and the generated table/m);
    expect(text).toMatch(/^README\.md:\d+: the points of 12-batch-norm say "1", the rubric gives 3 points; run `npm run build:exercises` to rewrite the cell/m);
  });

  it('a README without the generated table says where the markers go', () => {
    const root = filledKit();
    edit(root, `exercises/${ID}/README.md`, (s) => s.slice(0, s.indexOf(POINTS_BEGIN)) + s.slice(s.indexOf(POINTS_END) + POINTS_END.length));
    expect(shown(check(root))).toMatch(/it has no generated points table: put the two lines\n.*<!-- points: generated[^\n]*\n\s*<!-- \/points -->\n\s*under its "## Points" heading/);
  });

  it('an exercise missing from the top README\'s table', () => {
    const root = filledKit();
    fs.writeFileSync(path.join(root, 'README.md'), TOP);
    expect(checkExercise(root, ID, TOP).map((p) => p.file)).toEqual(['README.md']);
  });

  it('points in a describe or test title (they belong in the rubric alone)', () => {
    const root = filledKit();
    edit(root, `exercises/${ID}/batch-norm.test.ts`, (s) => s.replace("describe('batchNorm'", "describe('batchNorm (1 pt)'"));
    expect(shown(check(root))).toMatch(/^exercises\/12-batch-norm\/batch-norm\.test\.ts:\d+: the title "batchNorm \(1 pt\) › .*" states points \("\(1 pt\)"\): points live in grading\/12-batch-norm\/rubric\.json alone/m);
  });

  it('a rubric that does not parse, or names another exercise', () => {
    const root = filledKit();
    edit(root, `grading/${ID}/rubric.json`, (s) => s.replace(`"exercise": "${ID}"`, '"exercise": "12-other"'));
    expect(shown(check(root))).toMatch(/^grading\/12-batch-norm\/rubric\.json: says "exercise": "12-other"; make it "12-batch-norm"/m);
    edit(root, `grading/${ID}/rubric.json`, (s) => s.replace('"points": 1', '"points": 0'));
    expect(shown(check(root))).toMatch(/^grading\/12-batch-norm\/rubric\.json: items\[0\]\.points must be a number > 0/m);
  });

  it('formats the problems as one line each, headed by the exercises they make incomplete', () => {
    const text = formatProblems([{ exercise: ID, file: 'grading/12-batch-norm/rubric.json', message: 'missing: …' }]);
    expect(text).toBe('1 problem(s) make 12-batch-norm incomplete (the checklist: CONTRIBUTING.md, "Adding an exercise"):\n  grading/12-batch-norm/rubric.json: missing: …');
  });
});

describe('points stated in READMEs', () => {
  const rubric = parseRubric({ exercise: '06-x', title: 't', items: [{ id: 'a', title: 'A', points: 10, tests: ['a'] }, { id: 'b', title: 'B', points: 1, bonus: true, tests: ['b'] }] }, 'r.json');

  it('reads the numbers whatever the wording', () => {
    expect(parsePoints('10 + 5 bonus')).toEqual({ points: 10, bonus: 5 });
    expect(parsePoints('10 (+1 bonus with CIFAR-10)')).toEqual({ points: 10, bonus: 1 });
    expect(parsePoints('6')).toEqual({ points: 6, bonus: 0 });
    expect(parsePoints('–')).toBeUndefined();
  });

  it('keeps a top README cell that agrees, in its own words, and rewrites one that does not', () => {
    const ok = '| `06-x` | topic | 10 (+1 bonus with CIFAR-10) |';
    expect(renderTopReadme(ok, new Map([['06-x', rubric]]))).toBe(ok);
    expect(renderTopReadme('| `06-x` | a \\| b | 10 |', new Map([['06-x', rubric]]))).toBe('| `06-x` | a \\| b | 10 + 1 bonus |');
  });
});

describe('test titles read from the source', () => {
  const source = `
    import { describe, expect, it } from 'vitest';
    const N = 3;
    describe('part 1: the rule', () => {
      it('plain', () => {});
      it(\`computed \${N} times\`, () => {});
      describe.skipIf(false)('nested', () => {
        it.each([1, 2])('case %s', () => {});
        test('via test', () => {});
      });
      for (const k of [1, 2]) it('in a loop ' + k, () => {});
    });
  `;
  const tests = staticTests(source);

  it('follows describe nesting, and marks computed names as known only up to their first computed part', () => {
    expect(tests.map((t) => t.title.map((s) => `${s.text}${s.exact ? '' : '…'}`).join(' › '))).toEqual([
      'part 1: the rule › plain', 'part 1: the rule › computed …', 'part 1: the rule › nested › case …',
      'part 1: the rule › nested › via test', 'part 1: the rule › in a loop …',
    ]);
    expect(tests[0]!.line).toBe(5);
  });

  it('matches rubric prefixes surely on known names, possibly on computed ones', () => {
    const computed = tests[1]!.title;
    expect(surelyMatches('part 1 › computed', computed)).toBe(true);
    expect(mayMatch('part 1 › computed 3', computed)).toBe(true);
    expect(surelyMatches('part 1 › computed 3', computed)).toBe(false);
    expect(mayMatch('part 1 › plain', computed)).toBe(false);
    expect(mayMatch('part 2', computed)).toBe(false);
  });
});
