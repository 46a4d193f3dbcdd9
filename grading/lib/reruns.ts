/**
 * Re-runs around a test that hangs, exhausts memory or takes its worker down: that test is charged
 * with it and the tests that never got to run are run again, so a bad function costs its own tests,
 * not the whole exercise. The runs themselves are the caller's (`runOnce`); this is the bookkeeping.
 */
import type { RunOutcome } from './run.ts';
import { testKey, type ReferenceTest, type RunResult } from './scoring.ts';
import type { RunRecord } from '../runner/protocol.ts';

/** Re-runs after a hang or a crash (each within the exercise's time limit; all of them within twice that). */
export const MAX_RERUNS = 6;

/**
 * Runs the exercise (`runOnce()` for all its tests, `runOnce(only)` for some), then again for the
 * tests left unreported, at most MAX_RERUNS times and within twice `timeMs` in all.
 */
export async function runWithReruns(
  tests: readonly ReferenceTest[],
  timeMs: number,
  runOnce: (only?: ReferenceTest[]) => Promise<RunOutcome>,
): Promise<RunResult> {
  const runs: RunResult = { records: [], culprits: new Map(), outcomes: [] };
  let only: ReferenceTest[] | undefined;
  for (let round = 0; round <= MAX_RERUNS; round++) {
    const outcome = await runOnce(only);
    runs.outcomes.push(outcome);
    // A re-run reports only the tests it was asked for: anything else it says is not taken.
    const wanted = only === undefined ? undefined : new Set(only.map(testKey));
    const records = wanted === undefined
      ? outcome.records
      : outcome.records.filter((r) => !('title' in r) || wanted.has(testKey(r)));
    runs.records.push(...records);
    if (records.some((r) => r.type === 'test' && r.integrity !== 'ok')) return runs;
    const finished = new Set(records.filter((r) => r.type === 'test').map(testKey));
    const ended = new Set(records.filter((r) => r.type === 'end').map(testKey));
    const unfinished = records.filter((r): r is Extract<RunRecord, { type: 'begin' }> => r.type === 'begin' && !finished.has(testKey(r)));
    if (outcome.end === 'finished' && unfinished.length === 0) return runs;
    if (unfinished.length === 0) return runs; // it failed before any test started: nothing to isolate
    // Charged: tests that began and never ended. Tests that ended but whose result died with the
    // worker (vitest batches results) are simply run again.
    const killed = new Map(records.filter((r): r is Extract<RunRecord, { type: 'killed' }> => r.type === 'killed').map((r) => [testKey(r), r.reason]));
    for (const h of unfinished) {
      if (ended.has(testKey(h))) continue;
      runs.culprits.set(testKey(h), killed.get(testKey(h)) ?? (outcome.end === 'finished'
        ? 'the test took its worker process down (it exited or crashed)'
        : `${outcome.detail ?? 'the run was stopped'} (this test was running)`));
    }
    const reported = new Set(runs.records.filter((r) => r.type === 'test').map(testKey));
    only = tests.filter((t) => !reported.has(testKey(t)) && !runs.culprits.has(testKey(t)));
    if (only.length === 0) return runs;
    const spent = runs.outcomes.reduce((a, o) => a + o.seconds * 1000, 0);
    if (spent > 2 * timeMs) return runs; // what is left stays unreported: not run
  }
  return runs;
}
