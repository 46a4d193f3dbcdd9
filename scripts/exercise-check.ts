/**
 * Is each exercise complete? The structural checks `npm run build:exercises -- --check` (and so
 * `npm run verify`) runs on every exercise: the files an exercise needs in solutions/, exercises/ and
 * grading/, a rubric that fits its tests as far as their source says, points stated only where they
 * are generated from the rubric, its row in the top README, and nothing left of `npm run new-exercise`'s
 * skeleton. Each problem names the file and the fix (CONTRIBUTING.md has the whole checklist).
 */
import fs from 'node:fs';
import path from 'node:path';
import { exerciseIds } from '#kit/exercises';
import { filesBelow, posixRelative } from '#kit/files';
import { parseRubric, type Rubric } from '../grading/lib/rubric.ts';
import { readmePointsProblems, titleStatesPoints, topReadmeProblem } from './points-docs.ts';
import { mayMatch, showTitle, staticTests, surelyMatches, type StaticTest } from './test-titles.ts';

/** What `npm run new-exercise` writes where the author has work to do. */
export const SKELETON_MARK = 'TODO(new-exercise)';

export interface ExerciseProblem {
  exercise: string;
  /** Repo-relative, with the line when there is one (`exercises/01-he-init/README.md:28`). */
  file: string;
  message: string;
}

const TEST_FILE = /\.test\.ts$/;

type Problems = Array<Omit<ExerciseProblem, 'exercise'>>;

function readRubric(root: string, id: string, problems: Problems): Rubric | undefined {
  const rel = `grading/${id}/rubric.json`;
  const file = path.join(root, rel);
  if (!fs.existsSync(file)) {
    problems.push({ file: rel, message: `missing: every exercise needs a rubric, the one source of its points (format in grading/README.md; \`npm run new-exercise\` writes a start)` });
    return undefined;
  }
  try {
    const rubric = parseRubric(JSON.parse(fs.readFileSync(file, 'utf8')), rel);
    if (rubric.exercise !== id) problems.push({ file: rel, message: `says "exercise": "${rubric.exercise}"; make it "${id}", the folder's name` });
    return rubric;
  } catch (err) {
    problems.push({ file: rel, message: (err as Error).message.replace(`${rel}: `, '') });
    return undefined;
  }
}

function files(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  return fs.existsSync(abs) ? filesBelow(abs).map((f) => posixRelative(root, f)).filter((f) => !f.split('/').includes('fixtures')) : [];
}

/** Test titles against the rubric: a test no item may match, a test two items surely match, an item no test may match. */
function coverageProblems(rubric: Rubric, id: string, tests: ReadonlyArray<StaticTest & { file: string }>): Problems {
  const problems: Problems = [];
  const rubricFile = `grading/${id}/rubric.json`;
  for (const t of tests) {
    const may = rubric.items.filter((i) => i.tests.some((p) => mayMatch(p, t.title)));
    const sure = rubric.items.filter((i) => i.tests.some((p) => surelyMatches(p, t.title)));
    if (may.length === 0) {
      problems.push({ file: `${t.file}:${t.line}`, message: `the test "${showTitle(t.title)}" matches no item of ${rubricFile}: add a prefix of its describe name to an item's "tests", or move the test into a describe an item names` });
    } else if (sure.length > 1) {
      problems.push({ file: `${t.file}:${t.line}`, message: `the test "${showTitle(t.title)}" matches ${sure.length} items of ${rubricFile} (${sure.map((i) => i.id).join(', ')}): make their "tests" prefixes longer so that exactly one matches` });
    }
  }
  for (const item of rubric.items) {
    if (!tests.some((t) => item.tests.some((p) => mayMatch(p, t.title)))) {
      problems.push({ file: rubricFile, message: `item "${item.id}" matches no test (its "tests": ${item.tests.map((p) => JSON.stringify(p)).join(', ')}): fix the prefixes (a describe name, then " › " and a nested name) or write its tests` });
    }
  }
  return problems;
}

