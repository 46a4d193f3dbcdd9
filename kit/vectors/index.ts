/**
 * Small float64 vector helpers for tests and fixtures that work in parameter space (PCA directions,
 * trajectories, reconstructions): plain loops over ArrayLike<number>, no allocation beyond the result.
 */
import { ArgumentError } from '#kit/errors';
import type { Rng } from '#kit/rng';

export type Vector = ArrayLike<number>;

function sameLength(a: Vector, b: Vector, op: string): void {
  if (a.length !== b.length) {
    throw new ArgumentError(`${op}: vectors of lengths ${String(a.length)} and ${String(b.length)}; both must have the same length.`);
  }
}

export function dot(a: Vector, b: Vector): number {
  sameLength(a, b, 'dot');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** a − b as a new Float64Array. */
export function sub(a: Vector, b: Vector): Float64Array {
  sameLength(a, b, 'sub');
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

/** target += scale · v, in place; returns target. */
export function addScaled(target: Float64Array, scale: number, v: Vector): Float64Array {
  sameLength(target, v, 'addScaled');
  for (let i = 0; i < target.length; i++) target[i]! += scale * v[i]!;
  return target;
}

/** max |aᵢ|, 0 for an empty vector. */
export function maxAbs(a: Vector): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |aᵢ − bᵢ|; NaN anywhere gives NaN, so a comparison with it fails. */
export function maxAbsDiff(a: Vector, b: Vector): number {
  sameLength(a, b, 'maxAbsDiff');
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Number.NaN;
    m = Math.max(m, d);
  }
  return m;
}

/** k orthonormal vectors of length p: Gaussian draws made orthonormal by (twice-applied) Gram–Schmidt. */
export function orthonormalDirections(p: number, k: number, rng: Rng): Float64Array[] {
  if (!Number.isInteger(k) || !Number.isInteger(p) || k < 1 || p < k) {
    throw new ArgumentError(`orthonormalDirections: need whole numbers 1 ≤ k ≤ p, got p = ${String(p)}, k = ${String(k)}.`);
  }
  const out: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const v = rng.normals(p, 0, 1);
    // Twice is enough for orthogonality to rounding error (Kahan's "twice is enough").
    for (let pass = 0; pass < 2; pass++) for (const u of out) addScaled(v, -dot(v, u), u);
    const n = norm(v);
    for (let j = 0; j < p; j++) v[j]! /= n;
    out.push(v);
  }
  return out;
}

/** v or −v, whichever has its entry of largest absolute value positive (PCA's sign convention). */
export function signFixed(v: Vector): Float64Array {
  let big = 0;
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]!) > Math.abs(big)) big = v[i]!;
  return Float64Array.from(v, (x) => (big < 0 ? -x : x));
}
