/**
 * One run of one exercise's tests (or, in 'collect' mode, the listing of them): a workspace of its
 * own, read-only to the run; vitest started inside the sandbox as the run's user (sandbox.ts); the
 * signing keys served from here (keys.ts); the records read from a pipe with bounds (records.ts); a
 * wall-time and a memory limit enforced from outside; every process of the run killed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exercise } from './exercises.ts';
import { KeyService } from './keys.ts';
import { killGroup, killPids, killUser, procAvailable, runProcesses } from './procs.ts';
import { RecordReader, verifyRecords } from './records.ts';
import { cleanText } from './sanitize.ts';
import { identityFiles, runUserCanRead, sandboxArgv, type Sandbox } from './sandbox.ts';
import { KEY_SOCKET_ENV, RESULTS_FD, type RunRecord, type RunSpec } from '../runner/protocol.ts';
import { REPO_ROOT } from '#kit/errors';

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
  /** The node binary the run uses (the session's execute-only copy; default: this process's). */
  node?: string;
  /** The submission workspace to copy from. */
  workspace: string;
  exercise: Exercise;
  mode: 'run' | 'collect';
  limits: RunLimits;
  /** Paths the sandbox must not show even where a system folder holds them (the kit, submissions). */
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

/** The world-writable scratch folders a run without its own /tmp can write to (swept after it). */
const SCRATCH = ['/tmp', '/var/tmp', '/dev/shm'];

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
        if (fs.lstatSync(p).uid === uid) removeTree(p);
      } catch {
        // gone meanwhile
      }
    }
  }
}

/**
 * Removes a folder whatever a run left in it (a tree thousands of levels deep, folders without write
 * permission): coreutils' rm walks iteratively, where fs.rmSync recurses and can overflow its stack.
 */
