/**
 * One run of one exercise's tests (or, in 'collect' mode, the listing of them): a workspace of its
 * own, the runner started inside the sandbox, a wall-time and a memory limit enforced from outside,
 * every process of the run killed at the end, and the runner's records read back.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exercise } from './exercises.ts';
import { killGroup, killPids, killUser, procAvailable, runProcesses } from './procs.ts';
import { ENTER_SCRIPT, PRIVATE_SCRATCH, SCRATCH, unshareArgs, workerWrapperScript, type Sandbox } from './sandbox.ts';
import type { RunRecord, RunSpec } from '../runner/protocol.ts';

const RUNNER_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'runner');

export interface RunLimits {
  /** Wall time for the whole run, ms. */
  timeMs: number;
  /** Summed resident memory of every process of the run, bytes. */
  memoryBytes: number;
  /** Per-test limit, ms (vitest's timeout for async tests; a watchdog kills a synchronous hang a little later). */
  testTimeoutMs: number;
}

export interface RunRequest {
  sandbox: Sandbox;
  /** Which concurrent slot (0-based). */
  slot: number;
  /** The run's own user id (root only; claimed by the session for this slot). */
  uid?: number;
  /** The submission workspace to copy from. */
  workspace: string;
  exercise: Exercise;
  mode: 'run' | 'collect';
  limits: RunLimits;
  /** Paths hidden from the run (when namespaces work). */
  hide: readonly string[];
  /** Where the run's folders are created. */
  tmpBase: string;
  seed: number;
  /** Run only these tests (a re-run of what an earlier run left unfinished). */
  only?: ReadonlyArray<{ file: string; title: readonly string[] }>;
  keep?: boolean;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern for vitest's testNamePattern that selects exactly these tests: vitest matches it
 * against the describe names and the test name joined by spaces (after the file's name).
 */
export function namePattern(tests: ReadonlyArray<{ title: readonly string[] }>): string {
  const names = [...new Set(tests.map((t) => escapeRegExp(t.title.join(' '))))];
  return `(?:^|\\s)(?:${names.join('|')})$`;
}

export type RunEnd = 'finished' | 'timeout' | 'memory' | 'crashed';

export interface RunOutcome {
  records: RunRecord[];
  end: RunEnd;
  seconds: number;
  peakRssBytes: number;
  /** Tail of what the run printed (untrusted; for an instructor reading a crash). */
  log: string;
  detail?: string;
}

const LOG_CAP = 32 * 1024;
/**
 * RLIMIT_NPROC of the run user: it counts threads, and a headless Chromium (08's browser test) with
 * its helpers runs several hundred; a fork bomb still stops here.
 */
const MAX_TASKS = 2048;
/** Kit settings passed from the grader's environment to the tests. */
const PASSED_ENV = ['KIT_BACKEND', 'KIT_CHROMIUM', 'KIT_REQUIRE_BROWSER'];

function copyTree(from: string, to: string, skip: (rel: string) => boolean, rel = ''): void {
  fs.mkdirSync(to, { recursive: true });
  for (const d of fs.readdirSync(from, { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (skip(r)) continue;
    const src = path.join(from, d.name);
    const dst = path.join(to, d.name);
    if (d.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else if (d.isDirectory()) copyTree(src, dst, skip, r);
    else fs.copyFileSync(src, dst);
  }
}

function chownTree(dir: string, uid: number, gid: number, dirMode: number, fileMode: number): void {
  fs.lchownSync(dir, uid, gid);
  fs.chmodSync(dir, dirMode);
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isSymbolicLink()) fs.lchownSync(p, uid, gid);
    else if (d.isDirectory()) chownTree(p, uid, gid, dirMode, fileMode);
    else {
      fs.lchownSync(p, uid, gid);
      fs.chmodSync(p, fileMode);
    }
  }
}

function makeWritable(dir: string): void {
  try {
    fs.chmodSync(dir, 0o700);
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (d.isDirectory() && !d.isSymbolicLink()) makeWritable(path.join(dir, d.name));
    }
  } catch {
    // best effort: rmSync reports what it cannot remove
  }
}

/** Deletes what the run user left in the world-writable scratch folders (nothing of a run survives it). */
function removeFilesOf(uid: number): void {
  for (const dir of SCRATCH) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      try {
        if (fs.lstatSync(p).uid === uid) fs.rmSync(p, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
    }
  }
}

export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    makeWritable(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the run's workspace R (a copy of the submission workspace holding only this exercise's hidden tests). */
function buildRunWorkspace(req: RunRequest, dir: string, uid: number | undefined): void {
  const id = req.exercise.id;
  copyTree(req.workspace, dir, (rel) => rel.startsWith('grading/') && rel !== `grading/${id}` && !rel.startsWith(`grading/${id}/`));
  const grader = path.join(dir, '.grader');
  fs.mkdirSync(grader);
  for (const f of fs.readdirSync(RUNNER_DIR)) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) fs.copyFileSync(path.join(RUNNER_DIR, f), path.join(grader, f));
  }
  for (const d of ['.sandbox/home', '.sandbox/tmp', '.sandbox/out', '.vitest-tmp']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  fs.writeFileSync(path.join(dir, '.sandbox', 'progress.jsonl'), '');
  if (uid !== undefined) {
    // Root owns everything, the run's group may read it; only .sandbox/ is the run user's to write.
    chownTree(dir, 0, uid, 0o2750, 0o640);
    fs.chmodSync(path.join(dir, '.vitest-tmp'), 0o2750);
    const hidden = path.join(dir, 'grading', id);
    if (fs.existsSync(hidden)) chownTree(hidden, 0, 0, 0o700, 0o600);
    chownTree(path.join(dir, '.grader'), 0, 0, 0o700, 0o600);
    chownTree(path.join(dir, '.sandbox'), uid, uid, 0o700, 0o600);
    fs.lchownSync(path.join(dir, '.sandbox'), 0, uid);
    fs.chmodSync(path.join(dir, '.sandbox'), 0o2750);
  } else {
    // Same user as the grader: read-only is all we can do (the user could undo it; see grading/README.md).
    readOnly(dir, new Set(['.sandbox', '.vitest-tmp', 'node_modules', 'data']));
  }
}

function readOnly(dir: string, keep: ReadonlySet<string>, rel = ''): void {
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (keep.has(r) || d.isSymbolicLink()) continue;
    const p = path.join(dir, d.name);
    if (d.isDirectory()) {
      readOnly(p, keep, r);
      fs.chmodSync(p, 0o555);
    } else fs.chmodSync(p, 0o444);
  }
}

