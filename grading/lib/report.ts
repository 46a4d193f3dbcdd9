/** The grader's full report of one submission (what `report.json` holds; results.json is derived from it). */
import type { Finding } from './policy.ts';
import type { Ignored } from './submission.ts';

/**
 * passed; failed (ran and failed); errored (could not run: compile error, hang, crash, limit); skipped
 * (the test skipped itself, with its reason — e.g. an optional dataset missing on the grading machine).
 */
export type TestStatus = 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestResult {
  file: string;
  title: string[];
  hidden: boolean;
  item: string;
  status: TestStatus;
  reason?: string;
}

export interface ItemResult {
  id: string;
  title: string;
  points: number;
  bonus: boolean;
  partial: boolean;
  earned: number;
  passed: number;
  matched: number;
  publicPassed: number;
  publicMatched: number;
}

export type ExerciseStatus =
  | 'graded'
  | 'compile-error'
  | 'tampered'
  | 'timeout'
  | 'memory'
  | 'crashed'
  | 'not-graded';

export interface ExerciseReport {
  id: string;
  title: string;
  status: ExerciseStatus;
  points: number;
  maxPoints: number;
  bonus: number;
  maxBonus: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  /** The first failure's one-line reason (a public test's when there is one), or why nothing ran. */
  reason?: string;
  items: ItemResult[];
  tests: TestResult[];
  /** Why the exercise could not run (compile errors, forbidden imports). */
  fatal: Finding[];
  /** Type errors inside the student's own files (not graded). */
  warnings: Finding[];
  /** Things an instructor may want to look at (not graded). */
  flags: Finding[];
  seconds: number;
  peakMemoryMb: number;
  /** Tail of the run's output when it crashed (untrusted). */
  log?: string;
  /** The raw reason of a failure on the grader's side, for the instructor (report.json only; the student sees a plain sentence). */
  detail?: string;
}

export interface SubmissionReport {
  name: string;
  source: string;
  score: number;
  maxScore: number;
  bonus: number;
  maxBonus: number;
  exercises: ExerciseReport[];
  /** Stub files taken from the submission, and where they were found. */
  used: Array<{ file: string; from: string }>;
  /** What was not read and is worth a look (not the kit's own files); the first of them, and how many. */
  ignored: Ignored[];
  ignoredCount: number;
  /** Files of a whole clone that are the kit's own (tests, READMEs, node_modules/ …): not read, as expected. */
  kitFiles?: number;
  problems: string[];
  sandbox: string[];
  seconds: number;
  /** Set when the submission could not be graded (an unreadable zip, the grader failing): the score is then 0. */
  error?: string;
  /** The raw error when the grader failed on its side, for the instructor (report.json only; `error` says it in plain words). */
  graderError?: string;
}
