/**
 * What exercise 09's public and hidden tests share: Fashion-MNIST logistic-regression data, per-example
 * gradients and the population variances of part 2 written independently of the student's code, and the
 * two-layer network's cost, finite differences and tf.grad for part 3. All of it is in the public tests
 * already (nothing here computes an answer a student writes); the types mirror the exercise's.
 */
import { loadFashionMnist } from '#kit/data';
import { atCallSite } from '#kit/errors';
import type { Rng } from '#kit/rng';
import { mean } from '#kit/stats';
import { expectNear } from '#kit/testing';
import { tf } from '#kit/tf';

export type Vector = number[];
export type Matrix = number[][];
export interface Activation {
  name: string;
  f: (z: number) => number;
  df: (z: number) => number;
}
export interface TwoLayerNet {
  W2: Matrix;
  b2: Vector;
  W3: Matrix;
  b3: Vector;
}
/** The parts of exercise 09's `Gradients` the checker compares. */
export interface Gradients {
  dW3: Matrix;
  db3: Vector;
  dW2: Matrix;
  db2: Vector;
  dx: Vector;
}
export interface LogisticData {
  x: Float64Array;
  y: Float64Array;
  n: number;
  d: number;
}
export interface GradientTable {
  values: Float64Array;
  n: number;
  p: number;
}

export const flat = (M: Matrix): number[] => M.flat();
export const sig = (z: number): number => 1 / (1 + Math.exp(-z));

/** Logistic regression on two Fashion-MNIST classes, 7×7 average-pooled (49 features in [0, 1]). */
export function fashionPair(c0: number, c1: number, perClass: number, skip = 0): LogisticData {
  const ds = loadFashionMnist('test');
  const picked: number[] = [];
  const seen = [0, 0];
  for (let i = 0; i < ds.count && picked.length < 2 * perClass; i++) {
    const k = ds.labels[i] === c0 ? 0 : ds.labels[i] === c1 ? 1 : -1;
    if (k < 0) continue;
    seen[k]!++;
    if (seen[k]! > skip && seen[k]! <= skip + perClass) picked.push(i);
  }
  const d = 49;
  const n = picked.length;
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  picked.forEach((idx, r) => {
    y[r] = ds.labels[idx] === c1 ? 1 : 0;
    for (let a = 0; a < 28; a++) {
      for (let b = 0; b < 28; b++) x[r * d + Math.floor(a / 4) * 7 + Math.floor(b / 4)]! += ds.images[idx * 784 + a * 28 + b]! / (255 * 16);
    }
  });
  return { x, y, n, d };
}

/** Per-example gradients written here: row i = (σ(w·xᵢ + b) − yᵢ)·(xᵢ, 1). */
export function referenceTable(data: LogisticData, w: ArrayLike<number>, b: number): GradientTable {
  const p = data.d + 1;
  const values = new Float64Array(data.n * p);
  for (let i = 0; i < data.n; i++) {
    let z = b;
    for (let j = 0; j < data.d; j++) z += w[j]! * data.x[i * data.d + j]!;
    const e = sig(z) - data.y[i]!;
    for (let j = 0; j < data.d; j++) values[i * p + j] = e * data.x[i * data.d + j]!;
    values[i * p + data.d] = e;
  }
  return { values, n: data.n, p };
}

export const columnMeans = (t: GradientTable): Float64Array => {
  const g = new Float64Array(t.p);
  for (let i = 0; i < t.n; i++) for (let c = 0; c < t.p; c++) g[c]! += t.values[i * t.p + c]! / t.n;
  return g;
};

/** `steps` full-gradient steps of size `lr` from zero: a model part-way through training. */
export function partlyTrained(data: LogisticData, steps: number, lr: number): { w: Float64Array; b: number } {
  const w = new Float64Array(data.d);
  let b = 0;
  for (let s = 0; s < steps; s++) {
    const g = columnMeans(referenceTable(data, w, b));
    for (let j = 0; j < data.d; j++) w[j]! -= lr * g[j]!;
    b -= lr * g[data.d]!;
  }
  return { w, b };
}

export const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
};

/** Population variance σ² = (1/n)Σ(uᵢ − ū)² of the projections u·gᵢ of the table's rows. */
export function projectedPopulationVariance(t: GradientTable, u: ArrayLike<number>): number {
  const s = Array.from({ length: t.n }, (_, i) => dot(u, t.values.subarray(i * t.p, (i + 1) * t.p)));
  const m = mean(s);
  return s.reduce((acc, v) => acc + (v - m) ** 2, 0) / t.n;
}

/** Total population variance (1/n)Σ‖gᵢ − ḡ‖². */
export function totalPopulationVariance(t: GradientTable): number {
  const g = columnMeans(t);
  let s = 0;
  for (let i = 0; i < t.n; i++) for (let c = 0; c < t.p; c++) s += (t.values[i * t.p + c]! - g[c]!) ** 2;
  return s / t.n;
}

/** Without replacement: Var[mean of m] = σ²/m · (n − m)/(n − 1). */
export const withoutReplacement = (sigma2: number, n: number, m: number): number => (sigma2 / m) * ((n - m) / (n - 1));

export const THE_NET: TwoLayerNet = { W2: [[0.15, 0.25], [0.2, 0.3]], b2: [0.35, 0.35], W3: [[0.4, 0.5], [-0.45, 0.55]], b3: [0.6, 0.6] };

/** The summed binary cross-entropy of the two-layer net, in float64 (for finite differences). */
export function netCost(net: TwoLayerNet, x: Vector, y: Vector, f: (z: number) => number): number {
  const a2 = net.W2.map((r, j) => f(r.reduce((s, w, k) => s + w * x[k]!, net.b2[j]!)));
  const z3 = net.W3.map((r, j) => r.reduce((s, w, k) => s + w * a2[k]!, net.b3[j]!));
  return z3.reduce((s, z, k) => s + Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - y[k]! * z, 0);
}

