import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { fail, given } from './validate.ts';

/** One file or folder name that is portable (Windows, macOS, Linux) and cannot climb out of out/. */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkSegment(name: string, value: unknown): string {
  if (typeof value !== 'string' || !SEGMENT.test(value) || value.includes('..')) {
    fail(
      'figurePath',
      `${name} is ${given(value)}; it must be a single file name of letters, digits, '.', '_' and '-' that starts ` +
        `with a letter or digit (no '/', no '..'), e.g. figurePath('04-final-training', 'loss').`,
    );
  }
  return value;
}

/** The folder figures go under: `KIT_OUT_DIR` if set (relative to the working directory), else `<repo>/out`. */
export function outDir(): string {
  const env = process.env.KIT_OUT_DIR;
  return env !== undefined && env !== '' ? path.resolve(env) : path.join(REPO_ROOT, 'out');
}

/**
 * Where an exercise's figure goes: `<repo>/out/figures/<exercise>/<name>.png` (`out/` is git-ignored).
 * `name` may end in `.png` already.
 */
export function figurePath(exercise: string, name: string): string {
  checkSegment('exercise', exercise);
  checkSegment('name', name);
  const file = name.toLowerCase().endsWith('.png') ? name : `${name}.png`;
  return path.join(outDir(), 'figures', exercise, file);
}
