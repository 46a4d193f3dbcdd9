/**
 * The scoring rule: the runs' records of one exercise in, per-test verdicts and per-item points out.
 * The only place points are decided. Pure (no files, no processes), so the rule has unit tests of its
 * own (scoring.test.ts) apart from the sandbox and the runs.
 *
 * A test passes only when it is in the reference list of the instructor's tests, vitest's state says
 * passed, and the sentinel's signature (checked outside the sandbox, lib/records.ts) says passed with
 * the integrity intact. Tampering anywhere zeroes the exercise.
 */
import type { Finding } from './policy.ts';
import type { ExerciseStatus, ItemResult, TestResult } from './report.ts';
import { itemOf, itemScore, roundScore, type Rubric } from './rubric.ts';
import type { RunOutcome } from './run.ts';
import { cleanText } from './sanitize.ts';
import type { RunRecord } from '../runner/protocol.ts';

/** A test of the reference list: its file (repo-relative) and title path. */
export interface ReferenceTest {
  file: string;
  title: string[];
}

/** Everything the runs of one exercise produced. */
export interface RunResult {
  records: RunRecord[];
  /** Tests charged with a hang or crash (by `testKey`), and why. */
  culprits: Map<string, string>;
  outcomes: RunOutcome[];
}

/** What scoring decides about one exercise (the rest of its report is bookkeeping). */
export interface ExerciseScore {
  status: ExerciseStatus;
  points: number;
  bonus: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  items: ItemResult[];
  tests: TestResult[];
  /** The first failure's one-line reason (a public test's when there is one), or why nothing ran. */
  reason?: string;
  /** Tail of a crashed run's output, and the raw crash detail (report.json only). */
  log?: string;
  detail?: string;
}

/** One key per test: file and title path (NUL cannot occur in either). */
export function testKey(t: { file: string; title: readonly string[] }): string {
  return `${t.file}\u0000${t.title.join('\u0000')}`;
}

/** Hidden tests live in grading/; the public ones in exercises/. */
export const isHiddenTestFile = (f: string): boolean => f.startsWith('grading/');

const CRASHED = 'the test run stopped before it reported every test (the course staff have the details)';

function fatalReason(f: Finding): string {
  const where = f.file === '' ? '' : f.line > 0 ? `${f.file}:${f.line}: ` : `${f.file}: `;
  return `${where}${f.message.split('\n')[0]}`;
}

type TestRecord = Extract<RunRecord, { type: 'test' }>;

/** One test's verdict from its records (a re-run may report a test more than once: every report must pass). */
function verdict(recs: readonly TestRecord[], moduleError: string | undefined, runReason: string | undefined, said: (s: string | undefined) => string | undefined): Pick<TestResult, 'status' | 'reason'> {
  const ok = recs.every((r) => r.state === 'passed' && r.signed === 'pass' && r.integrity === 'ok');
  if (ok) return { status: 'passed' };
  const r = recs.find((x) => !(x.state === 'passed' && x.signed === 'pass')) ?? recs[0]!;
  if ((r.state === 'skipped' || r.state === 'pending') && r.reason !== undefined && moduleError === undefined) {
    // It skipped itself and said why (ctx.skip): no points, but not the submission's fault either.
    return { status: 'skipped', reason: `skipped: ${said(r.reason)!}` };
  }
  if (r.state === 'skipped' || r.state === 'pending') {
    return { status: 'errored', reason: said(moduleError ?? r.reason) ?? runReason ?? 'the test did not run' };
  }
  const reason = said(r.reason)
    ?? (r.signed === 'missing' ? 'the grader could not confirm this result (no signature from its sentinel)'
      : r.signed === 'bad-signature' ? 'the grader could not confirm this result (forged signature)'
        : 'failed');
  return { status: 'failed', reason };
}

/**
 * Scores one exercise: `tests` is the reference list (every test the instructor's files define; one
 * never reported counts as errored), `fatal` what kept the exercise from running (compile errors,
 * forbidden imports), `runs` what its runs reported.
 */
