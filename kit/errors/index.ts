import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root: `kit/errors/` sits two levels below it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * An error meant for a person, not a stack trace: one paragraph saying what was wrong and how to fix it.
 * Reporters and CLIs print `message` alone for these.
 */
export class KitError extends Error {
  override name = 'KitError';
}

/** Bad argument to a kit or exercise function (a negative learning rate, a batch size of 0, ...). */
export class ArgumentError extends KitError {
  override name = 'ArgumentError';
}

/** The stack frame that called `new NotImplemented(...)`, as a repo-relative path. */
function callerFile(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const self = fileURLToPath(import.meta.url);
  for (const line of stack.split('\n').slice(1)) {
    // Frames look like "at fn (file:///x/y.ts:1:2)" or "at /x/y.ts:1:2".
    const m = /\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?\s*$/.exec(line);
    if (m?.[1] === undefined) continue;
    const file = m[1].startsWith('file://') ? fileURLToPath(m[1]) : m[1];
    if (file === self || file.includes('/node_modules/')) continue;
    return path.relative(REPO_ROOT, file).split(path.sep).join('/');
  }
  return undefined;
}

/**
 * Thrown by every generated stub. Its message is the single line a student needs:
 * `exercises/01-he-init/he-init.ts: implement heNormal()`.
 */
export class NotImplemented extends KitError {
  override name = 'NotImplemented';
  readonly fn: string;
  readonly file: string;

  constructor(fn: string) {
    super(fn);
    this.fn = fn;
    this.file = callerFile(this.stack) ?? 'an exercise file';
    this.message = `${this.file}: implement ${fn}()`;
    // A stub that is not done yet is a to-do item, not a crash: no frames to read.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** True for errors thrown by an untouched stub, also across realms where `instanceof` fails. */
export function isNotImplemented(err: unknown): err is NotImplemented {
  return err instanceof NotImplemented || (err instanceof Error && err.name === 'NotImplemented');
}

/**
 * `helper` with the stack of anything it throws re-captured at its caller. vitest (and the kit's
 * reporter) show the first stack frame in a project file; an assertion thrown inside a shared helper
 * would point every failure at the helper's own line instead of the check that failed. Nested wrapped
 * helpers each re-capture, so the outermost caller's line wins.
 */
export function atCallSite<A extends unknown[], R>(helper: (...args: A) => R): (...args: A) => R {
  const wrapped = (...args: A): R => {
    try {
      return helper(...args);
    } catch (err) {
      if (err instanceof Error) Error.captureStackTrace(err, wrapped);
      throw err;
    }
  };
  return wrapped;
}