/** The problems of exercise `id` of the kit at `root` (none when it is complete). */
export function checkExercise(root: string, id: string, topReadme?: string): ExerciseProblem[] {
  const problems: Problems = [];
  const need = (rel: string, why: string): boolean => {
    if (fs.existsSync(path.join(root, rel))) return true;
    problems.push({ file: rel, message: `missing: ${why}` });
    return false;
  };
  const solutions = files(root, `solutions/${id}`).filter((f) => f.endsWith('.ts'));
  if (solutions.length === 0) problems.push({ file: `solutions/${id}/`, message: 'no reference solution: the stubs in exercises/ are generated from it (mark what students write with // BEGIN SOLUTION … // END SOLUTION, then `npm run build:exercises`)' });
  need(`exercises/${id}/README.md`, 'the task, its maths and its points table (see CONTRIBUTING.md)');
  if (need(`exercises/${id}/hints.md`, 'the hints `npm run hint` shows, one "## functionName" section per function')) {
    if (fs.readFileSync(path.join(root, `exercises/${id}/hints.md`), 'utf8').trim() === '') problems.push({ file: `exercises/${id}/hints.md`, message: 'empty: write a hint per function ("## functionName" sections)' });
  }
  const publicTests = files(root, `exercises/${id}`).filter((f) => TEST_FILE.test(f));
  const hiddenTests = files(root, `grading/${id}`).filter((f) => TEST_FILE.test(f));
  if (publicTests.length === 0) problems.push({ file: `exercises/${id}/`, message: 'no public test (*.test.ts): students need tests to run' });
  if (hiddenTests.length === 0) problems.push({ file: `grading/${id}/`, message: 'no hidden test (*.hidden.test.ts): the grader needs tests on other inputs than the public ones (see grading/README.md)' });
  const rubric = readRubric(root, id, problems);
  const tests = [...publicTests, ...hiddenTests].flatMap((f) => staticTests(fs.readFileSync(path.join(root, f), 'utf8'), f).map((t) => ({ ...t, file: f })));
  for (const t of tests) {
    const stated = titleStatesPoints(t.title.map((s) => s.text));
    if (stated !== undefined) problems.push({ file: `${t.file}:${t.line}`, message: `the title "${showTitle(t.title)}" states points ("${stated}"): points live in grading/${id}/rubric.json alone; remove them from the describe or test name (and keep the rubric's prefixes matching)` });
  }
  if (rubric !== undefined) {
    problems.push(...coverageProblems(rubric, id, tests));
    const readme = path.join(root, `exercises/${id}/README.md`);
    if (fs.existsSync(readme)) {
      for (const p of readmePointsProblems(fs.readFileSync(readme, 'utf8'), rubric)) {
        problems.push({ file: `exercises/${id}/README.md${p.line > 0 ? `:${p.line}` : ''}`, message: p.message });
      }
    }
    if (topReadme !== undefined) {
      const p = topReadmeProblem(topReadme, id, rubric);
      if (p !== undefined) problems.push({ file: `README.md${p.line > 0 ? `:${p.line}` : ''}`, message: p.message });
    }
  }
  for (const f of [...files(root, `solutions/${id}`), ...files(root, `exercises/${id}`), ...files(root, `grading/${id}`)]) {
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    const at = text.indexOf(SKELETON_MARK);
    if (at >= 0) problems.push({ file: `${f}:${text.slice(0, at).split('\n').length}`, message: `still holds the skeleton's ${SKELETON_MARK} placeholders (${text.split(SKELETON_MARK).length - 1}): replace each with the real content` });
  }
  return problems.map((p) => ({ exercise: id, ...p }));
}

/** Every exercise of the kit at `root`, each against the top README's table. */
export function checkExercises(root: string): ExerciseProblem[] {
  const top = path.join(root, 'README.md');
  const topText = fs.existsSync(top) ? fs.readFileSync(top, 'utf8') : '';
  return exerciseIds(root).flatMap((id) => checkExercise(root, id, topText));
}

/** One paragraph per problem, each "file: what is wrong: the fix". */
export function formatProblems(problems: readonly ExerciseProblem[]): string {
  const ids = new Set(problems.map((p) => p.exercise));
  return `${problems.length} problem(s) make ${[...ids].join(', ')} incomplete (the checklist: CONTRIBUTING.md, "Adding an exercise"):\n` +
    problems.map((p) => `  ${p.file}: ${p.message}`).join('\n');
}
