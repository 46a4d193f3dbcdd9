/**
 * The runner's reporter. It lives in vitest's main process, which runs no student code (tests run in
 * worker processes, as another user where the platform allows), and writes one JSON line per event to
 * a results file the workers cannot reach. A test's record carries the sentinel's signed verdict,
 * checked here with the run's key; the grader counts a test as passed only when both vitest and the
 * signature say so.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError } from 'vitest';
import { signedMessage, type RunRecord, type TestState } from './protocol.ts';

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

export class TrustedReporter implements Reporter {
  readonly #file: string;
  readonly #key: Buffer;
  readonly #root: string;

  constructor(resultsFile: string, keyHex: string, root: string) {
    this.#file = resultsFile;
    this.#key = Buffer.from(keyHex, 'hex');
    this.#root = root;
  }

  write(record: RunRecord): void {
    fs.appendFileSync(this.#file, `${JSON.stringify(record)}\n`);
  }

  rel(file: string): string {
    return path.relative(this.#root, file).split(path.sep).join('/');
  }

  #verify(test: TestCase): { signed: 'pass' | 'fail' | 'missing' | 'bad-signature'; integrity: string } {
    const meta = (test.meta() as { dlkit?: { verdict?: unknown; integrity?: unknown; mac?: unknown } }).dlkit;
    if (meta === undefined || typeof meta.mac !== 'string' || typeof meta.verdict !== 'string' || typeof meta.integrity !== 'string') {
      return { signed: 'missing', integrity: 'ok' };
    }
    const expected = crypto.createHmac('sha256', this.#key)
      .update(signedMessage(test.module.moduleId, titlePath(test), meta.verdict, meta.integrity))
      .digest();
    const got = Buffer.from(meta.mac, 'hex');
    if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) return { signed: 'bad-signature', integrity: 'ok' };
    return { signed: meta.verdict === 'pass' ? 'pass' : 'fail', integrity: meta.integrity };
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    const { signed, integrity } = this.#verify(test);
    const errors = (result.errors ?? []) as readonly ErrorLike[];
    const state: TestState = result.state;
    const record: RunRecord = {
      type: 'test',
      file: this.rel(test.module.moduleId),
      title: titlePath(test),
      state,
      signed,
      integrity,
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
