/**
 * Exercise 11, part 2: PCA, principal angles, and the linear autoencoder that finds the principal
 * subspace. `pca` and `principalAngles` are checked exactly on data built so that the answer is known;
 * the threshold test trains your linear autoencoder and compares its decoder with the top-2 principal
 * subspace of the same digits, computed here by another method (subspace iteration). The bound, its
 * measurements and the controls it must reject are in the comment above MAX_ANGLE.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { expectAtLeast, expectAtMost, expectClose } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { trainAutoencoder } from './latent.ts';
import { buildLinearAe, decoderDirections, pca, principalAngles } from './pca.ts';

let train: Examples;

beforeAll(async () => {
  await ready();
  train = toExamples(loadMnist('train'));
});

const DEG = 180 / Math.PI;
const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
};

/** Orthonormal vectors of length d (Gram–Schmidt on seeded normal draws). */
function orthonormalSet(d: number, k: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const out: Float64Array[] = [];
  while (out.length < k) {
    const v = Float64Array.from(rng.normals(d));
    for (const q of out) {
      const c = dot(v, q);
      for (let i = 0; i < d; i++) v[i]! -= c * q[i]!;
    }
    const n = Math.sqrt(dot(v, v));
    out.push(v.map((x) => x / n));
  }
  return out;
}

/**
 * Data whose mean and covariance are known exactly: the 2m points μ ± sᵢ·uᵢ (i = 1..m) for orthonormal
 * uᵢ. The mean is μ and the covariance Σᵢ (sᵢ²/m) uᵢuᵢᵀ, so the eigenvalues are sᵢ²/m with eigenvectors uᵢ.
 */
function knownData(d: number, spreads: number[], mu: Float64Array, seed: number): { ex: Examples; u: Float64Array[] } {
  const u = orthonormalSet(d, spreads.length, seed);
  const m = spreads.length;
  const x = new Float32Array(2 * m * d);
  spreads.forEach((s, i) => {
    for (let j = 0; j < d; j++) {
      x[2 * i * d + j] = mu[j]! + s * u[i]![j]!;
      x[(2 * i + 1) * d + j] = mu[j]! - s * u[i]![j]!;
    }
  });
  return { ex: { x, count: 2 * m, features: d }, u };
}

/** toBeCloseTo(v, d) is |Δ| < 0.5·10⁻ᵈ; the kit's tolerance is relative to max(1, |v|). */
const closeTo = (v: number, digits: number): number => (0.5 * 10 ** -digits) / Math.max(1, Math.abs(v));
const PCA_RULE = 'pca centres the data (subtracts the mean), then takes the top-k eigenvalues of its covariance, largest first, and their unit eigenvectors';
const ANGLE_RULE = 'principal angles = arccos of the singular values of Q_Aᵀ Q_B, with Q_A, Q_B orthonormal bases of the two spans (Gram–Schmidt first), smallest first';

describe('pca: pca', () => {
  it('finds the mean, the top-k eigenvalues (largest first) and their eigenvectors of data with a known covariance', () => {
    const d = 24;
    const mu = Float64Array.from({ length: d }, (_, j) => 2 + 0.1 * j);
    const spreads = [1, 3, 0.5, 2, 0.25];
    const { ex, u } = knownData(d, spreads, mu, 11);
    const p = pca(ex, 3);
    const m = spreads.length;
    expect(p.variances.length).toBe(3);
    [9, 4, 1].forEach((s2, i) => {
      expectClose(p.variances[i]!, s2 / m, closeTo(s2 / m, 4), `eigenvalue ${String(i + 1)}`, {
        rule: PCA_RULE,
        mistakes: [{ name: 'the top 3 eigenvalues in increasing order', value: [1, 4, 9][i]! / m }],
      });
    });
    // Components 1, 2, 3 are ±u₂, ±u₄, ±u₁ (spreads 3, 2, 1), each of unit length.
    [1, 3, 0].forEach((j, i) => {
      expectClose(Math.abs(dot(p.components[i]!, u[j]!)), 1, 0.5e-4, `|component ${String(i + 1)} · the direction with spread ${String(spreads[j])}|`, { rule: PCA_RULE });
      expectClose(dot(p.components[i]!, p.components[i]!), 1, 0.5e-6, `‖component ${String(i + 1)}‖²`, { rule: 'components are unit vectors' });
    });
    for (let j = 0; j < d; j++) expectClose(p.mean[j]!, mu[j]!, closeTo(mu[j]!, 4), `mean[${String(j)}]`, { rule: 'mean[j] = the average of feature j over the examples' });
  });

  it('centres first: a large mean does not become the first component', () => {
    const d = 10;
    const mu = Float64Array.from({ length: d }, () => 5);
    const { ex, u } = knownData(d, [0.5, 0.2], mu, 12);
    const p = pca(ex, 1);
    // Uncentred, the first "component" would be the mean's direction (1, …, 1)/√10.
    const meanDirection = Math.abs(u[0]!.reduce((a, v) => a + v, 0)) / Math.sqrt(d);
    expectClose(Math.abs(dot(p.components[0]!, u[0]!)), 1, 0.5e-4, '|component 1 · the direction with spread 0.5|', {
      rule: PCA_RULE,
      mistakes: [{ name: 'no centring (component 1 is then the mean\'s direction (1, …, 1)/√10)', value: meanDirection }],
    });
    expectClose(p.variances[0]!, 0.25 / 2, closeTo(0.25 / 2, 4), 'eigenvalue 1', { rule: PCA_RULE });
  });

  it('rejects k = 0 and k larger than the dimension with an ArgumentError', () => {
    const { ex } = knownData(6, [1, 2], new Float64Array(6), 13);
    pca(ex, 2);
    expect(() => pca(ex, 0)).toThrow(ArgumentError);
    expect(() => pca(ex, 7)).toThrow(ArgumentError);
  });
});

