/**
 * `npm run new-exercise -- NN-name`: lays down the skeleton of a new exercise in the three trees —
 * a reference solution with one marked region, its generated stub, a README with the generated points
 * table, hints, a public test, a rubric and a hidden test — then prints what is left (CONTRIBUTING.md,
 * "Adding an exercise", has the whole checklist). The skeleton is consistent (its rubric covers its
 * tests, the README's points come from the rubric) but clearly unfinished: every place the author must
 * write carries `TODO(new-exercise)`, and `npm run build:exercises -- --check` (so `npm run verify`)
 * refuses the exercise until none is left.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { KitError, REPO_ROOT } from '#kit/errors';
import { EXERCISE_ID } from '#kit/exercises';
import { runMain } from '#kit/report';
import { planStubs, writeStubs } from '#kit/stubs';
import { parseRubric } from '../grading/lib/rubric.ts';
import { SKELETON_MARK } from './exercise-check.ts';
import { POINTS_BEGIN, POINTS_END, renderExerciseReadme } from './points-docs.ts';

const TODO = SKELETON_MARK;

/** `12-batch-norm` → file `batch-norm`, function `batchNorm`, number `12`. */
export function namesOf(id: string): { number: string; file: string; fn: string } {
  const file = id.slice(3);
  const fn = file.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return { number: id.slice(0, 2), file, fn: /^[a-z]/.test(fn) ? fn : `exercise${fn}` };
}

/** The skeleton's files, repo-relative path → content (the stub is generated from the solution afterwards). */
export function skeletonFiles(id: string): Map<string, string> {
  const { number, file, fn } = namesOf(id);
  const files = new Map<string, string>();
  files.set(`solutions/${id}/${file}.ts`, `/**
 * Exercise ${number} — ${TODO}: what this file asks for, in a paragraph (students read it in the stub).
 *
 * solutions/ is the source of truth: \`npm run build:exercises\` turns each region between the BEGIN and
 * END SOLUTION markers into \`// YOUR CODE HERE\` and a \`throw new NotImplemented('<function>')\`.
 */

/**
 * ${TODO}: what ${fn} returns, precisely enough to implement from this comment alone.
 * (The skeleton's stand-in: twice each entry.)
 */
export function ${fn}(xs: readonly number[]): number[] {
  // BEGIN SOLUTION
  return xs.map((x) => 2 * x);
  // END SOLUTION
}
`);
  files.set(`exercises/${id}/README.md`, `# ${number} — ${TODO}: the topic (1 point)

${TODO}: what the student learns and does, in a paragraph; the maths they need; what to write,
function by function, in the order the tests and \`npm run progress\` follow.

## What to write

- **\`${fn}(xs)\`** — ${TODO}: the contract, as in its doc comment.

## Points

${POINTS_BEGIN}
${POINTS_END}

## Running the tests

\`\`\`sh
npm test -- ${number}          # your code in exercises/${id}
\`\`\`
<!-- release:omit -->

The reference solution, through the same tests: \`KIT_TARGET=solutions npm test -- ${number}\`.
<!-- /release:omit -->

## Mistakes the tests catch

- ${TODO}: each usual mistake, and the test that catches it.
`);
  files.set(`exercises/${id}/hints.md`, `# Hints for ${number} — ${TODO}: the topic

\`npm run hint -- ${number} <function>\` shows one section.

## ${fn}

- ${TODO}: a hint that helps without giving the answer away.
`);
  files.set(`exercises/${id}/${file}.test.ts`, `/**
 * Public tests of exercise ${number}. Each describe is named after what a rubric item's "tests" prefix
 * names (grading/${id}/rubric.json), never with points in it: points live in the rubric alone.
 * Call the student's function inside it(), never at the top level (the grader lists the tests on the stubs).
 */
import { describe, expect, it } from 'vitest';
import { ${fn} } from './${file}.ts';

describe('${fn}', () => {
  it('${TODO}: what this test checks, with its numbers', () => {
    expect(${fn}([1, 2, 3]), '${TODO}: name the rule, and the usual mistake that gives another number').toEqual([2, 4, 6]);
  });
});
`);
  files.set(`grading/${id}/rubric.json`, `${JSON.stringify({
    exercise: id,
    title: `Problem ${TODO}: the homework's title`,
    items: [{ id: fn, title: `${fn}: ${TODO} what the item grades`, points: 1, tests: [fn] }],
  }, null, 2)}\n`);
  files.set(`grading/${id}/${file}.hidden.test.ts`, `/**
 * Hidden tests of exercise ${number}: the public tests' describe names (so the same rubric items match)
 * on other inputs, so that code fitted to the public numbers fails. Never shipped to students; see
 * grading/README.md, "Rubric and hidden tests".
 */
