import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { imageSize, type ImageDataset } from './dataset.ts';

/** A new dataset holding copies of rows `indices` of `d`, in that order. */
export function subset(d: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = imageSize(d);
  const n = indices.length;
  const images = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i] ?? -1;
    if (!Number.isInteger(j) || j < 0 || j >= d.count) {
      throw new ArgumentError(`subset: index ${String(j)} at position ${String(i)} is outside 0..${String(d.count - 1)}.`);
    }
    images.set(d.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = d.labels[j] ?? 0;
  }
  return { images, labels, count: n, rows: d.rows, cols: d.cols, channels: d.channels };
}

function ascending(a: Int32Array): Int32Array {
  return a.sort();
}

/**
 * `n` rows of `d`: the first `n` without a seed, otherwise `n` distinct rows drawn at random with `seed`.
 * Rows keep their original order either way, so `take(d, n, s)` is a subset, not a shuffle.
 */
export function take(d: ImageDataset, n: number, seed?: number): ImageDataset {
  if (!Number.isInteger(n) || n < 0 || n > d.count) {
    throw new ArgumentError(`take: n must be an integer in 0..${String(d.count)}, got ${String(n)}.`);
  }
  if (seed === undefined) return subset(d, Int32Array.from({ length: n }, (_, i) => i));
  return subset(d, ascending(new Rng(seed).permutation(d.count).slice(0, n)));
}

export interface SplitOptions {
  /** Fraction of rows for validation, in (0, 1); the count is rounded to the nearest integer. */
  valFraction?: number;
  /** Exact number of validation rows (instead of valFraction). */
  valCount?: number;
  seed: number;
  /** Keep each class's share in both parts (largest-remainder rounding per class). */
  stratify?: boolean;
}

/**
 * Splits `d` into disjoint train and validation datasets that together cover every row, drawn with
 * `seed` (same seed, same split). Both parts keep the rows' original order, so any shuffling is left
 * to the training loop and its own seed.
 */
export function trainValSplit(d: ImageDataset, options: SplitOptions): { train: ImageDataset; val: ImageDataset } {
  const { valFraction, valCount, seed } = options;
  if ((valFraction === undefined) === (valCount === undefined)) {
    throw new ArgumentError('trainValSplit: pass exactly one of valFraction (e.g. 0.1) or valCount (e.g. 5000).');
  }
  if (valFraction !== undefined && !(valFraction > 0 && valFraction < 1)) {
    throw new ArgumentError(`trainValSplit: valFraction must be strictly between 0 and 1, got ${String(valFraction)}.`);
  }
  const k = valCount ?? Math.round((valFraction ?? 0) * d.count);
  if (!Number.isInteger(k) || k < 1 || k > d.count - 1) {
    throw new ArgumentError(
      `trainValSplit: the validation part would have ${String(k)} of ${String(d.count)} rows; both parts need at least one row.`,
    );
  }
  const rng = new Rng(seed);
  const isVal = new Uint8Array(d.count);
  if (options.stratify === true) {
    for (const rows of stratifiedPick(d.labels, k, rng)) isVal[rows] = 1;
  } else {
    const perm = rng.permutation(d.count);
    for (let i = 0; i < k; i++) isVal[perm[i] ?? 0] = 1;
  }
  const val = new Int32Array(k);
  const train = new Int32Array(d.count - k);
  let v = 0;
  let t = 0;
  for (let i = 0; i < d.count; i++) {
    if (isVal[i] === 1) val[v++] = i;
    else train[t++] = i;
  }
  return { train: subset(d, train), val: subset(d, val) };
}

/** `k` row indices whose class counts are proportional to `labels`' (largest remainder, ties by class). */
function stratifiedPick(labels: Uint8Array, k: number, rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const rows = byClass.get(label);
    if (rows === undefined) byClass.set(label, [i]);
    else rows.push(i);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const n = labels.length;
  const quota = classes.map((c) => {
    const exact = ((byClass.get(c)?.length ?? 0) * k) / n;
    return { c, take: Math.floor(exact), rest: exact - Math.floor(exact) };
  });
  let left = k - quota.reduce((s, q) => s + q.take, 0);
  for (const q of [...quota].sort((a, b) => b.rest - a.rest || a.c - b.c)) {
    if (left === 0) break;
    q.take++;
    left--;
  }
  const picked: number[] = [];
  for (const q of quota) {
    const rows = byClass.get(q.c) ?? [];
    const perm = rng.permutation(rows.length);
    for (let i = 0; i < q.take; i++) picked.push(rows[perm[i] ?? 0] ?? 0);
  }
  return picked;
}
