/**
 * Exercise 09, part 2 — how noisy is a mini-batch gradient?
 *
 * The model is logistic regression, p(y = 1 | x) = σ(w·x + b), with the cross-entropy cost
 * C = (1/n)·Σᵢ Cᵢ, Cᵢ = −[yᵢ ln pᵢ + (1 − yᵢ) ln(1 − pᵢ)]. Its per-example gradient is
 * ∇Cᵢ = (pᵢ − yᵢ)·(xᵢ, 1): the d weights' entries, then the bias's. The full gradient ∇C is their mean;
 * a mini-batch gradient is the mean over m examples drawn WITHOUT replacement. Read README.md.
 */
import { ArgumentError } from '#kit/errors';
import type { Rng } from '#kit/rng';

/** n examples of d features, row-major (`x[i·d + j]`), with labels 0 or 1. */
export interface LogisticData {
  x: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}

/** Logistic-regression parameters: d weights and a bias. */
export interface LogisticParams {
  w: Float64Array;
  b: number;
}

/** n per-example gradients of p numbers each, row-major: row i is ∇Cᵢ (`values[i·p + k]`). */
export interface GradientTable {
  values: Float64Array;
  n: number;
  p: number;
}

// ---- argument checks (given: you do not need to change these) -------------------------------

function checkData(data: LogisticData, params: LogisticParams): void {
  if (data.x.length !== data.n * data.d || data.y.length !== data.n) {
    throw new ArgumentError(
      `data says n = ${data.n} examples of d = ${data.d} features, but x has ${data.x.length} numbers (needs n·d = ` +
        `${data.n * data.d}) and y has ${data.y.length} (needs n).`,
    );
  }
  if (params.w.length !== data.d) {
    throw new ArgumentError(`params.w has ${params.w.length} weights but the data has d = ${data.d} features: one weight per feature.`);
  }
  for (let i = 0; i < data.n; i++) {
    const label = data.y[i]!;
    if (!(label >= 0 && label <= 1)) {
      throw new ArgumentError(`y[${i}] = ${String(label)} is not allowed: a label of logistic regression must lie in [0, 1] (usually 0 or 1).`);
    }
  }
}

function checkTable(table: GradientTable): void {
  if (!Number.isInteger(table.n) || !Number.isInteger(table.p) || table.n < 1 || table.p < 1 || table.values.length !== table.n * table.p) {
    throw new ArgumentError(
      `the gradient table says n = ${table.n} rows of p = ${table.p} numbers but holds ${table.values.length}: it needs n·p numbers, n ≥ 1, p ≥ 1.`,
    );
  }
}

function checkBatchSize(m: number, n: number): void {
  if (!Number.isInteger(m) || m < 1 || m > n) {
    throw new ArgumentError(
      `m = ${String(m)} is not allowed: a mini-batch drawn without replacement from n = ${n} examples has a whole ` +
        `number of examples between 1 and n.`,
    );
  }
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

// ---- part 2 (4 pts) ---------------------------------------------------------------------------

/**
 * The n per-example gradients ∇Cᵢ = (pᵢ − yᵢ)·(xᵢ, 1) with pᵢ = σ(w·xᵢ + b), as a table of n rows
 * of p = d + 1 numbers (the d weight entries, then the bias entry).
 */
export function perExampleGradients(data: LogisticData, params: LogisticParams): GradientTable {
  checkData(data, params);
  // BEGIN SOLUTION
  const { x, y, n, d } = data;
  const p = d + 1;
  const values = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    let z = params.b;
    for (let j = 0; j < d; j++) z += params.w[j]! * x[i * d + j]!;
    const err = sigmoid(z) - y[i]!;
    for (let j = 0; j < d; j++) values[i * p + j] = err * x[i * d + j]!;
    values[i * p + d] = err;
  }
  return { values, n, p };
  // END SOLUTION
}

/**
 * A mini-batch gradient: the mean of m rows of `table` drawn uniformly WITHOUT replacement (m
 * different examples), with fresh draws from `rng` on every call. A Float64Array of length p.
 */
export function minibatchGradient(table: GradientTable, m: number, rng: Rng): Float64Array {
  checkTable(table);
  checkBatchSize(m, table.n);
  // BEGIN SOLUTION
  const { values, n, p } = table;
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const grad = new Float64Array(p);
  for (let k = 0; k < m; k++) {
    const j = rng.int(k, n - 1); // a partial Fisher–Yates shuffle: rows[0..k] are the batch
    [rows[k], rows[j]] = [rows[j]!, rows[k]!];
    const i = rows[k]!;
    for (let c = 0; c < p; c++) grad[c]! += values[i * p + c]!;
  }
  for (let c = 0; c < p; c++) grad[c]! /= m;
  return grad;
  // END SOLUTION
}

/**
 * For each batch size m in `sizes`: draw `trials` mini-batch gradients ĝ (with `minibatchGradient`)
 * and return the mean of ‖ĝ − ∇C‖² over them, where ∇C is the full gradient (the mean of all n
 * rows). That estimates the total variance E‖ĝ − ∇C‖² of the mini-batch gradient at that m.
 */
export function gradientVarianceByBatchSize(table: GradientTable, sizes: readonly number[], trials: number, rng: Rng): Float64Array {
  checkTable(table);
  for (const m of sizes) checkBatchSize(m, table.n);
  if (!Number.isInteger(trials) || trials < 1) {
    throw new ArgumentError(`trials = ${String(trials)} is not allowed: the number of mini-batches drawn per size must be a whole number ≥ 1.`);
  }
  // BEGIN SOLUTION
  const { values, n, p } = table;
  const full = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let c = 0; c < p; c++) full[c]! += values[i * p + c]! / n;
  return Float64Array.from(sizes, (m) => {
    let total = 0;
    for (let t = 0; t < trials; t++) {
      const g = minibatchGradient(table, m, rng);
      for (let c = 0; c < p; c++) total += (g[c]! - full[c]!) ** 2;
    }
    return total / trials;
  });
  // END SOLUTION
}