export async function runExercise(req: RunRequest): Promise<RunOutcome> {
  const t0 = Date.now();
  const { sandbox } = req;
  const uid = sandbox.dropUser ? req.uid : undefined;
  if (uid !== undefined) killUser(uid); // leftovers of an earlier run in this slot
  const R = fs.mkdtempSync(path.join(req.tmpBase, `r${req.exercise.id.slice(0, 2)}-`));
  const P = fs.mkdtempSync(path.join(req.tmpBase, 'p-'));
  fs.chmodSync(P, 0o700);
  try {
    buildRunWorkspace(req, R, uid);
    const all = [...req.exercise.publicTests, ...req.exercise.hiddenTests];
    const files = (req.only === undefined ? all : all.filter((f) => req.only!.some((t) => t.file === f))).map((f) => path.join(R, f));
    const wrapper = workerWrapperScript(sandbox, { uid, gid: uid, maxFileBytes: 1024 ** 3, maxProcesses: MAX_TASKS });
    let workerNode: string | undefined;
    if (wrapper !== undefined) {
      workerNode = path.join(P, 'worker-node.sh');
      fs.writeFileSync(workerNode, wrapper, { mode: 0o700 });
    }
    const heapMb = Math.max(512, Math.min(8192, Math.floor((req.limits.memoryBytes / 1024 ** 2) * 0.75)));
    const spec: RunSpec = {
      mode: req.mode,
      root: R,
      files,
      resultsFile: path.join(P, 'results.jsonl'),
      progressFile: path.join(R, '.sandbox', 'progress.jsonl'),
      cacheDir: path.join(P, 'vite-cache'),
      sentinelKey: crypto.randomBytes(32).toString('hex'),
      testTimeoutMs: req.limits.testTimeoutMs,
      testWatchdogMs: req.limits.testTimeoutMs + Math.min(5000, req.limits.testTimeoutMs / 2),
      workerExecArgv: [`--max-old-space-size=${heapMb}`],
      workerEnv: {
        HOME: path.join(R, '.sandbox', 'home'),
        TMPDIR: path.join(R, '.sandbox', 'tmp'),
        KIT_OUT_DIR: path.join(R, '.sandbox', 'out'),
        KIT_PROGRESS: '0',
        DLKIT_PROGRESS_FILE: path.join(R, '.sandbox', 'progress.jsonl'),
        ...(process.env['DLKIT_WORKER_DEBUG'] ? { DEBUG: process.env['DLKIT_WORKER_DEBUG'] } : {}),
      },
      seed: req.seed,
      ...(workerNode === undefined ? {} : { workerNode }),
      ...(req.only === undefined ? {} : { testNamePattern: namePattern(req.only) }),
    };
    const specFile = path.join(P, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: P,
      TMPDIR: path.join(R, '.vitest-tmp'),
      LANG: 'C.UTF-8',
      CI: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      // The instructor's settings of the kit hold for the tests too (not KIT_TARGET: the workspace decides that).
      ...Object.fromEntries(PASSED_ENV.filter((k) => process.env[k]).map((k) => [k, process.env[k]!])),
      ...(process.env['KIT_DATA_DIR'] ? { KIT_DATA_DIR: path.resolve(process.env['KIT_DATA_DIR']) } : {}),
    };
    const runnerArgs = [process.execPath, '--import', 'tsx', path.join(R, '.grader', 'runner.ts'), specFile];
    let cmd: string;
    let args: string[];
    if (sandbox.namespaces) {
      const enter = path.join(P, 'enter.sh');
      fs.writeFileSync(enter, ENTER_SCRIPT, { mode: 0o700 });
      cmd = 'unshare';
      const mounts = [...req.hide.map((p) => `hide:${p}`), ...PRIVATE_SCRATCH.map((p) => `private:${p}`)];
      args = [...unshareArgs(sandbox), '--', '/bin/sh', enter, ...mounts, '--', ...runnerArgs];
    } else {
      [cmd, ...args] = runnerArgs as [string, ...string[]];
    }
    const outcome = await supervise({ cmd, args, cwd: R, env, uid, limits: req.limits, resultsFile: spec.resultsFile, t0 });
    const logDir = process.env['DLKIT_RUN_LOG_DIR'];
    if (logDir !== undefined && logDir !== '') {
      // For an instructor chasing a crash: what the run printed (untrusted), one file per run.
      fs.mkdirSync(logDir, { recursive: true });
      fs.writeFileSync(path.join(logDir, `${path.basename(R)}.log`), outcome.log);
    }
    return outcome;
  } finally {
    if (uid !== undefined) {
      killUser(uid);
      removeFilesOf(uid);
    }
    if (req.keep !== true) {
      removeTree(R);
      removeTree(P);
    }
  }
}

