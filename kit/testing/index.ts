/**
 * What the exercises' public and hidden tests share: small array helpers and numeric assertions whose
 * failure messages name the rule being checked and, when the number a student's code returned is what
 * a usual mistake gives, that mistake (issue 16, item 7).
 *
 * Everything here is safe for students to see and import: the public tests use it, and it computes no
 * answer an exercise asks for. A reference computation that must stay hidden belongs in a non-test file
 * of `grading/NN-name/` (copied into that exercise's grading workspace, never into the release), not
 * here. No tfjs in this module, so tests without tensors stay fast; the tfjs helpers are in
 * `#kit/testing/models`.
 */
import { expect } from 'vitest';
import { atCallSite } from '#kit/errors';

export { atCallSite };
export { maxAbsDiff } from '#kit/vectors';
export { stderrOf } from './stderr.ts';

/** The arrays one after another in one Float32Array (e.g. a model's trainable tensors, flattened). */
export function concat(parts: readonly ArrayLike<number>[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Positions where two arrays differ (the longer length when the lengths differ). A count, not a diff:
 * vitest's diff of 100,000 numbers takes minutes.
 */
export function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** A usual mistake and the number (or numbers) it gives on the test's input. */
export interface Mistake {
  /** What the student did, e.g. "a softmax on the output layer (the loss then applies a second one)". */
  name: string;
  value: number | ArrayLike<number>;
}

export interface Rule {
  /** The rule being checked, in words or a formula, e.g. "mean cross-entropy = (1/n) Σ (log Σₖ e^zₖ − z_y)". */
  rule: string;
  /** Mistakes whose values the message names when the result is one of them. */
  mistakes?: readonly Mistake[];
}

const show = (v: number): string => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());

function scalarClose(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function arrayDistance(a: ArrayLike<number>, b: ArrayLike<number>): { index: number; err: number } {
  let worst = { index: -1, err: 0 };
  for (let i = 0; i < b.length; i++) {
    const err = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(err <= worst.err)) worst = { index: i, err: Number.isNaN(err) ? Infinity : err };
  }
  return worst;
}

function matchingMistake(actual: number | ArrayLike<number>, mistakes: readonly Mistake[] | undefined, tol: number): Mistake | undefined {
  return mistakes?.find((m) => {
    if (typeof actual === 'number') return typeof m.value === 'number' && scalarClose(actual, m.value, tol);
    if (typeof m.value === 'number' || m.value.length !== actual.length) return false;
    return arrayDistance(actual, m.value).err <= tol;
  });
}

function explain(rule: Rule | undefined, mistake: Mistake | undefined): string {
  let s = rule === undefined ? '' : `\nRule: ${rule.rule}.`;
  if (mistake !== undefined) s += `\nThat is the value of a usual mistake: ${mistake.name}.`;
  return s;
}

/**
 * `actual` within `tol` × max(1, |expected|) of `expected`. On failure: "what: got …, expected …
 * (tolerance …)", the rule, and the mistake whose value `actual` is, if any.
 */
export const expectClose = atCallSite((actual: unknown, expected: number, tol: number, what: string, rule?: Rule): void => {
  expect(typeof actual, `${what}: expected a number, got ${typeof actual}`).toBe('number');
  const got = actual as number;
  if (scalarClose(got, expected, tol)) return;
  const message = `${what}: got ${show(got)}, expected ${show(expected)} (tolerance ${String(tol)})` +
    explain(rule, matchingMistake(got, rule?.mistakes, tol));
  expect.fail(message);
});

/**
 * Every `actual[i]` within `tol` × max(1, |expected[i]|) of `expected[i]`, same length. On failure:
 * the first worst entry (index, got, expected), the rule, and the mistake whose values `actual` holds.
 */
export const expectAllClose = atCallSite((actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, rule?: Rule): void => {
  expect(actual.length, `${what}: ${String(actual.length)} numbers, expected ${String(expected.length)}`).toBe(expected.length);
  const { index, err } = arrayDistance(actual, expected);
  if (err <= tol) return;
  const message = `${what}: entry ${String(index)} is ${show(actual[index]!)}, expected ${show(expected[index]!)} ` +
    `(tolerance ${String(tol)}, relative to max(1, |expected|))` + explain(rule, matchingMistake(actual, rule?.mistakes, tol));
  expect.fail(message);
});

/** `actual` ≤ `bound` (or < with `strict`), with the rule on failure. */
export const expectAtMost = atCallSite((actual: unknown, bound: number, what: string, rule?: Rule & { strict?: boolean }): void => {
  expect(typeof actual, `${what}: expected a number, got ${typeof actual}`).toBe('number');
  const got = actual as number;
  if (rule?.strict === true ? got < bound : got <= bound) return;
  expect.fail(`${what}: got ${show(got)}, expected ${rule?.strict === true ? '<' : '≤'} ${show(bound)}` + explain(rule, matchingMistake(got, rule?.mistakes, 1e-9)));
});

/** `actual` ≥ `bound` (or > with `strict`), with the rule on failure. */
export const expectAtLeast = atCallSite((actual: unknown, bound: number, what: string, rule?: Rule & { strict?: boolean }): void => {
  expect(typeof actual, `${what}: expected a number, got ${typeof actual}`).toBe('number');
  const got = actual as number;
  if (rule?.strict === true ? got > bound : got >= bound) return;
  expect.fail(`${what}: got ${show(got)}, expected ${rule?.strict === true ? '>' : '≥'} ${show(bound)}` + explain(rule, matchingMistake(got, rule?.mistakes, 1e-9)));
});

/** `expectClose` for a number, `expectAllClose` for an array: one name for tests that compare either. */
export const expectNear = atCallSite((actual: number | ArrayLike<number>, expected: number | ArrayLike<number>, tol: number, what: string, rule?: Rule): void => {
  if (typeof expected === 'number') expectClose(actual, expected, tol, what, rule);
  else expectAllClose(typeof actual === 'number' ? [actual] : actual, expected, tol, what, rule);
});
