/**
 * Shared by `npm run tune` and `npm run final`: loads the exercise files of the chosen target (the
 * same KIT_TARGET the tests use: exercises/ by default, `solutions`, or a submission folder) and
 * parses `--name value` options.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArgumentError } from '#kit/errors';
import { targetDir } from '#kit/target';

export type TuningModule = typeof import('../solutions/03-hyperparam-tuning/tuning.ts');
export type FinalModule = typeof import('../solutions/04-final-training/final-training.ts');

export async function loadTarget<T>(exercise: string, file: string): Promise<T> {
  return (await import(pathToFileURL(path.join(targetDir(), exercise, file)).href)) as T;
}

/** `--name <integer>` from argv, or `fallback`. */
export function intOption(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value)) {
    throw new ArgumentError(`--${name} needs a whole number after it (e.g. --${name} ${String(fallback)}), got ${String(argv[i + 1])}.`);
  }
  return value;
}

/** `--name <string>` from argv, or undefined. */
export function stringOption(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}
