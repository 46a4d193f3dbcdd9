/**
 * Tests for exercise 09 (gradient descent's geometry, mini-batch noise, back-propagation by hand,
 * softmax with cross-entropy, which cross-entropy). Everything is small: the suite runs in seconds.
 *
 * Random checks state their false-failure rate, the probability that a CORRECT implementation,
 * drawing its random numbers in any valid order, fails them; every such rate here is ≤ 1e-6:
 * - binomial counts use exact binomial intervals at α = 1e-6 (split evenly when several are checked);
 * - means and variances of mini-batch gradients (not normal) use central-limit intervals at a nominal
 *   α = 1e-9, a thousand times below the target, as in exercise 01: the normal approximation's error
 *   that far in the tail is a factor, not a thousand-fold;
 * - "m = 1 raises the cost more often than m = 20" uses Hoeffding's inequality (stated at the test).
 * Deterministic checks compare with float64 computations written here, to tolerances far above
 * rounding (1e-9) and far below the mistakes they catch; comparisons with tfjs (float32) use 1e-4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { binomialInterval, cltMeanInterval, cltVarianceInterval, contains, expectWithin, mean, variance } from '#kit/stats';
import { ready, tf } from '#kit/tf';
import { expectAtLeast, expectAtMost, expectNear } from '#kit/testing';
import { columnMeans, dot, fashionPair, flat, gradientChecker, partlyTrained, projectedPopulationVariance, randomNet, referenceTable, sig, THE_NET, totalPopulationVariance, withoutReplacement } from '#kit/testing/backprop';
import { normalizedStep, signStep } from './steps.ts';
import { gradientVarianceByBatchSize, minibatchGradient, perExampleGradients, type GradientTable, type LogisticData } from './minibatch.ts';
import {
  backward,
  forward,
  linearNetworkGradients,
  sigmoid,
  softmaxCrossEntropyDelta,
  type Matrix,
  type Vector,
} from './backprop.ts';
import { binaryCrossEntropy, crossEntropyMinimum } from './cross-entropy.ts';

beforeAll(async () => {
  await ready();
});

const ALPHA = 1e-6;
const ALPHA_CLT = 1e-9;
const A = ALPHA.toExponential();
const A_CLT = ALPHA_CLT.toExponential();

// ---- helpers written independently of the student's code ----------------------------------------

const expectClose = expectNear;


/** Mean logistic cross-entropy of (w, b) on `data` (float64, written here). */
function logisticCost(data: LogisticData, w: ArrayLike<number>, b: number): number {
  let s = 0;
  for (let i = 0; i < data.n; i++) {
    let z = b;
    for (let j = 0; j < data.d; j++) z += w[j]! * data.x[i * data.d + j]!;
    s += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - data.y[i]! * z;
  }
  return s / data.n;
}

const THE_X = [0.05, 0.1];
const THE_Y = [0.01, 0.99];

const expectGradientsMatch = gradientChecker(backward);

// ================================================================================================

