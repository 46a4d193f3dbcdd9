/**
 * The reference list of an exercise's tests: every test the instructor's public and hidden test files
 * define, collected once on the untouched stubs. A test that a submission's run never reports still
 * counts (as errored), so a submission cannot score by crashing or hiding tests. Collecting takes a
 * vitest run, so the list is cached under a key of everything that can change it; the Gradescope
 * package ships the cache (grading/.tests/) so no container has to collect.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { KitError } from '#kit/errors';
import { filesBelow } from '#kit/files';
import type { Exercise } from './exercises.ts';
import { checkCoverage, TITLE_SEPARATOR, type Rubric } from './rubric.ts';
import type { RunOutcome } from './run.ts';
import type { ReferenceTest } from './scoring.ts';
import type { RunRecord } from '../runner/protocol.ts';

const sha = (s: string | Buffer): string => crypto.createHash('sha256').update(s).digest('hex');

/** Where lists are looked for: the session's own cache first, then the one a package ships. */
export function testListDirs(root: string): string[] {
  return [path.join(root, 'out', 'grading', 'cache'), path.join(root, 'grading', '.tests')];
}

/** A key of everything that can change the list: the kit, the runner, the exercise's tests and stubs, the lockfile. */
export function testListKey(root: string, exercise: Exercise): string {
  const parts: string[] = [exercise.id];
  const files = [
    ...filesBelow(path.join(root, 'kit')),
    ...filesBelow(path.join(root, 'grading', 'runner')),
    ...[...exercise.publicTests, ...exercise.publicSupport, ...exercise.hiddenTests, ...exercise.hiddenSupport].map((f) => path.join(root, f)),
    path.join(root, 'package-lock.json'),
  ];
  for (const f of files) if (fs.existsSync(f)) parts.push(path.relative(root, f), sha(fs.readFileSync(f)));
  for (const s of exercise.stubs) parts.push(s.path, sha(s.text));
  return sha(parts.join('\n')).slice(0, 16);
}

export const testListFileName = (exercise: Exercise, key: string): string => `${exercise.id}-${key}.json`;

/** The cached list, when one with the current key exists. */
export function readTestList(root: string, exercise: Exercise): ReferenceTest[] | undefined {
  const name = testListFileName(exercise, testListKey(root, exercise));
  const file = testListDirs(root).map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
  return file === undefined ? undefined : JSON.parse(fs.readFileSync(file, 'utf8')) as ReferenceTest[];
}

export function writeTestList(root: string, exercise: Exercise, tests: readonly ReferenceTest[]): void {
  const dir = testListDirs(root)[0]!;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, testListFileName(exercise, testListKey(root, exercise))), JSON.stringify(tests));
}

/** The list from a collect run, or an error naming what kept a test file from loading on the stubs. */
export function testsFromCollectRun(exercise: Exercise, outcome: RunOutcome): ReferenceTest[] {
  const collected = outcome.records.filter((r): r is Extract<RunRecord, { type: 'collected' }> => r.type === 'collected');
  const errors = collected.flatMap((c) => c.errors.map((e) => `${c.file}: ${e}`));
  const files = [...exercise.publicTests, ...exercise.hiddenTests];
  const unlisted = files.filter((f) => !collected.some((c) => c.file === f));
  if (outcome.end !== 'finished' || errors.length > 0 || unlisted.length > 0) {
    throw new KitError(
      `Could not list the tests of ${exercise.id} on the untouched stubs: ${[outcome.detail, ...errors, ...unlisted.map((f) => `${f} was not collected`)].filter(Boolean).join('; ')}. ` +
        `Every test file must load with the stubs (call the student's functions only inside it(), never at the top of a file or in a describe body).\n${outcome.log.slice(-2000)}`,
    );
  }
  return collected.flatMap((c) => c.tests.map((title) => ({ file: c.file, title })));
}

/** What makes a list unusable with its rubric: two tests of one name, no tests, a test in no item or two, an empty item. */
export function testListProblems(exercise: string, rubric: Rubric, tests: readonly ReferenceTest[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const t of tests) {
    const key = `${t.file}\u0000${t.title.join(TITLE_SEPARATOR)}`;
    if (seen.has(key)) problems.push(`${exercise}: two tests in ${t.file} are both named "${t.title.join(TITLE_SEPARATOR)}" (names must be unique)`);
    seen.add(key);
  }
  if (tests.length === 0) problems.push(`${exercise}: no tests found`);
  for (const p of checkCoverage(rubric, tests.map((t) => t.title))) problems.push(`grading/${exercise}/rubric.json: ${p.message}`);
  return problems;
}
