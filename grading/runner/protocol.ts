/**
 * What the grader tells the runner (a JSON spec file) and what the runner tells the grader (JSON
 * lines on file descriptor 3, a pipe the grader reads with bounds). Everything in the sandbox can
 * write to that pipe: the grader trusts a test's verdict only with its signature (see lib/keys.ts).
 * Shared by both sides; no imports.
 */

/** The file descriptor the runner writes its records to. */
export const RESULTS_FD = 3;
/** Environment variable naming the grader's key socket, for the sentinel in each worker. */
export const KEY_SOCKET_ENV = 'DLKIT_KEY_SOCKET';

export interface RunSpec {
  mode: 'run' | 'collect';
  /** The run's workspace: vitest's root. */
  root: string;
  /** Absolute paths of the test files to run. */
  files: string[];
  /** Where the sentinel in the workers writes which test runs (untrusted; see watchdog.ts). */
  progressFile: string;
  /** Where vite may write its cache (kept out of the workspace and the kit). */
  cacheDir: string;
  testTimeoutMs: number;
  /** A test still running this long after it began is stopped by killing its worker (a synchronous hang). */
  testWatchdogMs: number;
  /** Node flags for the workers that run the tests (heap limit). */
  workerExecArgv: string[];
  /** Extra environment for the workers. */
  workerEnv: Record<string, string>;
  /** Seed of the sentinel's replacements for Math.random and crypto's random sources. */
  seed: number;
  /** Run only the tests whose full name matches (a re-run after a test hung or crashed its worker). */
  testNamePattern?: string;
}

export type TestState = 'passed' | 'failed' | 'skipped' | 'pending';

/** What the sentinel attaches to a test (vitest's task meta), passed on by the runner unchecked. */
export interface SentinelMeta {
  verdict: string;
  integrity: string;
  mac: string;
}

/** A record as the runner writes it (and as anything else in the sandbox may forge it). */
export type RawRecord =
  | Exclude<RunRecord, { type: 'test' }>
  | { type: 'test'; file: string; title: string[]; state: TestState; sentinel?: SentinelMeta; reason?: string; seconds: number };

/** A record as the grader uses it: a test's signature checked outside the sandbox (lib/records.ts). */
export type RunRecord =
  | { type: 'start'; vitest: string }
  /** Collect mode: the tests a file defines (title paths), and errors that kept it from loading. */
  | { type: 'collected'; file: string; tests: string[][]; errors: string[] }
  /** A test started (one that starts and never ends hung or took its worker down). Untrusted: from the worker. */
  | { type: 'begin'; file: string; title: string[] }
  /** …and ended, as far as the worker says (its result may still be lost if the worker dies next). */
  | { type: 'end'; file: string; title: string[] }
  | {
      type: 'test';
      file: string;
      title: string[];
      /** What vitest's state says (the worker can influence it; see `signed`). */
      state: TestState;
      /** The sentinel's signed verdict: 'pass', 'fail', or 'missing'/'bad-signature' when it cannot be trusted. */
      signed: 'pass' | 'fail' | 'missing' | 'bad-signature';
      /** 'ok', or what the sentinel found modified. */
      integrity: string;
      /** First line of the first error, for the report. */
      reason?: string;
      seconds: number;
    }
  | { type: 'module'; file: string; errors: string[] }
  /** The runner killed the worker running this test (see RunSpec.testWatchdogMs). */
  | { type: 'killed'; file: string; title: string[]; reason: string }
  | { type: 'done'; unhandled: string[] }
  | { type: 'crash'; message: string };

/** The text the sentinel signs for one test; the reporter rebuilds it to check the signature. */
export function signedMessage(file: string, title: readonly string[], verdict: string, integrity: string): string {
  // Plain concatenation: inside the worker, Array.prototype.join may have been replaced by then.
  let s = `dlkit-sentinel-v1\u0000${file}`;
  for (let i = 0; i < title.length; i++) s += `\u0000${title[i]!}`;
  return `${s}\u0000${verdict}\u0000${integrity}`;
}
