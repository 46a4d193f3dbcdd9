import { describe, expect, it } from 'vitest';
import type { Finding } from './policy.ts';
import { runWithReruns } from './reruns.ts';
import type { Rubric } from './rubric.ts';
import type { RunOutcome } from './run.ts';
import { scoreExercise, testKey, type ReferenceTest, type RunResult } from './scoring.ts';
import type { RunRecord } from '../runner/protocol.ts';

const PUB = 'exercises/01-x/x.test.ts';
const HID = 'grading/01-x/x.hidden.test.ts';

const rubric: Rubric = {
  exercise: '01-x',
  title: 'x',
  items: [
    { id: 'all', title: 'All or nothing', points: 2, bonus: false, partial: false, tests: ['alpha'] },
    { id: 'part', title: 'Shared by its tests', points: 3, bonus: false, partial: true, tests: ['beta'] },
    { id: 'extra', title: 'Bonus', points: 1, bonus: true, partial: false, tests: ['gamma'] },
  ],
};

const tests: ReferenceTest[] = [
  { file: PUB, title: ['alpha', 'one'] },
  { file: PUB, title: ['alpha', 'two'] },
  { file: HID, title: ['alpha', 'hidden'] },
  { file: PUB, title: ['beta', 'one'] },
  { file: PUB, title: ['beta', 'two'] },
  { file: HID, title: ['beta', 'hidden'] },
  { file: PUB, title: ['gamma', 'one'] },
];

type TestRecord = Extract<RunRecord, { type: 'test' }>;

function rec(t: ReferenceTest, over: Partial<TestRecord> = {}): TestRecord {
  return { type: 'test', file: t.file, title: t.title, state: 'passed', signed: 'pass', integrity: 'ok', seconds: 0.1, ...over };
}

function outcome(records: RunRecord[], over: Partial<RunOutcome> = {}): RunOutcome {
  return { records, end: 'finished', seconds: 1, peakRssBytes: 0, log: '', ...over };
}

function runs(records: RunRecord[], over: Partial<RunOutcome> = {}, culprits = new Map<string, string>()): RunResult {
  return { records, culprits, outcomes: [outcome(records, over)] };
}

/** Every test passes but those named (by their last title segment), which get `over`. */
function allBut(names: Record<string, Partial<TestRecord>>): RunRecord[] {
  return tests.map((t) => rec(t, names[t.title.at(-1)!] ?? {}));
}

const fatal: Finding[] = [{ file: 'exercises/01-x/x.ts', line: 3, message: "TS2305: Module has no exported member 'f'.\nmore" }];