describe('part 1: the geometry of a step — normalizedStep and signStep', () => {
  it('normalizedStep moves exactly ε, straight against the gradient, whatever the gradient\'s size', () => {
    const rng = new Rng(1);
    for (const [dim, eps, scale] of [[3, 0.1, 1], [10, 0.5, 1e-3], [7, 2, 1e4]] as const) {
      const v = rng.normals(dim);
      const g = rng.normals(dim, 0, scale);
      const out = normalizedStep(v, g, eps);
      expect(Object.getPrototypeOf(out)).toBe(Float64Array.prototype);
      const step = Array.from(out, (o, i) => o - v[i]!);
      const len = Math.hypot(...step);
      expectClose(len, eps, 1e-9, `step length for ε = ${eps}`, {
        rule: 'normalizedStep(v, g, ε) = v − ε·g/‖g‖: a step of length exactly ε',
        mistakes: [{ name: 'a step of ε·∇C (not normalised): its length is ε‖∇C‖', value: eps * Math.hypot(...g) }],
      });
      const cos = dot(step, g) / (len * Math.hypot(...g));
      expectClose(cos, -1, 1e-9, 'cosine between the step and the gradient', {
        rule: 'the step goes straight against the gradient (cosine −1)',
        mistakes: [{ name: 'a step uphill, v + ε·g/‖g‖', value: 1 }],
      });
    }
    expectClose(normalizedStep([1, 2], [3, 4], 0.5), [1 - 0.3, 2 - 0.4], 1e-12, 'normalizedStep([1, 2], [3, 4], 0.5)', {
      rule: 'v − ε·g/‖g‖ with ‖(3, 4)‖ = 5',
      mistakes: [
        { name: 'a step of ε·∇C (not normalised)', value: [1 - 1.5, 2 - 2] },
        { name: 'a step uphill, v + ε·g/‖g‖', value: [1 + 0.3, 2 + 0.4] },
      ],
    });
  });

  it('normalizedStep does not move at a zero gradient, leaves its inputs alone, and rejects ε ≤ 0 and mismatched lengths (ArgumentError)', () => {
    const v = Float64Array.from([1, -2, 3]);
    const out = normalizedStep(v, [0, 0, 0], 0.1);
    expect(Array.from(out)).toEqual([1, -2, 3]);
    expect(out).not.toBe(v);
    normalizedStep(v, [1, 1, 1], 0.1);
    expect(Array.from(v)).toEqual([1, -2, 3]);
    expect(() => normalizedStep(v, [1, 1, 1], 0)).toThrow(ArgumentError);
    expect(() => normalizedStep(v, [1, 1, 1], -0.1)).toThrow(ArgumentError);
    expect(() => normalizedStep(v, [1, 1], 0.1)).toThrow(ArgumentError);
  });

  it('signStep moves ε left on a rising slope, right on a falling one, not at all on a flat one, and rejects ε ≤ 0', () => {
    // toBeCloseTo(·, 12) was |Δ| < 5e-13; the helper's tolerance is relative to max(1, |expected|).
    const signRule = { rule: 'signStep(v, C′(v), ε) = v − ε·sign(C′(v)): ε left on a rising slope, ε right on a falling one, no move where C′ = 0' };
    expectClose(signStep(2, 3.7, 0.25), 1.75, 5e-13 / 1.75, 'signStep(2, 3.7, 0.25)', {
      ...signRule,
      mistakes: [{ name: 'a step of ε·C′(v) (the slope\'s size kept)', value: 2 - 0.25 * 3.7 }, { name: 'a step uphill, v + ε·sign(C′)', value: 2.25 }],
    });
    expectClose(signStep(2, 1e-9, 0.25), 1.75, 5e-13 / 1.75, 'signStep(2, 1e-9, 0.25)', {
      ...signRule,
      mistakes: [{ name: 'a step of ε·C′(v) (the slope\'s size kept)', value: 2 - 0.25 * 1e-9 }, { name: 'a step uphill, v + ε·sign(C′)', value: 2.25 }],
    });
    expectClose(signStep(-1, -50, 0.5), -0.5, 5e-13, 'signStep(−1, −50, 0.5)', {
      ...signRule,
      mistakes: [{ name: 'a step uphill, v + ε·sign(C′)', value: -1.5 }],
    });
    expectClose(signStep(4, 0, 0.5), 4, 0, 'signStep(4, 0, 0.5) (a flat slope)', {
      ...signRule,
      mistakes: [{ name: 'sign(0) taken as +1', value: 3.5 }, { name: 'sign(0) taken as −1', value: 4.5 }],
    });
    expect(() => signStep(0, 1, 0)).toThrow(ArgumentError);
  });

  it('signStep on C(v) = (v − 1)² from v = 3.05 with ε = 0.1 reaches the minimum and then zig-zags ε around it forever', () => {
    let v = 3.05;
    const path = [v];
    for (let t = 0; t < 40; t++) {
      v = signStep(v, 2 * (v - 1), 0.1);
      path.push(v);
    }
    // 20 steps of 0.1 down to 1.05, then 1.05 ↔ 0.95.
    const rule = { rule: 'each step moves v by ε = 0.1 against sign(C′(v)) = sign(2(v − 1)): 20 steps down to 1.05, then 1.05 ↔ 0.95' };
    expectClose(path[20]!, 1.05, 1e-9, 'v after 20 steps', rule);
    for (let t = 21; t <= 40; t++) expectClose(path[t]!, t % 2 === 1 ? 0.95 : 1.05, 1e-9, `v after ${t} steps`, rule);
  });
});

// ================================================================================================