describe('pca: principalAngles', () => {
  it('is 0 for one subspace in two bases, π/2 for orthogonal ones, and θ for a plane tilted by θ', () => {
    const [e1, e2, e3, e4] = orthonormalSet(9, 4, 21);
    const mix = (a: number, x: Float64Array, b: number, y: Float64Array): Float64Array => x.map((v, i) => a * v + b * y[i]!);
    const same = principalAngles([e1!, e2!], [mix(2, e1!, 1, e2!), mix(-1, e1!, 3, e2!)]);
    expect(same.length).toBe(2);
    const angles = { rule: ANGLE_RULE, strict: true };
    for (const a of same) expectAtMost(a, 1e-6, 'angle between one plane in two bases', angles);
    const right = principalAngles([e1!, e2!], [e3!, e4!]);
    for (const a of right) expectClose(a, Math.PI / 2, closeTo(Math.PI / 2, 6), 'angle between orthogonal planes', { rule: ANGLE_RULE });
    const theta = 0.3;
    const tilted = principalAngles([e1!, e2!], [mix(1, e1!, 0, e2!), mix(Math.cos(theta), e2!, Math.sin(theta), e3!)]);
    expectAtMost(tilted[0]!, 1e-6, 'first angle between a plane and the plane tilted by θ = 0.3', angles);
    expectClose(tilted[1]!, theta, 0.5e-6, 'second angle between a plane and the plane tilted by θ = 0.3', { rule: ANGLE_RULE, mistakes: [{ name: 'cos θ returned instead of the angle', value: Math.cos(theta) }] });
  });

  it('returns the angles smallest first and does not care how long the vectors are', () => {
    const [e1, e2, e3, e4] = orthonormalSet(7, 4, 22);
    const a = [e1!.map((v) => 5 * v), e2!.map((v) => 0.01 * v)];
    const b = [e1!.map((v, i) => Math.cos(1.2) * v + Math.sin(1.2) * e3![i]!), e2!.map((v, i) => Math.cos(0.2) * v + Math.sin(0.2) * e4![i]!)];
    const angles = principalAngles(a, b);
    const sorted = { rule: `${ANGLE_RULE}; vectors of any length` };
    expectClose(angles[0]!, 0.2, 0.5e-6, 'the smaller angle', { ...sorted, mistakes: [{ name: 'the angles largest first', value: 1.2 }] });
    expectClose(angles[1]!, 1.2, closeTo(1.2, 6), 'the larger angle', { ...sorted, mistakes: [{ name: 'the angles largest first', value: 0.2 }] });
  });

  it('rejects vectors of different lengths and a linearly dependent set with an ArgumentError that names the set (a or b)', () => {
    const [e1, e2] = orthonormalSet(5, 2, 23);
    principalAngles([e1!], [e2!]);
    expect(() => principalAngles([e1!], [new Float64Array(4)])).toThrow(ArgumentError);
    expect(() => principalAngles([e1!, e1!.map((v) => 2 * v)], [e1!, e2!])).toThrow(ArgumentError);
    expect(() => principalAngles([e1!, e1!.map((v) => 2 * v)], [e1!, e2!]), 'the error for a dependent a says "a"').toThrow(/\ba\b/);
    expect(() => principalAngles([e1!, e2!], [e2!, e2!.map((v) => -v)]), 'the error for a dependent b says "b"').toThrow(/\bb\b/);
    expect(() => principalAngles([], [e1!])).toThrow(ArgumentError);
  });
});