export function removeTree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  spawnSync('chmod', ['-R', 'u+rwX', dir], { stdio: 'ignore' });
  const r = spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
  if (r.status !== 0 || r.error !== undefined) fs.rmSync(dir, { recursive: true, force: true });
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
  const scratch = path.join(dir, '.sandbox');
  if (!req.sandbox.namespaces) for (const d of ['home', 'tmp', 'out']) fs.mkdirSync(path.join(scratch, d), { recursive: true });
  else fs.mkdirSync(scratch);
  if (uid !== undefined) {
    // Root owns everything, the run's group may read it; only .sandbox/ is the run user's to write
    // (without bubblewrap: inside it, a tmpfs covers .sandbox/ and the rest is bound read-only).
    chownTree(dir, 0, uid, 0o2750, 0o640);
    chownTree(scratch, uid, uid, 0o700, 0o600);
  } else {
    // Same user as the grader: read-only is all we can do (the user could undo it; see grading/README.md).
    readOnly(dir, new Set(['.sandbox', 'node_modules', 'data']));
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

/**
 * Read-only paths a run needs besides the system: its workspace, node, the packages and the data. One
 * the run user cannot reach (a kit in a private home folder) is left out: the tests could not read it
 * anyway, and the grader's notes say so (see Grader).
 */
function neededPaths(R: string, keyDir: string, node: string, uid: number | undefined): string[] {
  const dataDir = process.env['KIT_DATA_DIR'];
  const chromium = process.env['KIT_CHROMIUM'];
  const candidates = [path.join(R, 'node_modules'), path.join(R, 'data'), ...(dataDir ? [path.resolve(dataDir)] : []), ...(chromium ? [chromium] : [])];
  const extra = candidates.filter((p) => fs.existsSync(p)).map((p) => fs.realpathSync(p)).filter((p) => runUserCanRead(p, uid));
  return [R, keyDir, path.dirname(node), ...extra];
}

export async function runExercise(req: RunRequest): Promise<RunOutcome> {
  const t0 = Date.now();
  const { sandbox } = req;
  const uid = sandbox.dropUser ? req.uid : undefined;
  if (uid !== undefined) killUser(uid); // leftovers of an earlier run in this slot
  const R = fs.realpathSync(fs.mkdtempSync(path.join(req.tmpBase, `r${req.exercise.id.slice(0, 2)}-`)));
  // The key socket's folder (with the sandbox's /etc/passwd): reachable by this run's user only.
  const K = fs.realpathSync(fs.mkdtempSync(path.join(req.tmpBase, 'k-')));
  let keys: KeyService | undefined;
  try {
    buildRunWorkspace(req, R, uid);
    const all = [...req.exercise.publicTests, ...req.exercise.hiddenTests];
    const files = (req.only === undefined ? all : all.filter((f) => req.only!.some((t) => t.file === f))).map((f) => path.join(R, f));
    const heapMb = Math.max(512, Math.min(8192, Math.floor((req.limits.memoryBytes / 1024 ** 2) * 0.75)));
    const scratch = path.join(R, '.sandbox');
    const node = req.node ?? process.execPath;
    const spec: RunSpec = {
      mode: req.mode,
      root: R,
      files,
      progressFile: path.join(scratch, 'progress.jsonl'),
      cacheDir: path.join(scratch, 'tmp', 'vite'),
      testTimeoutMs: req.limits.testTimeoutMs,
      testWatchdogMs: req.limits.testTimeoutMs + Math.min(5000, req.limits.testTimeoutMs / 2),
      workerExecArgv: [`--max-old-space-size=${heapMb}`],
      workerEnv: {
        HOME: path.join(scratch, 'home'),
        TMPDIR: path.join(scratch, 'tmp'),
        KIT_OUT_DIR: path.join(scratch, 'out'),
        KIT_PROGRESS: '0',
        DLKIT_PROGRESS_FILE: path.join(scratch, 'progress.jsonl'),
        ...(process.env['DLKIT_WORKER_DEBUG'] ? { DEBUG: process.env['DLKIT_WORKER_DEBUG'] } : {}),
      },
      seed: req.seed,
      ...(req.only === undefined ? {} : { testNamePattern: namePattern(req.only) }),
    };
    const specFile = path.join(R, '.grader', 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    if (uid !== undefined) fs.chownSync(specFile, 0, uid);
    let launcher: number | undefined;
    keys = await KeyService.start({ dir: K, files, launcher: () => launcher });
    // Only this run's user may reach its key socket (two runs at once must not ask in each other's name).
    if (uid !== undefined) {
      fs.chownSync(K, 0, uid);
      fs.chmodSync(K, 0o750);
      fs.chownSync(keys.socketPath, 0, uid);
      fs.chmodSync(keys.socketPath, 0o660);
    } else fs.chmodSync(K, 0o700);
    spec.workerEnv[KEY_SOCKET_ENV] = keys.socketPath;
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const home = path.join(scratch, 'home');
    const identity = uid !== undefined && sandbox.namespaces ? identityFiles(K, uid, home) : undefined;
    const argv = sandboxArgv({
      sandbox,
      ...(uid === undefined ? {} : { uid }),
      maxFileBytes: 1024 ** 3,
      maxProcesses: MAX_TASKS,
      readOnly: neededPaths(R, K, node, uid),
      scratch: [scratch],
      dirs: ['home', 'tmp', 'out'].map((d) => path.join(scratch, d)),
      ...(identity ?? {}),
      mask: [REPO_ROOT, req.tmpBase, ...req.hide],
      cwd: R,
      command: [node, '--import', 'tsx', path.join(R, '.grader', 'runner.ts'), specFile],
    });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: path.join(scratch, 'tmp'),
      LANG: 'C.UTF-8',
      CI: '1',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      // The instructor's settings of the kit hold for the tests too (not KIT_TARGET: the workspace decides that).
      ...Object.fromEntries(PASSED_ENV.filter((k) => process.env[k]).map((k) => [k, process.env[k]!])),
      ...(process.env['KIT_DATA_DIR'] ? { KIT_DATA_DIR: path.resolve(process.env['KIT_DATA_DIR']) } : {}),
    };
    const outcome = await supervise({
      argv, cwd: R, env, uid, limits: req.limits, t0, onSpawn: (pid) => { launcher = pid; },
    });
    const records = verifyRecords(outcome.raw, R, (f) => keys?.keyOf(f), keys.tampering);
    const logDir = process.env['DLKIT_RUN_LOG_DIR'];
    if (logDir !== undefined && logDir !== '') {
      // For an instructor chasing a crash: what the run printed (untrusted), one file per run.
      fs.mkdirSync(logDir, { recursive: true });
      fs.writeFileSync(path.join(logDir, `${path.basename(R)}.log`), `${outcome.log}\n--- key service: ${[...keys.tampering, ...keys.refusals].join('; ') || 'ok'}\n`);
    }
    return { end: outcome.end, seconds: outcome.seconds, peakRssBytes: outcome.peakRssBytes, log: outcome.log, ...(outcome.detail ? { detail: outcome.detail } : {}), records };
  } finally {
    if (uid !== undefined) {
      killUser(uid);
      removeFilesOf(uid);
    }
    await keys?.close();
    if (req.keep !== true) for (const d of [R, K]) removeTree(d);
  }
}

interface Supervised {
  argv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid: number | undefined;
  limits: RunLimits;
  t0: number;
  onSpawn: (pid: number) => void;
}

type Supervision = Omit<RunOutcome, 'records'> & { raw: RecordReader['records'] };

function supervise(s: Supervised): Promise<Supervision> {
  return new Promise((resolve) => {
    let log = '';
    const append = (b: Buffer): void => {
      if (log.length < LOG_CAP * 2) log += b.toString('utf8');
      else log = log.slice(-LOG_CAP) + b.toString('utf8').slice(-LOG_CAP);
    };
    const reader = new RecordReader(cleanText);
    const child = spawn(s.argv[0]!, s.argv.slice(1), { cwd: s.cwd, env: s.env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    if (child.pid !== undefined) s.onSpawn(child.pid);
    let end: RunEnd | undefined;
    let peak = 0;
    let detail: string | undefined;
    let finished = false;
    const killAll = (): void => {
      if (child.pid === undefined) return;
      killPids(runProcesses(child.pid, s.uid).pids);
      killGroup(child.pid);
    };
    const stop = (why: RunEnd, text: string): void => {
      if (end === undefined) {
        end = why;
        detail = text;
      }
      killAll();
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    const results = child.stdio[RESULTS_FD] as NodeJS.ReadableStream | null;
    results?.on('data', (b: Buffer) => {
      reader.feed(b);
      if (reader.overflow) stop('crashed', 'the tests wrote more than the grader reads from a run (a flood of records)');
    });
    const poll = setInterval(() => {
      if (child.pid === undefined || !procAvailable) return;
      const { rssBytes } = runProcesses(child.pid, s.uid);
      peak = Math.max(peak, rssBytes);
      if (rssBytes > s.limits.memoryBytes) {
        stop('memory', `the tests used ${(rssBytes / 1024 ** 2).toFixed(0)} MB, more than the ${(s.limits.memoryBytes / 1024 ** 2).toFixed(0)} MB allowed`);
      }
    }, 200);
    const timer = setTimeout(() => { stop('timeout', `the tests did not finish within ${(s.limits.timeMs / 1000).toFixed(0)} s`); }, s.limits.timeMs);
    let grace: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(timer);
      if (grace !== undefined) clearTimeout(grace);
      killAll();
      const records = reader.records;
      const ended = records.some((r) => r.type === 'done' || r.type === 'collected');
      if (end === undefined && (error !== undefined || code !== 0 || !ended)) {
        end = 'crashed';
        const crash = records.find((r) => r.type === 'crash');
        detail = error?.message ?? (crash?.type === 'crash' ? crash.message : undefined) ?? `the test runner stopped (${signal ?? `exit ${code}`}) before reporting every test`;
      }
      resolve({ raw: records, end: end ?? 'finished', seconds: (Date.now() - s.t0) / 1000, peakRssBytes: peak, log: cleanText(log.slice(-LOG_CAP)), ...(detail ? { detail } : {}) });
    };
    child.on('error', (err) => { finish(null, null, err); });
    // The launcher is gone: kill whatever of the run is left (a daemon holding the pipes open), give
    // the pipes a moment to drain, and finish even if something still holds them.
    child.on('exit', (code, signal) => {
      killAll();
      grace = setTimeout(() => {
        for (const stream of [child.stdout, child.stderr, results]) (stream as { destroy?: () => void } | null)?.destroy?.();
        finish(code, signal);
      }, 5000);
      child.on('close', () => { finish(code, signal); });
    });
  });
}
