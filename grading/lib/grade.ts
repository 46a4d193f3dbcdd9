/**
 * Grading one submission, start to end: read it (whitelist), build its workspace, check it (policy,
 * compiler), run each exercise's public + hidden tests in the sandbox, and score them with the rubric.
 * A `Grader` holds what a grading session shares: the exercises, their rubrics, the reference list of
 * every test (so a test that was never reported counts as failed), the sandbox and the run slots.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { discoverExercises, type Exercise } from './exercises.ts';
import type { Finding } from './policy.ts';
import type { ExerciseReport, ExerciseStatus, ItemResult, SubmissionReport, TestResult } from './report.ts';
import { checkCoverage, itemOf, itemScore, roundScore, totals, TITLE_SEPARATOR, type Rubric } from './rubric.ts';
import { removeTree, runExercise, type RunOutcome } from './run.ts';
import { detectSandbox, executeOnlyNode, runUserCanRead, UidPool, type Sandbox, type SandboxMode } from './sandbox.ts';
import { Slots } from './slots.ts';
import { GRADER_FAILED } from './results.ts';
import { cleanStrings, cleanText } from './sanitize.ts';
import { loadSubmission, nothingFound, SubmissionError, type Submission } from './submission.ts';
import { checkSubmission, TypecheckPool, type ExerciseCheck } from './typecheck.ts';
import type { RunRecord } from '../runner/protocol.ts';
import { filesBelow } from '#kit/files';

export interface GraderOptions {
  /** The kit to grade with (default: this repository). */
  root?: string;
  /** Only these exercise ids. */
  only?: readonly string[];
  /** Concurrent exercise runs (default: the number of cores). */
  jobs?: number;
  /** Wall-time limit per exercise run in seconds, overriding the rubric's `timeLimit` and the default. */
  timeLimit?: number;
  /** Wall-time limit per test in seconds, overriding the rubric's `testTimeLimit` and the default. */
  testTimeLimit?: number;
  /** Memory limit per exercise run (all its processes), MB. */
  memoryMb?: number;
  sandbox?: SandboxMode;
  /** Where runs' temporary folders go (default: a fresh folder in the OS temp dir). */
  tmpDir?: string;
  /** More paths to hide from the runs (the submissions). */
  hide?: readonly string[];
  /** Keep the run folders (debugging). */
  keep?: boolean;
  /** Progress lines for people. */
  log?: (line: string) => void;
  /** Called when an exercise run starts and ends (progress displays). */
  onRun?: (event: { submission: string; exercise: string; phase: 'start' | 'end' }) => void;
}

/** An exercise the session can grade: it has a rubric and a checked list of its tests. */
interface Gradable {
  exercise: Exercise;
  rubric: Rubric;
  /** Reference titles per test file (repo-relative). */
  tests: Array<{ file: string; title: string[] }>;
}

/** One run of an exercise's tests: generous, because hangs are cut per test (below) and re-run around. */
export const DEFAULT_TIME_LIMIT_S = 1800;
/** One test: the kit's own vitest testTimeout. */
export const DEFAULT_TEST_TIME_LIMIT_S = 600;
export const DEFAULT_MEMORY_MB = 4096;
/** Seconds the compiler may take on one submission. */
const TYPECHECK_TIMEOUT_MS = 180_000;

const sha = (s: string | Buffer): string => crypto.createHash('sha256').update(s).digest('hex');

function seedOf(id: string): number {
  return Number.parseInt(sha(`dlkit-seed:${id}`).slice(0, 8), 16) || 1;
}

/** Lays out a workspace like the kit: kit/, tests, support files, and the stub files (submitted or untouched). */
export function buildWorkspace(root: string, exercises: readonly Exercise[], files: ReadonlyMap<string, string>, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const f of filesBelow(path.join(root, 'kit'))) {
    const rel = path.relative(root, f);
    if (/\.(test|spec)\.ts$/.test(rel) || rel.split(path.sep).includes('fixtures')) continue;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(f, path.join(dir, rel));
  }
  for (const e of exercises) {
    for (const rel of [...e.publicTests, ...e.publicSupport, ...e.hiddenTests, ...e.hiddenSupport]) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(dir, rel));
    }
    for (const s of e.stubs) {
      fs.mkdirSync(path.dirname(path.join(dir, s.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, s.path), files.get(s.path) ?? s.text);
    }
  }
  for (const link of ['node_modules', 'data']) {
    const target = path.join(root, link);
    if (fs.existsSync(target)) fs.symlinkSync(fs.realpathSync(target), path.join(dir, link));
  }
}