export function scoreExercise(rubric: Rubric, tests: readonly ReferenceTest[], fatal: readonly Finding[], runs: RunResult): ExerciseScore {
  // A crashed run's detail is the grader's own error (a spawn failure, the runner's exception): the
  // student reads a plain sentence, the instructor the detail (report.json). Everything else a run
  // said is the submission's text: cleaned of escape sequences and cut to a readable length.
  const crashed = runs.outcomes.find((o) => o.end === 'crashed');
  const said = (s: string | undefined): string | undefined => (s === undefined ? undefined : cleanText(s, 2000));
  /** For the grader's own words about a run (its end, a charged test), which may carry a crash's detail. */
  const plain = (s: string | undefined): string | undefined => {
    let out = s;
    for (const o of runs.outcomes) if (o.end === 'crashed' && o.detail !== undefined && o.detail !== '') out = out?.replaceAll(o.detail, CRASHED);
    return said(out);
  };
  const byTest = new Map<string, TestRecord[]>();
  const moduleErrors = new Map<string, string>();
  let tampering: string | undefined;
  for (const r of runs.records) {
    if (r.type === 'test') {
      const list = byTest.get(testKey(r));
      if (list) list.push(r);
      else byTest.set(testKey(r), [r]);
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
  const results: TestResult[] = tests.map((t) => {
    const item = itemOf(rubric, t.title)!;
    const key = testKey(t);
    const recs = byTest.get(key) ?? [];
    const result: TestResult = { file: t.file, title: t.title, hidden: isHiddenTestFile(t.file), item: item.id, status: 'errored' };
    if (status === 'compile-error' || status === 'tampered') {
      result.status = status === 'tampered' ? 'failed' : 'errored';
      result.reason = runReason;
    } else if (recs.length === 0) {
      result.reason = plain(runs.culprits.get(key)) ?? said(moduleErrors.get(t.file)) ?? plain(last?.detail) ?? 'the test runner never reported this test';
    } else {
      Object.assign(result, verdict(recs, moduleErrors.get(t.file), runReason, said));
    }
    return result;
  });
  const items: ItemResult[] = [];
  let points = 0;
  let bonus = 0;
  for (const item of rubric.items) {
    const mine = results.filter((t) => t.item === item.id);
    const passed = mine.filter((t) => t.status === 'passed').length;
    const pub = mine.filter((t) => !t.hidden);
    const earned = status === 'tampered' ? 0 : itemScore(item, passed, mine.length);
    items.push({
      id: item.id, title: item.title, points: item.points, bonus: item.bonus, partial: item.partial, earned, passed,
      matched: mine.length, publicPassed: pub.filter((t) => t.status === 'passed').length, publicMatched: pub.length,
    });
    if (item.bonus) bonus += earned;
    else points += earned;
  }
  const count = (s: TestResult['status']): number => results.filter((t) => t.status === s).length;
  const score: ExerciseScore = {
    status, points: roundScore(points), bonus: roundScore(bonus), items, tests: results,
    passed: count('passed'), failed: count('failed'), errored: count('errored'), skipped: count('skipped'),
  };
  const failing = (t: TestResult): boolean => t.status === 'failed' || t.status === 'errored';
  const firstFailure = results.find((t) => failing(t) && !t.hidden) ?? results.find(failing)
    ?? results.find((t) => t.status === 'skipped' && !t.hidden);
  // A hidden test's message would show its inputs before the results are published: name its item only.
  const hiddenItem = (t: TestResult): string => rubric.items.find((i) => i.id === t.item)?.title ?? t.item;
  const reason = runReason ?? (firstFailure === undefined ? undefined : firstFailure.hidden ? `a hidden test of "${hiddenItem(firstFailure)}" failed` : firstFailure.reason);
  if (reason !== undefined) score.reason = reason;
  if (crashed !== undefined) {
    score.log = cleanText(crashed.log.slice(-4000));
    if (crashed.detail !== undefined) score.detail = cleanText(crashed.detail, 4000);
  }
  return score;
}
