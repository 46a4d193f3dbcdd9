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
 * Runs a command's `main` (which may return the exit code): a kit error (a stub not written yet, a bad option, a missing dataset) is
 * printed as its paragraph and sets a failing exit code; anything else is a bug and keeps its stack.
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
      throw err;
    }
  }
}

function isOptionError(err: unknown): err is Error {
  if (!(err instanceof Error) || !('code' in err)) return false;
  return typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS');
}