describe('part 2: mini-batch gradient noise', () => {
  const data = fashionPair(0, 6, 100); // T-shirt/top vs shirt, 200 examples
  const params = partlyTrained(data, 20, 1);
  const table = referenceTable(data, params.w, params.b);
  const full = columnMeans(table);

  describe('perExampleGradients', () => {
    it('row i is (σ(w·xᵢ + b) − yᵢ)·(xᵢ, 1), and the rows average to the finite-difference gradient of the cost', () => {
      const t = perExampleGradients(data, { w: params.w, b: params.b });
      expect(t.n).toBe(data.n);
      expect(t.p).toBe(data.d + 1);
      expect(Object.getPrototypeOf(t.values)).toBe(Float64Array.prototype);
      expectClose(t.values, table.values, 1e-9, 'per-example gradients', {
        rule: 'row i = (σ(w·xᵢ + b) − yᵢ)·(xᵢ, 1): the weights first, the bias last',
        mistakes: [{ name: 'y − p instead of p − y', value: table.values.map((v) => -v) }],
      });
      const h = 1e-6;
      const w = Float64Array.from(params.w);
      for (const j of [0, 24, 48]) {
        w[j]! += h;
        const up = logisticCost(data, w, params.b);
        w[j]! -= 2 * h;
        const dn = logisticCost(data, w, params.b);
        w[j]! += h;
        expectClose(columnMeans(t)[j]!, (up - dn) / (2 * h), 1e-6, `mean gradient, weight ${j}`, {
          rule: 'the rows average to ∂C/∂w, here the central difference (C(w + h) − C(w − h))/2h of the mean logistic cost',
        });
      }
      const fdb = (logisticCost(data, params.w, params.b + h) - logisticCost(data, params.w, params.b - h)) / (2 * h);
      expectClose(columnMeans(t)[data.d]!, fdb, 1e-6, 'mean gradient, bias', {
        rule: 'the last column averages to ∂C/∂b, here a central difference of the mean logistic cost',
      });
    });

    it('rejects labels outside [0, 1] and weights that do not match the features (ArgumentError)', () => {
      expect(perExampleGradients(data, params).n).toBe(data.n);
      const bad = { ...data, y: Float64Array.from(data.y, (v) => (v === 1 ? 2 : v)) };
      expect(() => perExampleGradients(bad, params)).toThrow(ArgumentError);
      expect(() => perExampleGradients(data, { w: new Float64Array(3), b: 0 })).toThrow(ArgumentError);
    });
  });

  describe('minibatchGradient', () => {
    it('draws m different rows: m = n gives the full gradient exactly, and each draw is the mean of m distinct rows of an identity table', () => {
      expectClose(minibatchGradient(table, table.n, new Rng(1)), full, 1e-12, 'minibatchGradient with m = n', {
        rule: 'ĝ = (1/m) Σ over m distinct rows; with m = n every row once, so ĝ = ∇C',
      });
      const n = 30;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const rng = new Rng(2);
      for (const m of [1, 7, 30]) {
        const g = minibatchGradient(eye, m, rng);
        expect(Object.getPrototypeOf(g)).toBe(Float64Array.prototype);
        const picked = Array.from(g).filter((v) => v !== 0);
        expect(picked.length, `distinct rows in a batch of ${m}`).toBe(m);
        for (const v of picked) {
          expectClose(v, 1 / m, 1e-12, `weight of a row in a batch of ${m} of n = ${n}`, {
            rule: 'ĝ is the mean of the m rows drawn: each carries weight 1/m',
            mistakes: m === n ? [] : [{ name: 'dividing by n instead of m', value: 1 / n }],
          });
        }
      }
    });

    it(`every row is equally likely to be in a batch: counts over 3000 batches of m = 5 from n = 30 (binomial intervals, α = ${A} in all)`, () => {
      const n = 30;
      const m = 5;
      const K = 3000;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const counts = new Float64Array(n);
      const rng = new Rng(3);
      for (let k = 0; k < K; k++) {
        const g = minibatchGradient(eye, m, rng);
        for (let i = 0; i < n; i++) if (g[i]! > 0) counts[i]!++;
      }
      const iv = binomialInterval(K, m / n, ALPHA / n);
      for (let i = 0; i < n; i++) expectWithin(counts[i]!, iv, `batches that contain row ${i} (expected ${(K * m) / n})`, ALPHA / n);
    });

    it(`is unbiased, and its variance along ∇C is σ²/m·(n − m)/(n − 1) for sampling without replacement, not σ²/m (4000 batches, m = 100 of n = 200; CLT, α = ${A_CLT} each)`, () => {
      const m = 100;
      const K = 4000;
      const u = full.map((g) => g / Math.hypot(...full));
      const rng = new Rng(4);
      const s = Float64Array.from({ length: K }, () => dot(u, minibatchGradient(table, m, rng)));
      const target = dot(u, full);
      expectWithin(mean(s), cltMeanInterval(s, target, ALPHA_CLT), `mean of u·ĝ (expected u·∇C = ${target})`, ALPHA_CLT);
      const sigma2 = projectedPopulationVariance(table, u);
      const right = withoutReplacement(sigma2, table.n, m);
      const iv = cltVarianceInterval(s, right, ALPHA_CLT);
      expectWithin(variance(s), iv, `variance of u·ĝ (expected σ²/m·(n − m)/(n − 1) = ${right})`, ALPHA_CLT);
      // Power: sampling with replacement (σ²/m, twice as large) is far outside.
      expect(contains(iv, sigma2 / m), 'the with-replacement variance σ²/m must lie outside the interval').toBe(false);
    });

    it('gives a new batch on every call and rejects m outside 1…n (ArgumentError)', () => {
      const rng = new Rng(5);
      const a = minibatchGradient(table, 10, rng);
      const b = minibatchGradient(table, 10, rng);
      expect(Array.from(a)).not.toEqual(Array.from(b));
      expect(() => minibatchGradient(table, 0, rng)).toThrow(ArgumentError);
      expect(() => minibatchGradient(table, table.n + 1, rng)).toThrow(ArgumentError);
      expect(() => minibatchGradient(table, 2.5, rng)).toThrow(ArgumentError);
    });

    it('takes its random numbers from the rng it is given: the same seed gives the same batches, another seed other ones', () => {
      const draw = (seed: number): number[][] => {
        const rng = new Rng(seed);
        return [10, 10, 3].map((m) => Array.from(minibatchGradient(table, m, rng)));
      };
      const first = draw(16);
      expect(draw(16), 'the batches drawn again with a new Rng(16): every random draw comes from the rng passed in (no Math.random, no generator of your own)').toEqual(first);
      expect(draw(17), 'the batches drawn with Rng(17) instead of Rng(16): the seed must change the batches').not.toEqual(first);
    });

    it(`draws every batch afresh: a row is in both of two consecutive batches with probability (m/n)², as for independent draws, not 0 as in the disjoint batches of an epoch (3000 pairs, m = 5 of n = 15; binomial intervals, α = ${A} in all)`, () => {
      const n = 15;
      const m = 5;
      const K = 3000;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const both = new Float64Array(n);
      const rng = new Rng(13);
      for (let k = 0; k < K; k++) {
        const a = minibatchGradient(eye, m, rng);
        const b = minibatchGradient(eye, m, rng);
        for (let i = 0; i < n; i++) if (a[i]! > 0 && b[i]! > 0) both[i]!++;
      }
      // Independent batches: P(row i in both) = (m/n)² = 1/9. An epoch sampler (one shuffle, then
      // consecutive disjoint slices until the rows run out) puts a row in both only across an epoch's end.
      const iv = binomialInterval(K, (m / n) ** 2, ALPHA / n);
      for (let i = 0; i < n; i++) {
        expectWithin(both[i]!, iv, `pairs of consecutive batches that both contain row ${i} (expected K·(m/n)² = ${K / 9}; ` +
          'rule: every call draws its m rows afresh from rng, independently of the previous calls — no rows kept back or ' +
          'excluded because an earlier call used them, the same batch not repeated)', ALPHA / n);
      }
    });

    it('m = 1 steps raise the full cost more often than m = 20 steps (the seed\'s argument, measured; exact binomial at α = 5e-7 and Hoeffding ≤ 5e-7)', () => {
      const eta = 0.1;
      const c0 = logisticCost(data, params.w, params.b);
      const raises = (g: ArrayLike<number>): boolean =>
        logisticCost(data, Array.from(params.w, (w, j) => w - eta * g[j]!), params.b - eta * g[data.d]!) > c0;
      // With m = 1 the batch is one row, each with probability 1/n: p₁ is known exactly.
      let p1 = 0;
      for (let i = 0; i < table.n; i++) if (raises(table.values.subarray(i * table.p, (i + 1) * table.p))) p1 += 1 / table.n;
      const K = 300;
      const rng = new Rng(6);
      let up1 = 0;
      let up20 = 0;
      for (let k = 0; k < K; k++) {
        if (raises(minibatchGradient(table, 1, rng))) up1++;
        if (raises(minibatchGradient(table, 20, rng))) up20++;
      }
      expectWithin(up1, binomialInterval(K, p1, ALPHA / 2), `m = 1 steps that raise the cost (p₁ = ${p1.toFixed(3)})`, ALPHA / 2);
      // The reference measured p₂₀ ≈ 0.35 (p₁ = 1 here). Hoeffding: P(p̂₁ − p̂₂₀ ≤ 0.2) ≤ exp(−K(Δ − 0.2)²·2/2) with
      // Δ = p₁ − p₂₀ ≈ 0.65, i.e. ≤ exp(−300·0.2) ≈ 1e-26.
      expectAtLeast(up1 / K - up20 / K, 0.2, `fraction raising the cost at m = 1 (${up1 / K}) minus at m = 20 (${up20 / K})`, {
        rule: 'a batch of 20 averages the noise down, so its steps raise the full cost far less often than single-row steps (Hoeffding ≤ 5e-7)',
        strict: true,
      });
    });
  });

  describe('gradientVarianceByBatchSize', () => {
    it(`follows σ²/m·(n − m)/(n − 1), is 0 at m = n, and rejects m outside 1…n (CLT intervals from a reference sampler, α = ${A_CLT} in all)`, () => {
      const sizes = [1, 10, 50, 150, 200];
      const trials = 1500;
      const got = gradientVarianceByBatchSize(table, sizes, trials, new Rng(7));
      expect(Object.getPrototypeOf(got)).toBe(Float64Array.prototype);
      expect(got.length).toBe(sizes.length);
      const sigma2 = totalPopulationVariance(table);
      const rng = new Rng(8);
      sizes.forEach((m, k) => {
        const right = withoutReplacement(sigma2, table.n, m);
        if (m === table.n) {
          expectAtMost(got[k]!, 1e-20, 'mean ‖ĝ − ∇C‖² at m = n', {
            rule: 'at m = n the batch is the whole set: σ²/m·(n − m)/(n − 1) = 0, no variance',
            mistakes: [{ name: 'sampling with replacement (σ²/m)', value: sigma2 / m }],
            strict: true,
          });
          return;
        }
        // The spread of one ‖ĝ − ∇C‖², from 2000 batches drawn here without replacement.
        const ref = Float64Array.from({ length: 2000 }, () => {
          const perm = rng.permutation(table.n).subarray(0, m);
          const g = new Float64Array(table.p);
          for (const i of perm) for (let c = 0; c < table.p; c++) g[c]! += table.values[i * table.p + c]! / m;
          return g.reduce((s, v, c) => s + (v - full[c]!) ** 2, 0);
        });
        const sd = 1.2 * Math.sqrt(variance(ref)); // 20 % margin for the estimated spread
        const half = (6.109 * sd) / Math.sqrt(trials); // z for α = 1e-9/4
        expectWithin(got[k]!, { lo: right - half, hi: right + half }, `mean ‖ĝ − ∇C‖² at m = ${m} (expected σ²/m·(n − m)/(n − 1) = ${right}; sampling with replacement gives σ²/m = ${sigma2 / m})`, ALPHA_CLT / 4);
        if (m >= 50) {
          expectAtLeast(Math.abs(sigma2 / m - right), half, `the test's power at m = ${m}: |σ²/m − σ²/m·(n − m)/(n − 1)|`, {
            rule: 'the with-replacement variance σ²/m must lie outside the interval', strict: true,
          });
        }
      });
      expect(() => gradientVarianceByBatchSize(table, [0], 10, new Rng(1))).toThrow(ArgumentError);
      expect(() => gradientVarianceByBatchSize(table, [201], 10, new Rng(1))).toThrow(ArgumentError);
    });

    it('is, for each size on its own, the mean over the trials of ‖ĝ − ∇C‖²: exactly 5 at m = 1 and 0 at m = 2 for the two rows ±(2, 1)', () => {
      // ∇C = 0 and every batch of one row has ‖ĝ − ∇C‖² = 2² + 1² = 5: the answer is exact, whatever is drawn.
      const pm: GradientTable = { values: Float64Array.from([2, 1, -2, -1]), n: 2, p: 2 };
      const got = gradientVarianceByBatchSize(pm, [1, 2, 1], 3, new Rng(14));
      expectClose(got, [5, 0, 5], 1e-12, 'gradientVarianceByBatchSize(±(2, 1), sizes [1, 2, 1], 3 trials)', {
        rule: 'for each m, (1/trials)·Σₜ ‖ĝₜ − ∇C‖²: the squared norm summed over the coordinates, divided by trials, a fresh total for every size',
        mistakes: [
          { name: 'dividing by trials − 1 (∇C is known: nothing to correct)', value: [7.5, 0, 7.5] },
          { name: 'the mean over the coordinates instead of the sum', value: [2.5, 0, 2.5] },
          { name: '‖ĝ − ∇C‖ not squared', value: [Math.sqrt(5), 0, Math.sqrt(5)] },
          { name: 'the total carried over from one size to the next', value: [5, 5, 10] },
        ],
      });
      expectClose(gradientVarianceByBatchSize(pm, [1], 1, new Rng(15)), [5], 1e-12, 'one trial at m = 1', {
        rule: 'with trials = 1 the mean is that one ‖ĝ − ∇C‖²',
        mistakes: [{ name: 'dividing by trials − 1', value: [Infinity] }],
      });
    });
  });
});