describe('pca: buildLinearAe and decoderDirections', () => {
  it('is Dense k → Dense 784 with biases and no activations: 2·784·k + k + 784 parameters, the rows of the last kernel as directions', () => {
    const ae = buildLinearAe({ seed: 1, code: 3 });
    expect(ae.model.countParams()).toBe(2 * 784 * 3 + 3 + 784);
    const dense = ae.model.layers.filter((l) => l.getClassName() === 'Dense');
    expect(dense.length).toBe(2);
    for (const l of dense) expect(l.getConfig().activation).toBe('linear');
    const x = tf.randomNormal<tf.Rank.R2>([4, 784], 0, 1, 'float32', 2);
    const [w1, b1] = dense[0]!.getWeights();
    const [w2, b2] = dense[1]!.getWeights();
    const mine = tf.tidy(() => tf.add(tf.matMul(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1!), w2 as tf.Tensor2D), b2!));
    const theirs = ae.model.predict(x) as tf.Tensor;
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(mine, theirs))).dataSync()[0]!);
    expectAtMost(gap, 1e-4, 'output: largest difference from x·W₁ + b₁ then ·W₂ + b₂', { rule: 'the linear autoencoder is two Dense layers with biases and no activation', strict: true });
    const directions = decoderDirections(ae);
    expect(directions.length).toBe(3);
    const w = w2!.dataSync();
    directions.forEach((v, r) => {
      expect(v.length).toBe(784);
      expect(Array.from(v)).toEqual(Array.from(w.subarray(r * 784, (r + 1) * 784), (t) => t));
    });
    const code = ae.encoder.predict(x) as tf.Tensor;
    expect(code.shape).toEqual([4, 3]);
    tf.dispose([x, mine, theirs, code]);
  });

  it('rejects a bottleneck of 0 units with an ArgumentError', () => {
    buildLinearAe({ seed: 1, code: 1 }).model.dispose();
    expect(() => buildLinearAe({ seed: 1, code: 0 })).toThrow(ArgumentError);
  });
});

/** The covariance of `ex` (features × features, Float64), centred or not, through one tf matMul. */
function covariance(ex: Examples, centre: boolean): Float64Array {
  const c = tf.tidy(() => {
    const x = tf.tensor2d(ex.x, [ex.count, ex.features]);
    const xc = centre ? tf.sub(x, tf.mean(x, 0)) : x;
    return tf.div(tf.matMul(xc, xc, true, false), ex.count);
  });
  const out = Float64Array.from(c.dataSync());
  c.dispose();
  return out;
}

/**
 * The top-k eigenvectors of the symmetric d × d matrix `c` by subspace iteration (multiply, then
 * Gram–Schmidt), 200 rounds: on the digits the error shrinks like (λ₃/λ₂)^t = 0.85^t, below 1e-13.
 */
function topSubspace(c: Float64Array, d: number, k: number): Float64Array[] {
  let q = orthonormalSet(d, k, 99);
  for (let round = 0; round < 200; round++) {
    const next = q.map((v) => {
      const w = new Float64Array(d);
      for (let i = 0; i < d; i++) w[i] = dot(c.subarray(i * d, (i + 1) * d), v);
      return w;
    });
    next.forEach((v, a) => {
      for (let b = 0; b < a; b++) {
        const s = dot(v, next[b]!);
        for (let i = 0; i < d; i++) v[i]! -= s * next[b]![i]!;
      }
      const n = Math.sqrt(dot(v, v));
      for (let i = 0; i < d; i++) v[i]! /= n;
    });
    q = next;
  }
  return q;
}

/** The largest principal angle, computed here (cosines from the 2 × 2 Gram matrix of orthonormal bases). */
function largestAngle(a: Float64Array[], b: Float64Array[]): number {
  const ortho = (vs: Float64Array[]): Float64Array[] => {
    const out: Float64Array[] = [];
    for (const v0 of vs) {
      const v = Float64Array.from(v0);
      for (const q of out) {
        const s = dot(v, q);
        for (let i = 0; i < v.length; i++) v[i]! -= s * q[i]!;
      }
      const n = Math.sqrt(dot(v, v));
      out.push(v.map((x) => x / n));
    }
    return out;
  };
  const [qa, qb] = [ortho(a), ortho(b)];
  // For k = 2: the singular values of M = QaᵀQb from the eigenvalues of MᵀM.
  const m = qa.map((u) => qb.map((v) => dot(u, v)));
  const [p, q, r] = [m[0]![0]! ** 2 + m[1]![0]! ** 2, m[0]![0]! * m[0]![1]! + m[1]![0]! * m[1]![1]!, m[0]![1]! ** 2 + m[1]![1]! ** 2];
  const smallest = (p + r) / 2 - Math.sqrt(((p - r) / 2) ** 2 + q * q);
  return Math.acos(Math.min(1, Math.sqrt(Math.max(0, smallest))));
}