describe('scoring: records in, points out', () => {
  it('every test passing and signed earns every item, bonus apart', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({})));
    expect(s).toMatchObject({ status: 'graded', points: 5, bonus: 1, passed: 7, failed: 0, errored: 0, skipped: 0 });
    expect(s.reason).toBeUndefined();
    expect(s.items.map((i) => [i.id, i.earned, i.passed, i.matched, i.publicPassed, i.publicMatched])).toEqual([
      ['all', 2, 3, 3, 2, 2], ['part', 3, 3, 3, 2, 2], ['extra', 1, 1, 1, 1, 1],
    ]);
  });

  it('all or nothing: one failing hidden test loses the whole item; a partial item loses its share only', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ hidden: { state: 'failed', signed: 'fail', reason: 'expected 42 (a secret input)' } })));
    expect(s.items.find((i) => i.id === 'all')!.earned).toBe(0);
    expect(s.items.find((i) => i.id === 'part')!.earned).toBe(2);
    expect(s.points).toBe(2);
    // A hidden test's message would give its inputs away: the reason names its item only.
    expect(s.reason).toBe('a hidden test of "All or nothing" failed');
    expect(s.tests.find((t) => t.title[1] === 'hidden' && t.item === 'all')).toMatchObject({ hidden: true, status: 'failed', reason: 'expected 42 (a secret input)' });
  });

  it('the first failure shown is a public test\'s when there is one', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ hidden: { state: 'failed', signed: 'fail' }, two: { state: 'failed', signed: 'fail', reason: 'expected 1 to be 2' } })));
    expect(s.reason).toBe('expected 1 to be 2');
  });

  it('a pass without the sentinel\'s signature, or with a forged one, is a failure that says so', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ one: { signed: 'missing' } })));
    expect(s.tests.filter((t) => t.title[1] === 'one').map((t) => t.reason)).toEqual([
      'the grader could not confirm this result (no signature from its sentinel)',
      'the grader could not confirm this result (no signature from its sentinel)',
      'the grader could not confirm this result (no signature from its sentinel)',
    ]);
    expect(s.points + s.bonus).toBe(2); // part: 2 of 3 tests → 2 points; the others lose everything
    const forged = scoreExercise(rubric, tests, [], runs(allBut({ two: { signed: 'bad-signature' } })));
    expect(forged.tests.find((t) => t.title[1] === 'two')!.reason).toMatch(/forged signature/);
  });

  it('a test never reported is errored (it cannot score by going missing), with the reason the runs give', () => {
    const records = tests.slice(1).map((t) => rec(t));
    const charged = new Map([[testKey(tests[0]!), 'the test did not finish within 600 s']]);
    const s = scoreExercise(rubric, tests, [], runs(records, {}, charged));
    expect(s.tests[0]).toMatchObject({ status: 'errored', reason: 'the test did not finish within 600 s' });
    expect(s.items.find((i) => i.id === 'all')!.earned).toBe(0);
    const silent = scoreExercise(rubric, tests, [], runs(records));
    expect(silent.tests[0]!.reason).toBe('the test runner never reported this test');
  });

  it('a test reported twice (a re-run) passes only if every report passed', () => {
    const s = scoreExercise(rubric, tests, [], runs([...allBut({}), rec(tests[0]!, { state: 'failed', signed: 'fail', reason: 'flaky' })]));
    expect(s.tests[0]).toMatchObject({ status: 'failed', reason: 'flaky' });
  });

  it('a test that skipped itself with a reason is skipped: no points, not the submission\'s fault', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ two: { state: 'skipped', signed: 'fail', reason: 'CIFAR-10 is not installed' } })));
    expect(s.tests[1]).toMatchObject({ status: 'skipped', reason: 'skipped: CIFAR-10 is not installed' });
    expect(s.skipped).toBe(2);
    expect(s.bonus).toBe(1);
  });

  it('tampering anywhere zeroes the exercise, whatever passed', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ one: { integrity: 'chai\'s toEqual replaced' } })));
    expect(s).toMatchObject({ status: 'tampered', points: 0, bonus: 0, reason: 'tampering detected: chai\'s toEqual replaced' });
    expect(s.tests.every((t) => t.status === 'failed')).toBe(true);
  });

  it('a compile error: every test errored with the first finding, file and line, first line only', () => {
    const s = scoreExercise(rubric, tests, fatal, { records: [], culprits: new Map(), outcomes: [] });
    expect(s).toMatchObject({ status: 'compile-error', points: 0, errored: 7, reason: "exercises/01-x/x.ts:3: TS2305: Module has no exported member 'f'." });
  });

  it('a crashed run: the student reads a plain sentence, the instructor gets the detail and the log', () => {
    const detail = 'spawn /opt/node ENOENT';
    const s = scoreExercise(rubric, tests, [], runs([], { end: 'crashed', detail, log: 'the log' }));
    expect(s.status).toBe('crashed');
    expect(s.reason).toBe('the test run stopped before it reported every test (the course staff have the details)');
    expect(JSON.stringify(s.tests)).not.toContain('ENOENT');
    expect(s).toMatchObject({ detail, log: 'the log' });
  });

  it('cleans what the submission printed of escape sequences', () => {
    const s = scoreExercise(rubric, tests, [], runs(allBut({ one: { state: 'failed', signed: 'fail', reason: '\u001b[2Jexpected 1' } })));
    expect(s.tests[0]!.reason).toBe('expected 1');
  });
});

describe('re-runs around a hang', () => {
  it('charges the test that began and never ended, re-runs only the tests never reported, and ignores what a re-run was not asked', async () => {
    const asked: Array<string[] | undefined> = [];
    const [a, b, c] = [tests[0]!, tests[1]!, tests[3]!];
    const result = await runWithReruns([a, b, c], 60_000, (only) => {
      asked.push(only?.map((t) => t.title.join(' › ')));
      if (only === undefined) {
        // a passes, b hangs (begins, the watchdog kills its worker), c never runs
        return Promise.resolve(outcome([rec(a), { type: 'begin', file: b.file, title: b.title }, { type: 'killed', file: b.file, title: b.title, reason: 'the test did not finish within 600 s' }]));
      }
      // The re-run reports c, and a forged result for b that must not count.
      return Promise.resolve(outcome([rec(c), rec(b)]));
    });
    expect(asked).toEqual([undefined, ['beta › one']]);
    expect(result.culprits.get(testKey(b))).toBe('the test did not finish within 600 s');
    expect(result.records.filter((r) => r.type === 'test').map((r) => ('title' in r ? r.title.join(' › ') : ''))).toEqual(['alpha › one', 'beta › one']);
  });

  it('stops when the run failed before any test began (nothing to isolate)', async () => {
    let calls = 0;
    const result = await runWithReruns(tests, 60_000, () => {
      calls++;
      return Promise.resolve(outcome([], { end: 'memory', detail: 'the memory limit' }));
    });
    expect(calls).toBe(1);
    expect(result.outcomes).toHaveLength(1);
  });
});