// ================================================================================================

describe('part 3: back-propagation by hand', () => {
  describe('forward', () => {
    it('on the seed\'s 2-2-2 network: a³ ≈ [0.75693, 0.65936]', () => {
      const f = forward(THE_NET, THE_X);
      expectClose(f.z2, [0.3825, 0.39], 1e-12, 'z²', { rule: 'z² = W²x + b² (row j of W² dotted with x)' });
      expectClose(f.a2, [sig(0.3825), sig(0.39)], 1e-12, 'a²', { rule: 'a² = σ(z²)' });
      expectClose(f.a3, [0.7569319154399385, 0.6593595169501768], 1e-9, 'a³', {
        rule: 'a³ = σ(z³), z³ = W³a² + b³',
        mistakes: [{ name: 'a³ = z³ (no sigmoid on the output)', value: [1.1359317219476899, 0.6604413157765252] }],
      });
      expectClose(f.z3, [1.1359317219476899, 0.6604413157765252], 1e-9, 'z³', { rule: 'z³ = W³a² + b³ (from a², not z²)' });
    });

    it('uses the hidden activation it is given on the hidden layer only (tanh on a 3-4-2 network)', () => {
      const net = randomNet([3, 4, 2], new Rng(9));
      const x = [0.3, -0.2, 0.9];
      const f = forward(net, x, { name: 'tanh', f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 });
      const z2 = net.W2.map((r, j) => r.reduce((s, w, k) => s + w * x[k]!, net.b2[j]!));
      const a2 = z2.map(Math.tanh);
      const z3 = net.W3.map((r, j) => r.reduce((s, w, k) => s + w * a2[k]!, net.b3[j]!));
      expectClose(f.a2, a2, 1e-12, 'a² on a 3-4-2 network with tanh hidden units', {
        rule: 'a² = f(z²) with the hidden activation f given',
        mistakes: [{ name: 'the sigmoid on the hidden layer whatever f is given', value: z2.map(sig) }],
      });
      expectClose(f.a3, z3.map(sig), 1e-12, 'a³ on a 3-4-2 network with tanh hidden units', {
        rule: 'a³ = σ(z³): the output layer stays a sigmoid whatever the hidden activation',
        mistakes: [{ name: 'the hidden activation on the output layer too', value: z3.map(Math.tanh) }],
      });
    });
  });

  describe('backward', () => {
    it('on the seed\'s network: δ³ = a³ − y ≈ [0.74693, −0.33064], δ² ≈ [0.107895, 0.046127], and the weight and bias gradients', () => {
      const g = backward(THE_NET, THE_X, THE_Y);
      const a3 = [0.7569319154399385, 0.6593595169501768];
      expectClose(g.delta3, [0.74693192, -0.33064048], 1e-7, 'δ³', {
        rule: 'δ³ = a³ − y for the sigmoid output with cross-entropy (σ′ cancels)',
        mistakes: [
          { name: 'y − a instead of a − y', value: [-0.74693192, 0.33064048] },
          { name: 'δ³ = (a − y) ⊙ σ′(z³) (the quadratic cost\'s δ)', value: a3.map((a, j) => (a - THE_Y[j]!) * a * (1 - a)) },
        ],
      });
      expectClose(g.delta2, [0.107895450, 0.046127095], 1e-7, 'δ²', { rule: 'δ² = ((W³)ᵀδ³) ⊙ f′(z²)' });
      expectClose(g.db3, g.delta3, 1e-12, '∂C/∂b³', { rule: '∂C/∂b³ = δ³' });
      expectClose(g.db2, g.delta2, 1e-12, '∂C/∂b²', { rule: '∂C/∂b² = δ²' });
      const a2 = [sig(0.3825), sig(0.39)];
      expectClose(flat(g.dW3), [0.74693192 * a2[0]!, 0.74693192 * a2[1]!, -0.33064048 * a2[0]!, -0.33064048 * a2[1]!], 1e-7, '∂C/∂W³ (row by row)', {
        rule: '∂C/∂W³ = δ³(a²)ᵀ: entry (j, k) = δ³ⱼa²ₖ',
        mistakes: [{ name: 'a²(δ³)ᵀ, the transpose', value: [0.74693192 * a2[0]!, -0.33064048 * a2[0]!, 0.74693192 * a2[1]!, -0.33064048 * a2[1]!] }],
      });
      expectClose(flat(g.dW2), [0.10789545 * 0.05, 0.10789545 * 0.1, 0.046127095 * 0.05, 0.046127095 * 0.1], 1e-7, '∂C/∂W² (row by row)', {
        rule: '∂C/∂W² = δ²xᵀ: entry (j, k) = δ²ⱼxₖ',
        mistakes: [{ name: 'x(δ²)ᵀ, the transpose', value: [0.10789545 * 0.05, 0.046127095 * 0.05, 0.10789545 * 0.1, 0.046127095 * 0.1] }],
      });
    });

    it('∂C/∂x = W²ᵀδ² ≈ [0.025410, 0.040812], not the seed\'s "δ¹" = (W²ᵀδ²) ⊙ x(1 − x) ≈ [0.0012070, 0.0036731]: the input has no activation', () => {
      const g = backward(THE_NET, THE_X, THE_Y);
      expectClose(g.dx, [0.025409736612850613, 0.04081199117300195], 1e-9, '∂C/∂x', {
        rule: '∂C/∂x = (W²)ᵀδ²: the input has no activation, so no derivative factor',
        mistakes: [{ name: 'the homework\'s "δ¹" = ((W²)ᵀδ²) ⊙ x(1 − x)', value: [0.025409736612850613 * 0.05 * 0.95, 0.04081199117300195 * 0.1 * 0.9] }],
      });
      expectAtLeast(Math.abs(g.dx[0]! - 0.00120696), 1e-3, '|∂C/∂x₁ − 0.00120696|', {
        rule: '∂C/∂x₁ must be far from the x(1 − x) version, the mistake this part is about', strict: true,
      });
    });

    it('every gradient matches central finite differences and tf.grad on the seed\'s network and on random 3-4-2 and 5-3-4 sigmoid networks', () => {
      const tfSig = (t: tf.Tensor): tf.Tensor => tf.sigmoid(t);
      expectGradientsMatch(THE_NET, THE_X, THE_Y, sigmoid, tfSig, 'seed network');
      const rng = new Rng(10);
      for (const sizes of [[3, 4, 2], [5, 3, 4]] as [number, number, number][]) {
        const net = randomNet(sizes, rng);
        const x = Array.from(rng.normals(sizes[0]));
        const y = Array.from(rng.uniforms(sizes[2]));
        expectGradientsMatch(net, x, y, sigmoid, tfSig, `${sizes.join('-')} network`);
      }
    });

    it('rejects mismatched shapes and targets outside [0, 1] (ArgumentError)', () => {
      expect(backward(THE_NET, THE_X, THE_Y).dx.length).toBe(2);
      expect(() => backward(THE_NET, [1, 2, 3], THE_Y)).toThrow(ArgumentError);
      expect(() => backward(THE_NET, THE_X, [0.5])).toThrow(ArgumentError);
      expect(() => backward(THE_NET, THE_X, [0.5, 1.5])).toThrow(ArgumentError);
      expect(() => forward({ ...THE_NET, b2: [0.35] }, THE_X)).toThrow(ArgumentError);
    });
  });
});