interface Supervised {
  cmd: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid: number | undefined;
  limits: RunLimits;
  resultsFile: string;
  t0: number;
}

function supervise(s: Supervised): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let log = '';
    const append = (b: Buffer): void => {
      log += b.toString('utf8');
      if (log.length > LOG_CAP * 2) log = log.slice(-LOG_CAP);
    };
    const child = spawn(s.cmd, s.args, { cwd: s.cwd, env: s.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    let end: RunEnd | undefined;
    let peak = 0;
    let detail: string | undefined;
    const killAll = (): void => {
      if (child.pid === undefined) return;
      killPids(runProcesses(child.pid, s.uid).pids);
      killGroup(child.pid);
    };
    const poll = setInterval(() => {
      if (child.pid === undefined || !procAvailable) return;
      const { rssBytes } = runProcesses(child.pid, s.uid);
      peak = Math.max(peak, rssBytes);
      if (rssBytes > s.limits.memoryBytes && end === undefined) {
        end = 'memory';
        detail = `the tests used ${(rssBytes / 1024 ** 2).toFixed(0)} MB, more than the ${(s.limits.memoryBytes / 1024 ** 2).toFixed(0)} MB allowed`;
        killAll();
      }
    }, 200);
    const timer = setTimeout(() => {
      if (end === undefined) {
        end = 'timeout';
        detail = `the tests did not finish within ${(s.limits.timeMs / 1000).toFixed(0)} s`;
      }
      killAll();
    }, s.limits.timeMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      clearInterval(poll);
      clearTimeout(timer);
      killAll();
      const records = readRecords(s.resultsFile);
      const ended = records.some((r) => r.type === 'done' || r.type === 'collected');
      if (end === undefined && (error !== undefined || code !== 0 || !ended)) {
        end = 'crashed';
        const crash = records.find((r): r is Extract<RunRecord, { type: 'crash' }> => r.type === 'crash');
        detail = error?.message ?? crash?.message ?? `the test runner stopped (${signal ?? `exit ${code}`}) before reporting every test`;
      }
      resolve({ records, end: end ?? 'finished', seconds: (Date.now() - s.t0) / 1000, peakRssBytes: peak, log: log.slice(-LOG_CAP), ...(detail ? { detail } : {}) });
    };
    child.on('error', (err) => { finish(null, null, err); });
    child.on('close', (code, signal) => { finish(code, signal); });
  });
}

export function readRecords(file: string): RunRecord[] {
  if (!fs.existsSync(file)) return [];
  const out: RunRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as RunRecord);
    } catch {
      // a line cut short by a kill: ignore it
    }
  }
  return out;
}
