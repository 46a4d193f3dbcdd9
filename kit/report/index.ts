import path from 'node:path';
import { styleText } from 'node:util';
import { isNotImplemented, KitError } from '#kit/errors';

export function isKitError(err: unknown): err is KitError {
  return err instanceof KitError || (err instanceof Error && /^(KitError|ArgumentError|NotImplemented)$/.test(err.name));
}

type Style = Parameters<typeof styleText>[0];

/** Colour only for people at a terminal; CI logs and pipes get plain text. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  const plain = !stream.isTTY || process.env['NO_COLOR'] !== undefined || process.env['CI'] !== undefined;
  return plain ? text : styleText(style, text);
}

/** Prints a kit error as the paragraph it is, without a stack trace. */
export function printKitError(err: KitError): void {
  const label = isNotImplemented(err) ? 'to do' : 'error';
  console.error(`${paint(['bold', 'red'], `${label}:`, process.stderr)} ${err.message}`);
}

/**
 * An ordinary error (a TypeError in an exercise, bad JSON in an option) as a person needs it: its message
 * and the stack frames in the kit's and the exercises' files (paths relative to the working folder),
 * without the frames inside node_modules and Node itself; the first few of those when there are no others.
 */
export function describeError(err: unknown, cwd: string = process.cwd()): string {
  if (!(err instanceof Error)) return `error: ${String(err)}`;
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
  const own = frames.filter((f) => !f.includes('/node_modules/') && !f.includes('node:') && !f.includes('(<anonymous>)'));
  const shown = (own.length > 0 ? own : frames.slice(0, 3)).slice(0, 12);
  const relative = shown.map((f) => `    ${f.replace(/(?:file:\/\/)?(\/[^():]+)(?=:\d+:\d+)/, (p: string, abs: string) => {
    const rel = path.relative(cwd, abs);
    return rel.startsWith('..') ? p : rel;
  })}`);
  const cause = err.cause instanceof Error ? `\n  caused by ${err.cause.name}: ${err.cause.message}` : '';
  return [`${err.name}: ${err.message}${cause}`, ...relative].join('\n');
}

/**
 * Runs a command's `main` (which may return the exit code): a kit error (a stub not written yet, a bad option, a missing dataset) is
 * printed as its paragraph and sets a failing exit code; anything else (a bug) prints its message and a
 * short stack (describeError) and exits with 1. Nothing escapes as an uncaught exception, which on the
 * wasm backend would also print a 38 KB line of minified library code.
 */
export async function runMain(main: () => unknown): Promise<void> {
  try {
    const code: unknown = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    if (isKitError(err)) {
      printKitError(err);
      process.exitCode = 1;
    } else if (isOptionError(err)) {
      // node:util parseArgs: an unknown option, or a value that looks like one (`--epochs -1`).
      const script = process.argv[1] === undefined ? 'the command' : path.relative(process.cwd(), process.argv[1]);
      console.error(`${paint(['bold', 'red'], 'error:', process.stderr)} ${err.message.replace(/\n/g, ' ')} (in ${script}; its options are listed at the top of that file.)`);
      process.exitCode = 2;
    } else {
      console.error(describeError(err));
      process.exitCode = 1;
    }
  }
}

function isOptionError(err: unknown): err is Error {
  if (!(err instanceof Error) || !('code' in err)) return false;
  return typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS');
}
