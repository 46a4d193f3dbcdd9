/**
 * What a training function shows on the terminal, for the tests of its progress display: the tests run
 * with the display off or in lines mode (#kit/progress), so a test sets the mode it checks and catches
 * stderr, and both are restored even when the function throws.
 */
import type { ProgressMode } from '#kit/progress';

/** Everything `run` writes to stderr while `KIT_PROGRESS` is `mode` ('tty': live line and summaries; 'lines': summaries). */
export function stderrOf(mode: ProgressMode, run: () => unknown): string {
  const chunks: string[] = [];
  // Put back exactly what was there: stderr's own `write` if it had one, else none (its prototype's).
  const own = Object.getOwnPropertyDescriptor(process.stderr, 'write');
  const saved = process.env['KIT_PROGRESS'];
  process.env['KIT_PROGRESS'] = mode;
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  try {
    run();
  } finally {
    if (own === undefined) delete (process.stderr as { write?: unknown }).write;
    else Object.defineProperty(process.stderr, 'write', own);
    if (saved === undefined) delete process.env['KIT_PROGRESS'];
    else process.env['KIT_PROGRESS'] = saved;
  }
  return chunks.join('');
}
