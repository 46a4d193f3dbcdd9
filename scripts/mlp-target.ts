/**
 * Shared by `npm run tune` and `npm run final`: parses `--name value` options. (Which exercise files
 * they run, KIT_TARGET's, is scripts/run.ts's business, as for every command that runs exercise code.)
 */
import { ArgumentError } from '#kit/errors';

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