/** Directions of a model's last Dense kernel (k rows of 784), read here. */
const lastKernelRows = (model: tf.LayersModel): Float64Array[] => {
  const w = model.layers.filter((l) => l.getClassName() === 'Dense').at(-1)!.getWeights()[0]!;
  const [k, n] = w.shape as [number, number];
  const data = w.dataSync();
  return Array.from({ length: k }, (_, r) => Float64Array.from(data.subarray(r * n, (r + 1) * n)));
};

/**
 * The run: k = 2, the first 8,000 training digits, `trainAutoencoder` for 30 epochs of batch 1,000 at
 * Adam 3·10⁻², then 5 more at 3·10⁻³ (a fresh optimiser) to settle the noise of the first phase. k = 2
 * because λ₃/λ₂ = 0.85 on these digits leaves a gap gradient descent crosses in this budget (k = 6,
 * λ₇/λ₆ = 0.75, still ended 24–51° off after 10 epochs at batch 256), and because the mis-centred answer
 * is then far off (87°) instead of 35° (k = 6).
 */
const K = 2;
const LINEAR_RUN = { seed: 1, phases: [{ epochs: 30, learningRate: 3e-2 }, { epochs: 5, learningRate: 3e-3 }], batchSize: 1000, digits: 8000 } as const;

/** Trains `model` through both phases of LINEAR_RUN. */
function trainLinearRun(model: tf.LayersModel, data: Examples, seed: number): number {
  let loss = NaN;
  LINEAR_RUN.phases.forEach((p, i) => {
    loss = trainAutoencoder(model, data, { seed: seed + 100 * i, epochs: p.epochs, learningRate: p.learningRate, batchSize: LINEAR_RUN.batchSize, progress: false }).loss.at(-1)!;
  });
  return loss;
}

/**
 * The bound on the largest principal angle between the decoder's directions and the top-2 principal
 * subspace. Measured (reference solution, wasm, this run; seeds 1–5): 1.02 · 1.17 · 0.97 · 1.19 · 5.26°
 * (20 instead of 30 epochs in the first phase: up to 21.7°). The wrong answers, trained the same way: a
 * linear autoencoder without biases (mis-centred: it finds the top-2 subspace of E[xxᵀ], which holds the
 * mean image) 86.6–87.0° on the same seeds; with a ReLU code and a sigmoid output (nonlinear, the hidden
 * test's control) 53.5 · 58.0 · 64.9 · 35.4 · 50.7°. 15° is 9.7° above the worst correct seed and 20°
 * below the closest wrong one. The run is deterministic on a backend, so a correct solution fails only if
 * its seed-1 run lands 14° further off than the reference's, which no seed came near.
 */
const MAX_ANGLE = 15 / DEG;

describe('linear-ae: the trained linear autoencoder', () => {
  it(`spans the top-${String(K)} principal subspace of the digits (largest principal angle ≤ ${String(Math.round(MAX_ANGLE * DEG))}°), which a linear autoencoder without biases does not`, () => {
    const data = selectExamples(train, Int32Array.from({ length: Math.min(LINEAR_RUN.digits, train.count) }, (_, i) => i));
    const ae = buildLinearAe({ seed: LINEAR_RUN.seed, code: K });
    const reference = topSubspace(covariance(data, true), data.features, K);
    const t0 = performance.now();
    const loss = trainLinearRun(ae.model, data, LINEAR_RUN.seed);
    const angle = largestAngle(lastKernelRows(ae.model), reference);

    // The mis-centred control, built here: the same two layers without biases, trained the same way.
    const rng = new Rng(LINEAR_RUN.seed);
    const x = tf.input({ shape: [784] });
    const dense = (units: number): tf.layers.Layer => tf.layers.dense({ units, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }) });
    const noBias = tf.model({ inputs: x, outputs: dense(784).apply(dense(K).apply(x)) as tf.SymbolicTensor });
    trainLinearRun(noBias, data, LINEAR_RUN.seed);
    const control = largestAngle(lastKernelRows(noBias), reference);
    console.log(
      `11 linear-ae: largest principal angle ${(angle * DEG).toFixed(2)}° (bound ${String(Math.round(MAX_ANGLE * DEG))}°), training MSE ${loss.toFixed(5)}; ` +
        `without biases ${(control * DEG).toFixed(2)}°; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    expectAtLeast(control, MAX_ANGLE, 'the mis-centred control\'s largest angle (radians)', { rule: 'the control without biases must fail the bound, or the bound tests nothing', strict: true });
    expectAtMost(angle * DEG, MAX_ANGLE * DEG, 'largest principal angle between the decoder\'s span and the top-k PCA subspace (degrees)', {
      rule: 'a linear autoencoder with biases trained on the MSE spans the top-k principal subspace of the centred data',
      mistakes: [{ name: 'no biases (the data not centred): the control\'s angle', value: control * DEG }],
    });
    ae.model.dispose();
    noBias.dispose();
  });
});