export const clone = (net: TwoLayerNet): TwoLayerNet => structuredClone(net);

/** Central finite differences of netCost for every parameter and the input, h = 1e-6. */
export function finiteDifferences(net: TwoLayerNet, x: Vector, y: Vector, f: (z: number) => number) {
  const h = 1e-6;
  const d = (set: (n: TwoLayerNet, xx: Vector, v: number) => void, get: (n: TwoLayerNet, xx: Vector) => number): number => {
    const up = clone(net);
    const xu = [...x];
    set(up, xu, get(net, x) + h);
    const dn = clone(net);
    const xd = [...x];
    set(dn, xd, get(net, x) - h);
    return (netCost(up, xu, y, f) - netCost(dn, xd, y, f)) / (2 * h);
  };
  return {
    dW2: net.W2.map((r, j) => r.map((_, k) => d((n, _x, v) => (n.W2[j]![k] = v), (n) => n.W2[j]![k]!))),
    db2: net.b2.map((_, j) => d((n, _x, v) => (n.b2[j] = v), (n) => n.b2[j]!)),
    dW3: net.W3.map((r, j) => r.map((_, k) => d((n, _x, v) => (n.W3[j]![k] = v), (n) => n.W3[j]![k]!))),
    db3: net.b3.map((_, j) => d((n, _x, v) => (n.b3[j] = v), (n) => n.b3[j]!)),
    dx: x.map((_, k) => d((_n, xx, v) => (xx[k] = v), (_n, xx) => xx[k]!)),
  };
}

/** tf.grad of the same cost with respect to every parameter and x (float32). */
export function tfGradients(net: TwoLayerNet, x: Vector, y: Vector, act: (t: tf.Tensor) => tf.Tensor) {
  return tf.tidy(() => {
    const cost = (W2: tf.Tensor, b2: tf.Tensor, W3: tf.Tensor, b3: tf.Tensor, xx: tf.Tensor): tf.Scalar => {
      const a2 = act(tf.add(tf.matMul(W2 as tf.Tensor2D, xx as tf.Tensor2D), b2));
      const z3 = tf.add(tf.matMul(W3 as tf.Tensor2D, a2 as tf.Tensor2D), b3);
      const t = tf.tensor2d(y, [y.length, 1]);
      return tf.sum(tf.sub(tf.add(tf.softplus(tf.neg(tf.abs(z3))), tf.relu(z3)), tf.mul(t, z3)));
    };
    const args = [
      tf.tensor2d(net.W2),
      tf.tensor2d(net.b2, [net.b2.length, 1]),
      tf.tensor2d(net.W3),
      tf.tensor2d(net.b3, [net.b3.length, 1]),
      tf.tensor2d(x, [x.length, 1]),
    ];
    const g = tf.grads((...ts: tf.Tensor[]) => cost(ts[0]!, ts[1]!, ts[2]!, ts[3]!, ts[4]!))(args);
    const [dW2, db2, dW3, db3, dx] = g.map((t) => Array.from(t.dataSync()));
    return { dW2: dW2!, db2: db2!, dW3: dW3!, db3: db3!, dx: dx! };
  });
}

export function randomNet(sizes: [number, number, number], rng: Rng, scale = 1): TwoLayerNet {
  const mat = (r: number, c: number): Matrix => Array.from({ length: r }, () => Array.from(rng.normals(c, 0, scale)));
  return { W2: mat(sizes[1], sizes[0]), b2: Array.from(rng.normals(sizes[1], 0, scale)), W3: mat(sizes[2], sizes[1]), b3: Array.from(rng.normals(sizes[2], 0, scale)) };
}

/**
 * `expectGradientsMatch(net, x, y, hidden, tfAct, what)` for the student's `backward`: every gradient
 * against central finite differences (1e-6) and against tf.grad (1e-4, float32).
 */
export function gradientChecker(backward: (net: TwoLayerNet, x: Vector, y: Vector, hidden: Activation) => Gradients) {
  return atCallSite((net: TwoLayerNet, x: Vector, y: Vector, hidden: Activation, tfAct: (t: tf.Tensor) => tf.Tensor, what: string): void => {
  const g = backward(net, x, y, hidden);
  const fd = finiteDifferences(net, x, y, hidden.f);
  expectNear(flat(g.dW2), flat(fd.dW2), 1e-6, `${what}: ∂C/∂W² vs finite differences`);
  expectNear(g.db2, fd.db2, 1e-6, `${what}: ∂C/∂b² vs finite differences`);
  expectNear(flat(g.dW3), flat(fd.dW3), 1e-6, `${what}: ∂C/∂W³ vs finite differences`);
  expectNear(g.db3, fd.db3, 1e-6, `${what}: ∂C/∂b³ vs finite differences`);
  expectNear(g.dx, fd.dx, 1e-6, `${what}: ∂C/∂x vs finite differences`);
  const t = tfGradients(net, x, y, tfAct);
  expectNear(flat(g.dW2), t.dW2, 1e-4, `${what}: ∂C/∂W² vs tf.grad`);
  expectNear(g.db2, t.db2, 1e-4, `${what}: ∂C/∂b² vs tf.grad`);
  expectNear(flat(g.dW3), t.dW3, 1e-4, `${what}: ∂C/∂W³ vs tf.grad`);
  expectNear(g.db3, t.db3, 1e-4, `${what}: ∂C/∂b³ vs tf.grad`);
  expectNear(g.dx, t.dx, 1e-4, `${what}: ∂C/∂x vs tf.grad`);
});
}