export class Grader {
  readonly root: string;
  readonly sandbox: Sandbox;
  readonly exercises: Exercise[];
  /** Exercises left out, and why (no rubric yet). */
  readonly skipped: Array<{ id: string; why: string }>;
  readonly packages: ReadonlySet<string>;
  readonly #options: GraderOptions;
  readonly #slots: Slots;
  readonly #tmpBase: string;
  readonly #ownTmp: boolean;
  readonly #typecheck = new TypecheckPool();
  readonly #uidPool: UidPool;
  /** The run user of each slot (root only). */
  readonly uids: number[];
  /** The execute-only copy of node the runs use (see sandbox.ts). */
  readonly #node: string;
  #gradable: Gradable[] = [];

  private constructor(options: GraderOptions) {
    this.#options = options;
    this.root = path.resolve(options.root ?? REPO_ROOT);
    this.sandbox = detectSandbox(options.sandbox ?? 'auto');
    const all = discoverExercises(this.root);
    const wanted = options.only === undefined ? all : all.filter((e) => options.only!.includes(e.id));
    if (options.only !== undefined) {
      const unknown = options.only.filter((id) => !all.some((e) => e.id === id));
      if (unknown.length > 0) throw new KitError(`Unknown exercise(s): ${unknown.join(', ')}. The kit has: ${all.map((e) => e.id).join(', ')}.`);
    }
    this.exercises = all;
    this.skipped = wanted.filter((e) => e.rubric === undefined).map((e) => ({ id: e.id, why: e.rubricProblem ?? 'no rubric' }));
    const invalid = this.skipped.filter((s) => !s.why.endsWith('does not exist yet'));
    if (invalid.length > 0) throw new KitError(invalid.map((s) => s.why).join('\n\n'));
    const pkg = JSON.parse(fs.readFileSync(path.join(this.root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    this.packages = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const jobs = Math.max(1, options.jobs ?? os.availableParallelism());
    this.#slots = new Slots(jobs);
    this.#uidPool = new UidPool(this.sandbox.uidBase);
    this.uids = this.sandbox.dropUser ? this.#uidPool.claim(jobs) : [];
    this.#ownTmp = options.tmpDir === undefined;
    // Short names on purpose: the tests' temporary folder lives under it, and a Unix socket path there
    // (Chromium's, in 08's browser test) must stay under 108 bytes.
    this.#tmpBase = fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'dlkit-g-'));
    // The run users must be able to reach their run folders, not to list their neighbours.
    fs.chmodSync(this.#tmpBase, 0o711);
    this.#node = executeOnlyNode(this.#tmpBase);
    this.#gradable = wanted.filter((e) => e.rubric !== undefined).map((e) => ({ exercise: e, rubric: e.rubric!, tests: [] }));
    this.notes = [...this.sandbox.notes];
    for (const d of ['node_modules', 'data']) {
      const p = path.join(this.root, d);
      if (fs.existsSync(p) && !runUserCanRead(fs.realpathSync(p), this.uids[0])) {
        this.notes.push(`WARNING: ${fs.realpathSync(p)} is out of the run users' reach (a parent folder is private), so the tests cannot use it: chmod o+x its parent folders, or keep the kit elsewhere`);
      }
    }
    if (!this.sandbox.namespaces) {
      // Without a mount namespace nothing hides the kit's files: the run user reads what "others" may read.
      for (const d of ['solutions', 'grading', 'out']) {
        const p = path.join(this.root, d);
        if (fs.existsSync(p) && (fs.statSync(p).mode & 0o005) !== 0) {
          this.notes.push(`WARNING: ${p} is readable by other users, so by the tests' user too: chmod -R go-rwx ${p} (Gradescope's setup.sh does this for grading/; its package has no solutions/)`);
        }
      }
    }
  }

  /** What the report says about the isolation in force. */
  readonly notes: string[];

  /** Discovers the exercises, checks every rubric against the list of tests (collected once, cached). */
  static async create(options: GraderOptions = {}): Promise<Grader> {
    const g = new Grader(options);
    try {
      await g.#collectReferenceTests();
    } catch (err) {
      g.close();
      throw err;
    }
    return g;
  }

  get gradable(): readonly string[] {
    return this.#gradable.map((g) => g.exercise.id);
  }

  /** Rubric and test list of one exercise (for progress and reports). */
  reference(id: string): { rubric: Rubric; tests: ReadonlyArray<{ file: string; title: string[] }> } | undefined {
    const g = this.#gradable.find((x) => x.exercise.id === id);
    return g === undefined ? undefined : { rubric: g.rubric, tests: g.tests };
  }

  /** The cached reference test lists this session uses (the Gradescope package ships them). */
  referenceCacheFiles(): Array<{ name: string; content: string }> {
    return this.#gradable.map((g) => ({ name: `${g.exercise.id}-${this.#cacheKey(g)}.json`, content: JSON.stringify(g.tests) }));
  }

  close(): void {
    this.#typecheck.close();
    this.#uidPool.release();
    if (this.#ownTmp && this.#options.keep !== true) removeTree(this.#tmpBase);
  }

  #uid(slot: number): { uid?: number } {
    const uid = this.uids[slot];
    return uid === undefined ? {} : { uid };
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  #hidePaths(extra: readonly string[]): string[] {
    const dataDir = process.env['KIT_DATA_DIR'];
    const needed = [this.#tmpBase, path.join(this.root, 'node_modules'), path.join(this.root, 'data'), process.execPath, ...(dataDir ? [path.resolve(dataDir)] : [])]
      .filter((p) => fs.existsSync(p))
      .map((p) => fs.realpathSync(p));
    const candidates = [
      path.join(this.root, 'solutions'),
      path.join(this.root, 'grading'),
      path.join(this.root, 'out'),
      path.join(this.root, '.git'),
      ...(this.#options.hide ?? []),
      ...extra,
    ];
    const out = new Set<string>();
    for (const c of candidates) {
      if (!fs.existsSync(c)) continue;
      const real = fs.realpathSync(c);
      const holdsNeeded = needed.some((n) => n === real || n.startsWith(real + path.sep));
      if (!holdsNeeded) out.add(real);
    }
    return [...out];
  }

  #limits(rubric: Rubric): { timeMs: number; memoryBytes: number; testTimeoutMs: number } {
    const seconds = this.#options.timeLimit ?? rubric.timeLimit ?? DEFAULT_TIME_LIMIT_S;
    const perTest = Math.min(seconds, this.#options.testTimeLimit ?? rubric.testTimeLimit ?? DEFAULT_TEST_TIME_LIMIT_S);
    return {
      timeMs: seconds * 1000,
      memoryBytes: (this.#options.memoryMb ?? DEFAULT_MEMORY_MB) * 1024 ** 2,
      testTimeoutMs: perTest * 1000,
    };
  }

  #cacheKey(g: Gradable): string {
    const parts: string[] = [g.exercise.id];
    const files = [
      ...filesBelow(path.join(this.root, 'kit')),
      ...filesBelow(path.join(this.root, 'grading', 'runner')),
      ...[...g.exercise.publicTests, ...g.exercise.publicSupport, ...g.exercise.hiddenTests, ...g.exercise.hiddenSupport].map((f) => path.join(this.root, f)),
      path.join(this.root, 'package-lock.json'),
    ];
    for (const f of files) if (fs.existsSync(f)) parts.push(path.relative(this.root, f), sha(fs.readFileSync(f)));
    for (const s of g.exercise.stubs) parts.push(s.path, sha(s.text));
    return sha(parts.join('\n')).slice(0, 16);
  }

  async #collectReferenceTests(): Promise<void> {
    const cacheDirs = [path.join(this.root, 'out', 'grading', 'cache'), path.join(this.root, 'grading', '.tests')];
    const missing: Gradable[] = [];
    for (const g of this.#gradable) {
      const key = this.#cacheKey(g);
      const file = cacheDirs.map((d) => path.join(d, `${g.exercise.id}-${key}.json`)).find((f) => fs.existsSync(f));
      if (file !== undefined) g.tests = JSON.parse(fs.readFileSync(file, 'utf8')) as Gradable['tests'];
      else missing.push(g);
    }
    if (missing.length > 0) {
      this.#log(`Listing the tests of ${missing.map((g) => g.exercise.id).join(', ')} (once; cached in out/grading/cache/)...`);
      const ws = path.join(this.#tmpBase, 'reference');
      buildWorkspace(this.root, this.exercises, new Map(), ws);
      try {
        await Promise.all(missing.map((g) => this.#slots.use(async (slot) => {
          const outcome = await runExercise({
            sandbox: this.sandbox, slot, ...this.#uid(slot), node: this.#node, workspace: ws, exercise: g.exercise, mode: 'collect',
            limits: { ...this.#limits(g.rubric), timeMs: 300_000 }, hide: this.#hidePaths([]), tmpBase: this.#tmpBase, seed: seedOf(g.exercise.id),
          });
          const collected = outcome.records.filter((r): r is Extract<RunRecord, { type: 'collected' }> => r.type === 'collected');
          const errors = collected.flatMap((c) => c.errors.map((e) => `${c.file}: ${e}`));
          const files = [...g.exercise.publicTests, ...g.exercise.hiddenTests];
          const unlisted = files.filter((f) => !collected.some((c) => c.file === f));
          if (outcome.end !== 'finished' || errors.length > 0 || unlisted.length > 0) {
            throw new KitError(
              `Could not list the tests of ${g.exercise.id} on the untouched stubs: ${[outcome.detail, ...errors, ...unlisted.map((f) => `${f} was not collected`)].filter(Boolean).join('; ')}. ` +
                `Every test file must load with the stubs (call the student's functions only inside it(), never at the top of a file or in a describe body).\n${outcome.log.slice(-2000)}`,
            );
          }
          g.tests = collected.flatMap((c) => c.tests.map((title) => ({ file: c.file, title })));
          const dir = cacheDirs[0]!;
          fs.mkdirSync(dir, { recursive: true });
          fs.writeFileSync(path.join(dir, `${g.exercise.id}-${this.#cacheKey(g)}.json`), JSON.stringify(g.tests));
        })));
      } finally {
        removeTree(ws);
      }
    }
    const problems: string[] = [];
    for (const g of this.#gradable) {
      const titles = g.tests.map((t) => t.title);
      const seen = new Set<string>();
      for (const t of g.tests) {
        const key = `${t.file}\u0000${t.title.join(TITLE_SEPARATOR)}`;
        if (seen.has(key)) problems.push(`${g.exercise.id}: two tests in ${t.file} are both named "${t.title.join(TITLE_SEPARATOR)}" (names must be unique)`);
        seen.add(key);
      }
      if (g.tests.length === 0) problems.push(`${g.exercise.id}: no tests found`);
      for (const p of checkCoverage(g.rubric, titles)) problems.push(`grading/${g.exercise.id}/rubric.json: ${p.message}`);
    }
    if (problems.length > 0) {
      throw new KitError(`The rubrics do not fit the tests:\n  ${problems.join('\n  ')}\nEvery test must match exactly one rubric item (see grading/README.md).`);
    }
  }

  /** Grades one submission (folder or .zip). Never throws: a failure becomes a zero with the reason. */
  async grade(source: string, options: { hide?: readonly string[] } = {}): Promise<SubmissionReport> {
    const t0 = Date.now();
    const name = path.basename(source).replace(/\.zip$/i, '');
    const base: SubmissionReport = {
      name, source, score: 0, maxScore: 0, bonus: 0, maxBonus: 0, exercises: [], used: [], ignored: [], ignoredCount: 0,
      problems: [], sandbox: this.notes, seconds: 0,
    };
    for (const g of this.#gradable) {
      const t = totals(g.rubric);
      base.maxScore += t.points;
      base.maxBonus += t.bonus;
    }
    let ws: string | undefined;
    try {
      const sub = loadSubmission(source, this.exercises.flatMap((e) => e.stubs));
      base.name = sub.name;
      base.used = [...sub.files].map(([file, { from }]) => ({ file, from }));
      base.ignored = sub.ignored;
      base.ignoredCount = sub.ignoredCount;
      base.problems = sub.problems;
      ws = fs.mkdtempSync(path.join(this.#tmpBase, 'submission-'));
      const files = new Map([...sub.files].map(([k, v]) => [k, v.text]));
      buildWorkspace(this.root, this.exercises, files, ws);
      const checked = await checkSubmission({
        root: ws, exercises: this.exercises, submitted: new Set(files.keys()), packages: this.packages, timeoutMs: TYPECHECK_TIMEOUT_MS,
        graded: new Set(this.gradable), pool: this.#typecheck,
      });
      const workspace = ws;
      const hide = this.#hidePaths([...(options.hide ?? []), source]);
      base.exercises = await Promise.all(this.#gradable.map((g) => this.#gradeExercise(g, sub, workspace, checked.exercises.get(g.exercise.id)!, hide)));
      // The untouched stubs' NotImplemented is not what went wrong when no file was found, or when a
      // file was refused (too big, UTF-16, a link): the first failure says that instead.
      const nothing = nothingFound(sub, this.#gradable.flatMap((g) => g.exercise.stubs));
      if (nothing !== undefined) base.problems.unshift(nothing);
      for (const e of base.exercises) {
        const stubs = this.#gradable.find((g) => g.exercise.id === e.id)!.exercise.stubs;
        const refused = sub.refused.find((r) => stubs.some((s) => s.path === r.stub));
        const why = nothing ?? refused?.why;
        if (why !== undefined && e.status === 'graded' && e.passed < e.tests.length) e.reason = why;
        base.score += e.points;
        base.bonus += e.bonus;
      }
      base.score = roundScore(base.score + base.bonus);
      base.bonus = roundScore(base.bonus);
    } catch (err) {
      // A submission that cannot be read is told why; the grader's own failures (ENOENT, RangeError…)
      // mean nothing to a student: a plain sentence for them, the raw error in report.json.
      if (err instanceof SubmissionError) {
        base.error = err.message;
      } else {
        base.error = GRADER_FAILED;
        base.graderError = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
      }
      base.score = 0;
      base.bonus = 0;
    } finally {
      if (ws !== undefined && this.#options.keep !== true) removeTree(ws);
    }
    base.seconds = (Date.now() - t0) / 1000;
    // Everything in the report may be shown in a terminal or on Gradescope: no escape sequences.
    return cleanStrings(base);
  }

  async #gradeExercise(g: Gradable, sub: Submission, ws: string, check: ExerciseCheck, hide: string[]): Promise<ExerciseReport> {
    const { exercise, rubric } = g;
    const t = totals(rubric);
    const report: ExerciseReport = {
      id: exercise.id, title: rubric.title, status: 'graded', points: 0, maxPoints: t.points, bonus: 0, maxBonus: t.bonus,
      passed: 0, failed: 0, errored: 0, skipped: 0, items: [], tests: [], fatal: check.fatal, warnings: check.warnings, flags: check.flags,
      seconds: 0, peakMemoryMb: 0,
    };
    const runs: RunResult = { records: [], culprits: new Map(), outcomes: [] };
    if (check.fatal.length === 0) {
      this.#options.onRun?.({ submission: sub.name, exercise: exercise.id, phase: 'start' });
      await this.#runWithRetries(g, ws, hide, runs);
      this.#options.onRun?.({ submission: sub.name, exercise: exercise.id, phase: 'end' });
      report.seconds = runs.outcomes.reduce((a, o) => a + o.seconds, 0);
      report.peakMemoryMb = Math.round(Math.max(0, ...runs.outcomes.map((o) => o.peakRssBytes)) / 1024 ** 2);
    }
    score(report, g, check.fatal, runs);
    return report;
  }

  /**
   * Runs the exercise; when a test hangs (time limit), exhausts memory or takes its worker down, the
   * test that was running is charged with it and the tests that never got to run are run again,
   * so a bad function costs its own tests, not the whole exercise. At most MAX_RERUNS re-runs.
   */
  async #runWithRetries(g: Gradable, ws: string, hide: string[], runs: RunResult): Promise<void> {
    const key = (t: { file: string; title: readonly string[] }): string => `${t.file}\u0000${t.title.join('\u0000')}`;
    let only: Gradable['tests'] | undefined;
    for (let round = 0; round <= MAX_RERUNS; round++) {
      const outcome = await this.#slots.use((slot) => runExercise({
        sandbox: this.sandbox, slot, ...this.#uid(slot), node: this.#node, workspace: ws, exercise: g.exercise, mode: 'run', limits: this.#limits(g.rubric), hide,
        tmpBase: this.#tmpBase, seed: seedOf(g.exercise.id), ...(only ? { only } : {}), ...(this.#options.keep ? { keep: true } : {}),
      }));
      runs.outcomes.push(outcome);
      const wanted = only === undefined ? undefined : new Set(only.map(key));
      const records = wanted === undefined
        ? outcome.records
        : outcome.records.filter((r) => !('title' in r) || wanted.has(key(r)));
      runs.records.push(...records);
      if (records.some((r) => r.type === 'test' && r.integrity !== 'ok')) return;
      const finished = new Set(records.filter((r) => r.type === 'test').map(key));
      const ended = new Set(records.filter((r) => r.type === 'end').map(key));
      const unfinished = records.filter((r): r is Extract<RunRecord, { type: 'begin' }> => r.type === 'begin' && !finished.has(key(r)));
      if (outcome.end === 'finished' && unfinished.length === 0) return;
      if (unfinished.length === 0) return; // it failed before any test started: nothing to isolate
      // Charged: tests that began and never ended. Tests that ended but whose result died with the
      // worker (vitest batches results) are simply run again.
      const killed = new Map(records.filter((r): r is Extract<RunRecord, { type: 'killed' }> => r.type === 'killed').map((r) => [key(r), r.reason]));
      for (const h of unfinished) {
        if (ended.has(key(h))) continue;
        runs.culprits.set(key(h), killed.get(key(h)) ?? (outcome.end === 'finished'
          ? 'the test took its worker process down (it exited or crashed)'
          : `${outcome.detail ?? 'the run was stopped'} (this test was running)`));
      }
      const reported = new Set(runs.records.filter((r) => r.type === 'test').map(key));
      only = g.tests.filter((t) => !reported.has(key(t)) && !runs.culprits.has(key(t)));
      if (only.length === 0) return;
      const spent = runs.outcomes.reduce((a, o) => a + o.seconds * 1000, 0);
      if (spent > 2 * this.#limits(g.rubric).timeMs) return; // what is left stays unreported: not run
    }
  }
}

/** Everything the runs of one exercise produced. */
interface RunResult {
  records: RunRecord[];
  /** Tests charged with a hang or crash, and why. */
  culprits: Map<string, string>;
  outcomes: RunOutcome[];
}

/** Re-runs after a hang or a crash (each within the exercise's time limit; all of them within twice that). */
const MAX_RERUNS = 6;

const hiddenFile = (f: string): boolean => f.startsWith('grading/');

function fatalReason(f: Finding): string {
  const where = f.file === '' ? '' : f.line > 0 ? `${f.file}:${f.line}: ` : `${f.file}: `;
  return `${where}${f.message.split('\n')[0]}`;
}

/** Turns the runner's records into per-test verdicts and points (the only place points are decided). */
function score(report: ExerciseReport, g: Gradable, fatal: Finding[], runs: RunResult): void {
  // A crashed run's detail is the grader's own error (a spawn failure, the runner's exception): the
  // student reads a plain sentence, the instructor the detail (report.json). Everything else a run
  // said is the submission's text: cleaned of escape sequences and cut to a readable length.
  const crashed = runs.outcomes.find((o) => o.end === 'crashed');
  const CRASHED = 'the test run stopped before it reported every test (the course staff have the details)';
  const said = (s: string | undefined): string | undefined => (s === undefined ? undefined : cleanText(s, 2000));
  /** For the grader's own words about a run (its end, a charged test), which may carry a crash's detail. */
  const plain = (s: string | undefined): string | undefined => {
    let out = s;
    for (const o of runs.outcomes) if (o.end === 'crashed' && o.detail !== undefined && o.detail !== '') out = out?.replaceAll(o.detail, CRASHED);
    return said(out);
  };
  const byTest = new Map<string, Array<Extract<RunRecord, { type: 'test' }>>>();
  const moduleErrors = new Map<string, string>();
  let tampering: string | undefined;
  for (const r of runs.records) {
    if (r.type === 'test') {
      const key = `${r.file}\u0000${r.title.join('\u0000')}`;
      const list = byTest.get(key);
      if (list) list.push(r);
      else byTest.set(key, [r]);
      if (r.integrity !== 'ok' && tampering === undefined) tampering = r.integrity;
    } else if (r.type === 'module' && !moduleErrors.has(r.file)) {
      moduleErrors.set(r.file, r.errors[0] ?? 'the file failed');
    }
  }
  const first = runs.outcomes[0];
  const last = runs.outcomes[runs.outcomes.length - 1];
  let status: ExerciseStatus = 'graded';
  let runReason: string | undefined;
  if (fatal.length > 0) {
    status = 'compile-error';
    runReason = said(fatalReason(fatal[0]!));
  } else if (tampering !== undefined) {
    status = 'tampered';
    runReason = said(`tampering detected: ${tampering}`);
  } else if (first !== undefined && first.end !== 'finished') {
    status = first.end;
    runReason = plain(first.detail);
  }
  for (const t of g.tests) {
    const item = itemOf(g.rubric, t.title)!;
    const hidden = hiddenFile(t.file);
    const key = `${t.file}\u0000${t.title.join('\u0000')}`;
    const recs = byTest.get(key) ?? [];
    const result: TestResult = { file: t.file, title: t.title, hidden, item: item.id, status: 'errored' };
    if (status === 'compile-error' || status === 'tampered') {
      result.status = status === 'tampered' ? 'failed' : 'errored';
      result.reason = runReason;
    } else if (recs.length === 0) {
      result.reason = plain(runs.culprits.get(key)) ?? said(moduleErrors.get(t.file)) ?? plain(last?.detail) ?? 'the test runner never reported this test';
    } else {
      const ok = recs.every((r) => r.state === 'passed' && r.signed === 'pass' && r.integrity === 'ok');
      const r = recs.find((x) => !(x.state === 'passed' && x.signed === 'pass')) ?? recs[0]!;
      if (ok) result.status = 'passed';
      else if ((r.state === 'skipped' || r.state === 'pending') && r.reason !== undefined && !moduleErrors.has(t.file)) {
        // It skipped itself and said why (ctx.skip): no points, but not the submission's fault either.
        result.status = 'skipped';
        result.reason = `skipped: ${said(r.reason)!}`;
      } else if (r.state === 'skipped' || r.state === 'pending') {
        result.status = 'errored';
        result.reason = said(moduleErrors.get(t.file) ?? r.reason) ?? runReason ?? 'the test did not run';
      } else {
        result.status = 'failed';
        result.reason = said(r.reason)
          ?? (r.signed === 'missing' ? 'the grader could not confirm this result (no signature from its sentinel)'
            : r.signed === 'bad-signature' ? 'the grader could not confirm this result (forged signature)'
              : 'failed');
      }
    }
    report.tests.push(result);
  }
  for (const item of g.rubric.items) {
    const mine = report.tests.filter((t) => t.item === item.id);
    const passed = mine.filter((t) => t.status === 'passed').length;
    const pub = mine.filter((t) => !t.hidden);
    const earned = status === 'tampered' ? 0 : itemScore(item, passed, mine.length);
    const r: ItemResult = {
      id: item.id, title: item.title, points: item.points, bonus: item.bonus, partial: item.partial, earned, passed,
      matched: mine.length, publicPassed: pub.filter((t) => t.status === 'passed').length, publicMatched: pub.length,
    };
    report.items.push(r);
    if (item.bonus) report.bonus += earned;
    else report.points += earned;
  }
  report.points = roundScore(report.points);
  report.bonus = roundScore(report.bonus);
  report.status = status;
  report.passed = report.tests.filter((t) => t.status === 'passed').length;
  report.failed = report.tests.filter((t) => t.status === 'failed').length;
  report.errored = report.tests.filter((t) => t.status === 'errored').length;
  report.skipped = report.tests.filter((t) => t.status === 'skipped').length;
  const failing = (t: TestResult): boolean => t.status === 'failed' || t.status === 'errored';
  const firstFailure = report.tests.find((t) => failing(t) && !t.hidden) ?? report.tests.find(failing)
    ?? report.tests.find((t) => t.status === 'skipped' && !t.hidden);
  // A hidden test's message would show its inputs before the results are published: name its item only.
  const hiddenItem = (t: TestResult): string => g.rubric.items.find((i) => i.id === t.item)?.title ?? t.item;
  const reason = runReason ?? (firstFailure === undefined ? undefined : firstFailure.hidden ? `a hidden test of "${hiddenItem(firstFailure)}" failed` : firstFailure.reason);
  if (reason !== undefined) report.reason = reason;
  if (crashed !== undefined) {
    report.log = cleanText(crashed.log.slice(-4000));
    if (crashed.detail !== undefined) report.detail = cleanText(crashed.detail, 4000);
  }
}