// ================================================================================================

describe('part 4: softmax with cross-entropy, and networks of identity activations', () => {
  describe('softmaxCrossEntropyDelta', () => {
    it('is a − y, equal to tf.grad of tf.losses.softmaxCrossEntropy on random logits, and finite at z = 1000', () => {
      const rng = new Rng(11);
      for (const c of [3, 10]) {
        const z = Array.from(rng.normals(c, 0, 3));
        const y = new Array<number>(c).fill(0);
        y[rng.int(0, c - 1)] = 1;
        const want = tf.tidy(() =>
          Array.from(tf.grad((t: tf.Tensor) => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(tf.tensor2d([y]), t.reshape([1, c])))(tf.tensor1d(z)).dataSync()),
        );
        const e = z.map(Math.exp);
        const s = e.reduce((a, b) => a + b, 0);
        const rule = { rule: 'δ = ∂C/∂z = softmax(z) − y', mistakes: [{ name: 'y − a instead of a − y', value: e.map((v, i) => y[i]! - v / s) }] };
        expectClose(softmaxCrossEntropyDelta(z, y), want, 1e-4, `δ for ${c} classes vs tf.grad`, rule);
        expectClose(softmaxCrossEntropyDelta(z, y), e.map((v, i) => v / s - y[i]!), 1e-12, `δ for ${c} classes, against softmax(z) − y in float64`, rule);
      }
      const big = softmaxCrossEntropyDelta([1000, 0, -1000], [0, 1, 0]);
      expect(big.every(Number.isFinite), `δ at z = [1000, 0, −1000] is [${big.join(', ')}]`).toBe(true);
      expectClose(big, [1, -1, 0], 1e-12, 'δ at z = [1000, 0, −1000], y = e₂', { rule: 'softmax(z) − y, the softmax computed with max(z) subtracted so that e^z cannot overflow' });
      expect(() => softmaxCrossEntropyDelta([1, 2], [1])).toThrow(ArgumentError);
    });
  });

  describe('linearNetworkGradients', () => {
    it('with identity activations δˡ = (Wˡ⁺¹)ᵀ⋯(Wᴸ)ᵀ∇ₐC, ∂C/∂x = Mᵀ∇ₐC for the collapsed product M = Wᴸ⋯W¹, and it matches tf.grad (4-3-5-2)', () => {
      const rng = new Rng(12);
      const sizes = [4, 3, 5, 2];
      const Ws: Matrix[] = sizes.slice(1).map((r, l) => Array.from({ length: r }, () => Array.from(rng.normals(sizes[l]!))));
      const x = Array.from(rng.normals(4));
      const gOut = Array.from(rng.normals(2));
      const got = linearNetworkGradients(Ws, x, gOut);
      const matT = (W: Matrix, v: Vector): Vector => W[0]!.map((_, k) => W.reduce((s, r, j) => s + r[k]! * v[j]!, 0));
      expectClose(got.deltas[2]!, gOut, 1e-12, 'δᴸ (the last layer)', { rule: 'with identity activations δᴸ = ∇ₐC' });
      expectClose(got.deltas[1]!, matT(Ws[2]!, gOut), 1e-12, 'δ² (the middle layer)', { rule: 'δ² = (W³)ᵀδ³ = (W³)ᵀ∇ₐC' });
      expectClose(got.deltas[0]!, matT(Ws[1]!, matT(Ws[2]!, gOut)), 1e-12, 'δ¹ (the first layer)', { rule: 'δ¹ = (W²)ᵀ(W³)ᵀ∇ₐC' });
      // The collapsed network: M = W³W²W¹.
      const mul = (P: Matrix, Q: Matrix): Matrix => P.map((r) => Q[0]!.map((_, k) => r.reduce((s, v, j) => s + v * Q[j]![k]!, 0)));
      const M = mul(Ws[2]!, mul(Ws[1]!, Ws[0]!));
      expectClose(got.dx, matT(M, gOut), 1e-12, '∂C/∂x', { rule: '∂C/∂x = (W¹)ᵀδ¹ = Mᵀ∇ₐC for the collapsed product M = W³W²W¹' });
      const want = tf.tidy(() => {
        const cost = (...ts: tf.Tensor[]): tf.Scalar => {
          let a = tf.tensor2d(x, [4, 1]);
          for (const W of ts) a = tf.matMul(W, a);
          return tf.sum(tf.mul(a, tf.tensor2d(gOut, [2, 1])));
        };
        return tf.grads(cost)(Ws.map((W) => tf.tensor2d(W))).map((t) => Array.from(t.dataSync()));
      });
      got.dW.forEach((dW, l) => {
        expectClose(flat(dW), want[l]!, 1e-4, `∂C/∂W${l + 1} vs tf.grad`, { rule: '∂C/∂Wˡ = δˡ(aˡ⁻¹)ᵀ, a⁰ = x' });
      });
    });
  });
});

