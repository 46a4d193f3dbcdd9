/**
 * What there is to grade: the exercises found in `exercises/` (and their hidden half in `grading/`),
 * each with its stub files (the whitelist of what a submission may replace), public and hidden tests,
 * the other files the tests need, and its rubric.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { filesBelow, posixRelative } from '#kit/files';
import { planStubs } from '#kit/stubs';
import { loadRubric, type Rubric } from './rubric.ts';

export interface StubFile {
  /** Repo-relative, e.g. `exercises/01-he-init/he-init.ts`. */
  path: string;
  /** The untouched stub: what a submission that lacks the file is graded with. */
  text: string;
}

export interface Exercise {
  id: string;
  stubs: StubFile[];
  /** Repo-relative test files: `exercises/NN/…test.ts`. */
  publicTests: string[];
  /** Repo-relative hidden test files: `grading/NN/…test.ts`. */
  hiddenTests: string[];
  /** Other files of `exercises/NN/` (README, hints, fixtures), repo-relative. */
  publicSupport: string[];
  /** Other files of `grading/NN/` the hidden tests need (fixtures), without the rubric. */
  hiddenSupport: string[];
  rubric?: Rubric;
  /** Why there is no rubric (missing, or invalid: the message). */
  rubricProblem?: string;
}

/** How a missing rubric is told from an invalid one (a new exercise may not have one yet). */
const NO_RUBRIC_YET = 'does not exist yet';

const TEST_FILE = /\.(test|spec)\.ts$/;

const inFixtures = (p: string): boolean => p.split('/').includes('fixtures');

/** True for a file of `exercises/` that a student edits (the generated stubs): `.ts`, not a test, not a fixture. */
export function isStubPath(p: string): boolean {
  return /^exercises\/\d\d-[a-z0-9-]+\/.+\.ts$/.test(p) && !TEST_FILE.test(p) && !inFixtures(p);
}

/**
 * Exercises of the kit at `root`. Stubs come from `solutions/` when it is there (the source of truth,
 * via planStubs), otherwise from the stub files in `exercises/` (a packaged grader ships no solutions).
 */
export function discoverExercises(root = REPO_ROOT): Exercise[] {
  const exercisesDir = path.join(root, 'exercises');
  if (!fs.existsSync(exercisesDir)) {
    throw new KitError(`${exercisesDir} does not exist: the grader needs the kit's exercises/ folder. Run it from the kit (or the packaged autograder).`);
  }
  const ids = exerciseIds(root);
  const planned = fs.existsSync(path.join(root, 'solutions')) ? planStubs(root) : undefined;
  return ids.map((id): Exercise => {
    const files = filesBelow(path.join(exercisesDir, id)).map((f) => posixRelative(root, f));
    const stubs: StubFile[] = planned !== undefined
      ? planned.filter((p) => p.exercise.startsWith(`exercises/${id}/`)).map((p) => ({ path: p.exercise, text: p.text }))
      : files.filter(isStubPath).map((p) => ({ path: p, text: fs.readFileSync(path.join(root, p), 'utf8') }));
    const stubSet = new Set(stubs.map((s) => s.path));
    const hidden = filesBelow(path.join(root, 'grading', id)).map((f) => posixRelative(root, f));
    const rubricFile = path.join(root, 'grading', id, 'rubric.json');
    const exercise: Exercise = {
      id,
      stubs,
      publicTests: files.filter((f) => TEST_FILE.test(f)),
      hiddenTests: hidden.filter((f) => TEST_FILE.test(f)),
      publicSupport: files.filter((f) => !TEST_FILE.test(f) && !stubSet.has(f)),
      hiddenSupport: hidden.filter((f) => !TEST_FILE.test(f) && !f.endsWith('/rubric.json')),
    };
    if (!fs.existsSync(rubricFile)) {
      exercise.rubricProblem = `grading/${id}/rubric.json ${NO_RUBRIC_YET}`;
    } else {
      try {
        exercise.rubric = loadRubric(rubricFile);
        if (exercise.rubric.exercise !== id) {
          exercise.rubricProblem = `grading/${id}/rubric.json says "exercise": "${exercise.rubric.exercise}", not "${id}"`;
          delete exercise.rubric;
        }
      } catch (err) {
        exercise.rubricProblem = (err as Error).message;
      }
    }
    return exercise;
  });
}


/**
 * The exercises a session grades: those `only` names (all by default) that have a rubric. One without
 * a rubric yet is skipped with the reason; an invalid rubric, or an unknown id in `only`, is an error.
 */
export function selectGradable(all: readonly Exercise[], only: readonly string[] | undefined): { gradable: Exercise[]; skipped: Array<{ id: string; why: string }> } {
  if (only !== undefined) {
    const unknown = only.filter((id) => !all.some((e) => e.id === id));
    if (unknown.length > 0) throw new KitError(`Unknown exercise(s): ${unknown.join(', ')}. The kit has: ${all.map((e) => e.id).join(', ')}.`);
  }
  const wanted = only === undefined ? [...all] : all.filter((e) => only.includes(e.id));
  const skipped = wanted.filter((e) => e.rubric === undefined).map((e) => ({ id: e.id, why: e.rubricProblem ?? 'no rubric' }));
  const invalid = skipped.filter((s) => !s.why.endsWith(NO_RUBRIC_YET));
  if (invalid.length > 0) throw new KitError(invalid.map((s) => s.why).join('\n\n'));
  return { gradable: wanted.filter((e) => e.rubric !== undefined), skipped };
}
