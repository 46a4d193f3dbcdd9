import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';

export { registerTargetHooks } from './register.ts';
export { hashStubs, PRISTINE_FILE, pristineStubHashes, untouchedExercises, type StubHashes } from './pristine.ts';

export const EXERCISES_DIR = path.join(REPO_ROOT, 'exercises');
export const SOLUTIONS_DIR = path.join(REPO_ROOT, 'solutions');

/**
 * The folder whose implementation files the exercise tests import (ARCHITECTURE.md contract 2).
 * `KIT_TARGET` unset or `exercises` → the stubs students edit; `solutions` → the reference;
 * any other value is a submission folder laid out like `exercises/` (or a whole kit clone holding one).
 */
export function targetDir(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env['KIT_TARGET']?.trim();
  if (raw === undefined || raw === '' || raw === 'exercises') return EXERCISES_DIR;
  if (raw === 'solutions') {
    // The student release has no solutions/: say so, rather than fail later on "Cannot find module".
    if (hasSolutions()) return SOLUTIONS_DIR;
    throw new KitError(
      `KIT_TARGET=solutions names the reference solutions, but this copy of the kit has no solutions/ folder ` +
        `(the student version ships without them). Leave KIT_TARGET unset to test exercises/, or give the path ` +
        `of another folder laid out like exercises/ (e.g. KIT_TARGET=../my-attempt npm test).`,
    );
  }
  const dir = path.resolve(raw);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    const reference = hasSolutions() ? 'use "solutions" for the reference solutions, ' : '';
    throw new KitError(
      `KIT_TARGET is set to "${raw}", but ${dir} is not a folder. KIT_TARGET chooses the code the tests ` +
        `run against: leave it unset for exercises/, ${reference}or give ` +
        `the path of a submission folder laid out like exercises/ (e.g. KIT_TARGET=../alice npm test).`,
    );
  }
  const nested = path.join(dir, 'exercises');
  return fs.existsSync(nested) && fs.statSync(nested).isDirectory() ? nested : dir;
}

/** Whether this copy of the kit has the reference solutions (the instructor's kit does, the student release not). */
export function hasSolutions(root: string = REPO_ROOT): boolean {
  return fs.existsSync(path.join(root, 'solutions'));
}

/** How to test something else, for the test banner: `solutions` only where there are any to test. */
export function targetHint(root: string = REPO_ROOT): string {
  return hasSolutions(root) ? 'KIT_TARGET=solutions|<folder> to change' : 'KIT_TARGET=<folder> to test another copy of exercises/';
}

/** Human label for the target, for headers and reports. */
export function targetLabel(dir: string): string {
  const rel = path.relative(REPO_ROOT, dir);
  return rel === '' || rel.startsWith('..') ? dir : rel;
}

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]s$/;

/**
 * Maps a file that a test imports from `exercises/` onto the same relative path under the target.
 * Tests, fixtures and anything outside `exercises/` are left alone.
 */
export function retarget(resolved: string, target: string): string {
  if (target === EXERCISES_DIR) return resolved;
  const rel = path.relative(EXERCISES_DIR, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel) || TEST_FILE.test(resolved)) return resolved;
  return path.join(target, rel);
}

/** Where a target file would sit in exercises/: bare imports (#kit/..., npm packages) resolve from there. */
export function homeOf(file: string, target: string): string {
  const rel = path.relative(target, file);
  if (target === EXERCISES_DIR || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return path.join(EXERCISES_DIR, rel);
}
