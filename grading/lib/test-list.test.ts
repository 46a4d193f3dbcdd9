import { describe, expect, it } from 'vitest';
import type { Exercise } from './exercises.ts';
import type { Rubric } from './rubric.ts';
import type { RunOutcome } from './run.ts';
import { testListProblems, testsFromCollectRun } from './test-list.ts';

const exercise: Exercise = {
  id: '01-x', stubs: [], publicTests: ['exercises/01-x/x.test.ts'], hiddenTests: ['grading/01-x/x.hidden.test.ts'], publicSupport: [], hiddenSupport: [],
};

const outcome = (records: RunOutcome['records'], over: Partial<RunOutcome> = {}): RunOutcome => ({ records, end: 'finished', seconds: 1, peakRssBytes: 0, log: '', ...over });

describe('the reference list of an exercise\'s tests', () => {
  it('is every test each file defines, public and hidden', () => {
    const tests = testsFromCollectRun(exercise, outcome([
      { type: 'collected', file: 'exercises/01-x/x.test.ts', tests: [['a', 'one'], ['a', 'two']], errors: [] },
      { type: 'collected', file: 'grading/01-x/x.hidden.test.ts', tests: [['a', 'h']], errors: [] },
    ]));
    expect(tests).toEqual([
      { file: 'exercises/01-x/x.test.ts', title: ['a', 'one'] }, { file: 'exercises/01-x/x.test.ts', title: ['a', 'two'] },
      { file: 'grading/01-x/x.hidden.test.ts', title: ['a', 'h'] },
    ]);
  });

  it('cannot be taken from a file that did not load on the stubs, and says how to write one that does', () => {
    const run = outcome([{ type: 'collected', file: 'exercises/01-x/x.test.ts', tests: [], errors: ['NotImplemented: implement f()'] }]);
    expect(() => testsFromCollectRun(exercise, run)).toThrow(/Could not list the tests of 01-x on the untouched stubs: exercises\/01-x\/x\.test\.ts: NotImplemented: implement f\(\); grading\/01-x\/x\.hidden\.test\.ts was not collected\. Every test file must load with the stubs/);
  });

  it('must fit its rubric: unique names, at least one test, each in exactly one item, no empty item', () => {
    const rubric: Rubric = { exercise: '01-x', title: 'x', items: [
      { id: 'a', title: 'A', points: 1, bonus: false, partial: false, tests: ['a'] },
      { id: 'b', title: 'B', points: 1, bonus: false, partial: false, tests: ['b'] },
    ] };
    const t = { file: 'exercises/01-x/x.test.ts', title: ['a', 'one'] };
    expect(testListProblems('01-x', rubric, [t, t, { file: t.file, title: ['c', 'x'] }])).toEqual([
      '01-x: two tests in exercises/01-x/x.test.ts are both named "a › one" (names must be unique)',
      'grading/01-x/rubric.json: test "c › x" matches no rubric item',
      'grading/01-x/rubric.json: item "b" matches no test',
    ]);
    expect(testListProblems('01-x', rubric, [])).toContain('01-x: no tests found');
  });
});