import { describe, expect, it } from 'vitest';
import { ${fn} } from '../../exercises/${id}/${file}.ts';

describe('${fn}', () => {
  it('${TODO}: the same rule on other inputs', () => {
    expect(${fn}([-1.5, 0, 7])).toEqual([-3, 0, 14]);
  });
});
`);
  return files;
}

/** Writes the skeleton of `id` into the kit at `root`, with its stub and README points generated; returns the files written. */
export function layDownSkeleton(root: string, id: string): string[] {
  if (!EXERCISE_ID.test(id)) {
    throw new KitError(`"${id}" is not an exercise name: give NN-name, two digits, a dash and lower-case words joined by dashes (e.g. 12-batch-norm).`);
  }
  const taken = ['solutions', 'exercises', 'grading'].map((d) => `${d}/${id}`).filter((d) => fs.existsSync(path.join(root, d)));
  const sameNumber = fs.existsSync(path.join(root, 'exercises'))
    ? fs.readdirSync(path.join(root, 'exercises')).filter((d) => d.startsWith(`${id.slice(0, 2)}-`) && d !== id)
    : [];
  if (taken.length > 0 || sameNumber.length > 0) {
    throw new KitError(`Cannot lay down ${id}: ${[...taken.map((d) => `${d}/ exists`), ...sameNumber.map((d) => `exercises/${d} has the same number`)].join(', ')}. Pick a new number and name; nothing was written.`);
  }
  const files = skeletonFiles(id);
  const rubric = parseRubric(JSON.parse(files.get(`grading/${id}/rubric.json`)!), `grading/${id}/rubric.json`);
  const readme = `exercises/${id}/README.md`;
  files.set(readme, renderExerciseReadme(files.get(readme)!, rubric));
  for (const [rel, text] of files) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  // Only this exercise's stub: the others are the build's business, not the skeleton's.
  const stubs = writeStubs(root, planStubs(root).filter((p) => p.solution.startsWith(`solutions/${id}/`)));
  return [...files.keys(), ...stubs].sort();
}

function main(): number {
  const id = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (id === undefined) {
    console.error('usage: npm run new-exercise -- NN-name   (e.g. npm run new-exercise -- 12-batch-norm)');
    return 2;
  }
  const written = layDownSkeleton(REPO_ROOT, id);
  for (const f of written) console.log(`  wrote ${f}`);
  console.log(`
The skeleton of ${id} is down; every place to write says ${TODO}. Next (CONTRIBUTING.md, "Adding an exercise"):
  1. write the reference in solutions/${id}/ and run \`npm run build:exercises\` (stubs, README points);
  2. the README, hints.md, the public tests, the rubric, the hidden tests;
  3. a row for ${id} in the top README's exercise table; a package.json script if it has a homework run;
  4. \`npm run build:exercises -- --check\` until it says every exercise is complete, then
     \`KIT_TARGET=solutions npx vitest run exercises/${id} grading/${id}\` (all pass), \`npx vitest run exercises/${id} grading/${id}\` (all fail),
     \`npm run grade -- solutions --only ${id.slice(0, 2)}\` (full marks).`);
  return 0;
}

// Run as a command, not when a test imports the skeleton.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await runMain(main);