// ================================================================================================

describe('part 5: which cross-entropy', () => {
  describe('binaryCrossEntropy', () => {
    it('is −[y ln a + (1 − y) ln(1 − a)]: finite at the targets y = 0 and 1, where the swapped form −[a ln y + (1 − a) ln(1 − y)] is infinite', () => {
      const bce = { rule: 'C(y, a) = −[y ln a + (1 − y) ln(1 − a)]' };
      expectClose(binaryCrossEntropy(0.3, 0.8), -(0.3 * Math.log(0.8) + 0.7 * Math.log(0.2)), 1e-12, 'C(y = 0.3, a = 0.8)', {
        ...bce,
        mistakes: [{ name: 'the swapped form −[a ln y + (1 − a) ln(1 − y)]', value: -(0.8 * Math.log(0.3) + 0.2 * Math.log(0.7)) }],
      });
      expectClose(binaryCrossEntropy(0, 0.25), -Math.log(0.75), 1e-12, 'C(y = 0, a = 0.25)', bce);
      expectClose(binaryCrossEntropy(1, 0.25), -Math.log(0.25), 1e-12, 'C(y = 1, a = 0.25)', bce);
      expect(Number.isFinite(binaryCrossEntropy(0, 0.999)), 'C(y = 0, a = 0.999) must be finite (= −ln 0.001); the swapped form takes ln 0').toBe(true);
      expect(Number.isFinite(binaryCrossEntropy(1, 1e-9)), 'C(y = 1, a = 1e-9) must be finite (= −ln 1e-9); the swapped form takes ln 0').toBe(true);
      expect(() => binaryCrossEntropy(1.2, 0.5)).toThrow(ArgumentError);
      expect(() => binaryCrossEntropy(0.5, 1)).toThrow(ArgumentError);
    });
  });

  describe('crossEntropyMinimum', () => {
    it('the minimum over a is at a = y and equals the binary entropy −[y ln y + (1 − y) ln(1 − y)] (checked on a grid of 99 999 values of a)', () => {
      const C = (y: number, a: number): number => -(y * Math.log(a) + (1 - y) * Math.log(1 - a));
      for (const y of [0.2, 0.5, 0.9]) {
        const got = crossEntropyMinimum(y);
        let best = Infinity;
        let bestA = NaN;
        for (let k = 1; k < 100_000; k++) {
          const c = C(y, k / 100_000);
          if (c < best) [best, bestA] = [c, k / 100_000];
        }
        expectClose(got.a, bestA, 1e-5, `argmin at y = ${y}`, { rule: 'C(y, a) is smallest at a = y' });
        expectClose(got.value, best, 1e-8, `minimum at y = ${y}`, {
          rule: 'the minimum is the binary entropy −[y ln y + (1 − y) ln(1 − y)], not 0',
          mistakes: [{ name: 'a minimum of 0', value: 0 }],
        });
      }
      const atZero = crossEntropyMinimum(0);
      expectClose([atZero.a, atZero.value], [0, 0], 1e-12, 'minimum at y = 0 (a → 0, value 0)', { rule: 'at y = 0 the minimum is at a = 0, with 0 ln 0 taken as 0' });
      expect(() => crossEntropyMinimum(-0.1)).toThrow(ArgumentError);
    });
  });
});
