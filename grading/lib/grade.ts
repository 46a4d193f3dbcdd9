/**
 * Grading one submission, start to end: read it (whitelist), build its workspace, check it (policy,
 * compiler), run each exercise's public + hidden tests in the sandbox, and score them with the rubric.
 * A `Grader` holds what a grading session shares: the exercises, their rubrics, the reference list of
 * every test (so a test that was never reported counts as failed), the sandbox and the run slots.
 * The parts live apart: which exercises (exercises.ts), their test lists (test-list.ts), workspaces
 * (workspace.ts), permissions (permissions.ts), re-runs (reruns.ts) and the scoring rule (scoring.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { discoverExercises, selectGradable, type Exercise } from './exercises.ts';
import { permissionWarnings } from './permissions.ts';
import type { ExerciseReport, SubmissionReport } from './report.ts';
import { roundScore, totals, type Rubric } from './rubric.ts';
import { runWithReruns } from './reruns.ts';
import { removeTree, runExercise } from './run.ts';
import { detectSandbox, executeOnlyNode, UidPool, type Sandbox, type SandboxMode } from './sandbox.ts';
import { scoreExercise, type ReferenceTest, type RunResult } from './scoring.ts';
import { Slots } from './slots.ts';
import { GRADER_FAILED } from './results.ts';
import { cleanStrings } from './sanitize.ts';
import { kitFilesOf, loadSubmission, nothingFound, SubmissionError, type Submission } from './submission.ts';
import { readTestList, testListFileName, testListKey, testListProblems, testsFromCollectRun, writeTestList } from './test-list.ts';
import { checkSubmission, TypecheckPool, type ExerciseCheck } from './typecheck.ts';
import { buildWorkspace, pathsToHide } from './workspace.ts';

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
  tests: ReferenceTest[];
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
  /** Which files of a whole clone are the kit's own (not listed as ignored: a clone is the documented way to submit). */
  readonly #isKitFile: (rel: string) => boolean;

  private constructor(options: GraderOptions) {
    this.#options = options;
    this.root = path.resolve(options.root ?? REPO_ROOT);
    this.sandbox = detectSandbox(options.sandbox ?? 'auto');
    const all = discoverExercises(this.root);
    const { gradable, skipped } = selectGradable(all, options.only);
    this.exercises = all;
    this.skipped = skipped;
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
    this.#gradable = gradable.map((e) => ({ exercise: e, rubric: e.rubric!, tests: [] }));
    this.#isKitFile = kitFilesOf(this.root);
    this.notes = [...this.sandbox.notes, ...permissionWarnings(this.root, this.sandbox, this.uids[0])];
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
  reference(id: string): { rubric: Rubric; tests: readonly ReferenceTest[] } | undefined {
    const g = this.#gradable.find((x) => x.exercise.id === id);
    return g === undefined ? undefined : { rubric: g.rubric, tests: g.tests };
  }

  /** The cached reference test lists this session uses (the Gradescope package ships them). */
  referenceCacheFiles(): Array<{ name: string; content: string }> {
    return this.#gradable.map((g) => ({ name: testListFileName(g.exercise, testListKey(this.root, g.exercise)), content: JSON.stringify(g.tests) }));
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
    return pathsToHide(this.root, this.#tmpBase, [...(this.#options.hide ?? []), ...extra]);
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

  /** The reference list of every gradable exercise's tests (cached; collected on the untouched stubs when not), checked against its rubric. */
  async #collectReferenceTests(): Promise<void> {
    const missing: Gradable[] = [];
    for (const g of this.#gradable) {
      const cached = readTestList(this.root, g.exercise);
      if (cached !== undefined) g.tests = cached;
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
          g.tests = testsFromCollectRun(g.exercise, outcome);
          writeTestList(this.root, g.exercise, g.tests);
        })));
      } finally {
        removeTree(ws);
      }
    }
    const problems = this.#gradable.flatMap((g) => testListProblems(g.exercise.id, g.rubric, g.tests));
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
      const sub = loadSubmission(source, this.exercises.flatMap((e) => e.stubs), { isKitFile: this.#isKitFile });
      base.name = sub.name;
      base.used = [...sub.files].map(([file, { from }]) => ({ file, from }));
      base.ignored = sub.ignored;
      base.ignoredCount = sub.ignoredCount;
      base.kitFiles = sub.kitFiles;
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
    let runs: RunResult = { records: [], culprits: new Map(), outcomes: [] };
    if (check.fatal.length === 0) {
      this.#options.onRun?.({ submission: sub.name, exercise: exercise.id, phase: 'start' });
      const limits = this.#limits(g.rubric);
      runs = await runWithReruns(g.tests, limits.timeMs, (only) => this.#slots.use((slot) => runExercise({
        sandbox: this.sandbox, slot, ...this.#uid(slot), node: this.#node, workspace: ws, exercise: g.exercise, mode: 'run', limits, hide,
        tmpBase: this.#tmpBase, seed: seedOf(g.exercise.id), ...(only ? { only } : {}), ...(this.#options.keep ? { keep: true } : {}),
      })));
      this.#options.onRun?.({ submission: sub.name, exercise: exercise.id, phase: 'end' });
      report.seconds = runs.outcomes.reduce((a, o) => a + o.seconds, 0);
      report.peakMemoryMb = Math.round(Math.max(0, ...runs.outcomes.map((o) => o.peakRssBytes)) / 1024 ** 2);
    }
    return Object.assign(report, scoreExercise(rubric, g.tests, check.fatal, runs));
  }
}
