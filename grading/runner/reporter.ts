/**
 * The runner's reporter, in vitest's main process: one JSON line per event on the results pipe. It
 * holds no key and checks nothing: the main process serves the workers (modules, messages) and is no
 * more trusted than they are. A test's record carries the sentinel's signed verdict as vitest
 * received it; the grader checks the signature outside the sandbox (lib/records.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';
import type { RawRecord, SentinelMeta, TestState } from './protocol.ts';

interface ErrorLike {
  name?: string;
  message?: string;
}

/** The first line of an error, capped: enough to tell the student what went wrong. */
export function oneLine(e: ErrorLike | undefined): string {
  if (e === undefined) return 'unknown error';
  const name = e.name !== undefined && e.name !== 'Error' && e.name !== 'AssertionError' ? `${e.name}: ` : '';
  const first = `${name}${e.message ?? ''}`.split('\n').find((l) => l.trim() !== '') ?? `${name}(no message)`;
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}

export function titlePath(test: TestCase): string[] {
  const parts = [test.name];
  let p = test.parent;
  while (p.type === 'suite') {
    parts.unshift(p.name);
    p = p.parent;
  }
  return parts;
}

/** Kills this process's children: the test workers (the grader kills whatever they left behind). */
export function killWorkers(): void {
  if (!fs.existsSync('/proc')) return;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) process.kill(Number(name), 'SIGKILL');
    } catch {
      // gone already, or not ours
    }
  }
}

export class RecordReporter implements Reporter {
  readonly #fd: number;
  readonly #root: string;

  constructor(fd: number, root: string) {
    this.#fd = fd;
    this.#root = root;
  }

  write(record: RawRecord): void {
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    for (let off = 0; off < line.length;) off += fs.writeSync(this.#fd, line, off);
  }

  rel(file: string): string {
    return path.relative(this.#root, file).split(path.sep).join('/');
  }

  /** The sentinel's verdict as vitest received it (checked by the grader, not here). */
  static #sentinel(test: TestCase): SentinelMeta | undefined {
    const meta = (test.meta() as { dlkit?: { verdict?: unknown; integrity?: unknown; mac?: unknown } }).dlkit;
    if (meta === undefined || typeof meta.mac !== 'string' || typeof meta.verdict !== 'string' || typeof meta.integrity !== 'string') return undefined;
    return { verdict: meta.verdict, integrity: meta.integrity, mac: meta.mac };
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    const sentinel = RecordReporter.#sentinel(test);
    const errors = (result.errors ?? []) as readonly ErrorLike[];
    const state: TestState = result.state;
    const record: RawRecord = {
      type: 'test',
      file: this.rel(test.module.moduleId),
      title: titlePath(test),
      state,
      ...(sentinel === undefined ? {} : { sentinel }),
      seconds: (test.diagnostic()?.duration ?? 0) / 1000,
    };
    if (errors.length > 0) record.reason = oneLine(errors[0]);
    else if (result.state === 'skipped' && result.note !== undefined) record.reason = oneLine({ message: result.note });
    this.write(record);
  }

  onTestModuleEnd(module: TestModule): void {
    // Errors outside any test: a file that failed to load, a failing beforeAll/afterAll of a suite.
    const errors = [module, ...module.children.allSuites()].flatMap((s) => s.errors() as readonly ErrorLike[]);
    if (errors.length > 0) this.write({ type: 'module', file: this.rel(module.moduleId), errors: errors.map(oneLine) });
  }

  onTestRunEnd(_modules: readonly TestModule[], unhandled: readonly SerializedError[]): void {
    this.write({ type: 'done', unhandled: (unhandled as readonly ErrorLike[]).map(oneLine) });
  }
}
