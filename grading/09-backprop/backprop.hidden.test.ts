/**
 * Hidden tests for exercise 09: the public suite's parts on other shapes, seeds, classes, batch sizes
 * and hidden activations (tanh, softplus), so that code fitted to the public numbers does not pass.
 * Never shipped to students. Every test calls the student's function first (a stub fails at once).
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
import { expectNear } from '#kit/testing';
import { columnMeans, dot, fashionPair, flat, gradientChecker, partlyTrained, projectedPopulationVariance, randomNet, referenceTable, sig, THE_NET, totalPopulationVariance, withoutReplacement } from '#kit/testing/backprop';
import { normalizedStep, signStep } from '../../exercises/09-backprop/steps.ts';
import { gradientVarianceByBatchSize, minibatchGradient, perExampleGradients, type GradientTable, type LogisticData } from '../../exercises/09-backprop/minibatch.ts';
import {
  backward,
  forward,
  linearNetworkGradients,
  sigmoid,
  softmaxCrossEntropyDelta,
  type Activation,
  type Matrix,
  type Vector,
} from '../../exercises/09-backprop/backprop.ts';
import { binaryCrossEntropy, crossEntropyMinimum } from '../../exercises/09-backprop/cross-entropy.ts';

beforeAll(async () => {
  await ready();
});

const ALPHA = 1e-6;
const ALPHA_CLT = 1e-9;
const A = ALPHA.toExponential();
const A_CLT = ALPHA_CLT.toExponential();

// ---- helpers written independently of the student's code ----------------------------------------

const expectClose = expectNear;


const tanh: Activation = { name: 'tanh', f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2 };
const softplus: Activation = { name: 'softplus', f: (z) => Math.log1p(Math.exp(z)), df: sig };
const tfTanh = (t: tf.Tensor): tf.Tensor => tf.tanh(t);
const tfSoftplus = (t: tf.Tensor): tf.Tensor => tf.softplus(t);
const tfSig = (t: tf.Tensor): tf.Tensor => tf.sigmoid(t);

const expectGradientsMatch = gradientChecker(backward);

// ================================================================================================

describe('part 1: the geometry of a step — normalizedStep and signStep', () => {
  it('normalizedStep: length ε and direction −∇C in 50 dimensions, for tiny and huge gradients and a gradient along one axis', () => {
    const rng = new Rng(101);
    for (const [eps, scale] of [[0.03, 1e-6], [1.7, 1e6]] as const) {
      const v = rng.normals(50, 2, 3);
      const g = rng.normals(50, 0, scale);
      const out = normalizedStep(v, g, eps);
      expect(Object.getPrototypeOf(out)).toBe(Float64Array.prototype);
      const step = Array.from(out, (o, i) => o - v[i]!);
      const len = Math.hypot(...step);
      expectClose(len, eps, 1e-9, `step length for ε = ${eps}`);
      expectClose(dot(step, g) / (len * Math.hypot(...g)), -1, 1e-9, 'cosine between the step and the gradient');
    }
    expectClose(normalizedStep([0, 0, 0, 0], [0, -7, 0, 0], 0.2), [0, 0.2, 0, 0], 1e-12, 'a step along one axis');
    expectClose(normalizedStep([5], [0], 0.2), [5], 0, 'no move at a zero gradient (1-D)');
    expect(() => normalizedStep([1, 2], [1, 2], Number.NaN)).toThrow(ArgumentError);
  });

  it('signStep on C(v) = |v + 2| from v = −0.33 with ε = 0.3 walks left to the kink and zig-zags around it', () => {
    let v = -0.33;
    const path = [v];
    for (let t = 0; t < 15; t++) {
      v = signStep(v, Math.sign(v + 2), 0.3);
      path.push(v);
    }
    expectClose(path[5]!, -1.83, 1e-9, 'v after 5 steps');
    for (let t = 6; t <= 15; t++) expectClose(path[t]!, t % 2 === 0 ? -2.13 : -1.83, 1e-9, `v after ${t} steps`);
    expect(signStep(0.5, -1e-12, 3)).toBeCloseTo(3.5, 12);
    expect(() => signStep(0.5, 1, -3)).toThrow(ArgumentError);
  });
});

// ================================================================================================

describe('part 2: mini-batch gradient noise', () => {
  const data = fashionPair(2, 4, 60, 10); // pullover vs coat, 120 examples
  const params = partlyTrained(data, 10, 2);
  const table = referenceTable(data, params.w, params.b);
  const full = columnMeans(table);

  describe('perExampleGradients', () => {
    it('matches (σ(w·xᵢ + b) − yᵢ)·(xᵢ, 1) on pullover vs coat, and on a hand-made 3-example, 2-feature set', () => {
      const t = perExampleGradients(data, params);
      expect(Object.getPrototypeOf(t.values)).toBe(Float64Array.prototype);
      expectClose(t.values, table.values, 1e-9, 'per-example gradients');
      const small: LogisticData = { x: Float64Array.from([1, 2, -1, 0, 0.5, 0.5]), y: Float64Array.from([1, 0, 0.3]), n: 3, d: 2 };
      const w = Float64Array.from([0.4, -0.2]);
      const s = perExampleGradients(small, { w, b: 0.1 });
      expect([s.n, s.p]).toEqual([3, 3]);
      expectClose(s.values, referenceTable(small, w, 0.1).values, 1e-12, 'hand-made set');
      expect(() => perExampleGradients({ ...small, y: Float64Array.from([1, 0, -0.5]) }, { w, b: 0 })).toThrow(ArgumentError);
    });
  });

  describe('minibatchGradient', () => {
    it('m = n gives the full gradient; batches of an identity table of 17 rows hold m distinct rows', () => {
      expectClose(minibatchGradient(table, table.n, new Rng(102)), full, 1e-12, 'minibatchGradient with m = n');
      const n = 17;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const rng = new Rng(103);
      for (const m of [2, 16, 17]) {
        const g = minibatchGradient(eye, m, rng);
        const picked = Array.from(g).filter((v) => v !== 0);
        expect(picked.length, `distinct rows in a batch of ${m}`).toBe(m);
        for (const v of picked) expectClose(v, 1 / m, 1e-12, 'weight of a row in the batch (1/m)');
      }
    });

    it(`every row is equally likely: 4000 batches of m = 3 from n = 17 (binomial intervals, α = ${A} in all)`, () => {
      const n = 17;
      const m = 3;
      const K = 4000;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const counts = new Float64Array(n);
      const rng = new Rng(104);
      for (let k = 0; k < K; k++) {
        const g = minibatchGradient(eye, m, rng);
        for (let i = 0; i < n; i++) if (g[i]! > 0) counts[i]!++;
      }
      const iv = binomialInterval(K, m / n, ALPHA / n);
      for (let i = 0; i < n; i++) expectWithin(counts[i]!, iv, `batches that contain row ${i}`, ALPHA / n);
    });

    it(`unbiased, with variance σ²/m·(n − m)/(n − 1) along ∇C and along the bias axis (6000 batches, m = 40 of n = 120; CLT, α = ${A_CLT} each)`, () => {
      const m = 40;
      const K = 6000;
      const rng = new Rng(105);
      const draws = Array.from({ length: K }, () => minibatchGradient(table, m, rng));
      const axes = [full.map((g) => g / Math.hypot(...full)), Float64Array.from({ length: table.p }, (_, c) => (c === table.p - 1 ? 1 : 0))];
      for (const [k, u] of axes.entries()) {
        const s = Float64Array.from(draws, (g) => dot(u, g));
        expectWithin(mean(s), cltMeanInterval(s, dot(u, full), ALPHA_CLT), `mean along axis ${k}`, ALPHA_CLT);
        const sigma2 = projectedPopulationVariance(table, u);
        const iv = cltVarianceInterval(s, withoutReplacement(sigma2, table.n, m), ALPHA_CLT);
        expectWithin(variance(s), iv, `variance along axis ${k}`, ALPHA_CLT);
        expect(contains(iv, sigma2 / m), 'the with-replacement variance σ²/m must lie outside the interval').toBe(false);
      }
    });

    it(`consecutive batches of m = 2 and m = 4 from n = 12 are independent draws: a row is in both with probability (2/12)·(4/12) (3000 pairs; binomial intervals, α = ${A} in all)`, () => {
      const n = 12;
      const K = 3000;
      const eye: GradientTable = { values: new Float64Array(n * n), n, p: n };
      for (let i = 0; i < n; i++) eye.values[i * n + i] = 1;
      const both = new Float64Array(n);
      const rng = new Rng(113);
      for (let k = 0; k < K; k++) {
        const a = minibatchGradient(eye, 2, rng);
        const b = minibatchGradient(eye, 4, rng);
        for (let i = 0; i < n; i++) if (a[i]! > 0 && b[i]! > 0) both[i]!++;
      }
      const iv = binomialInterval(K, (2 / n) * (4 / n), ALPHA / n);
      for (let i = 0; i < n; i++) expectWithin(both[i]!, iv, `pairs of consecutive batches that both contain row ${i} (every call draws afresh)`, ALPHA / n);
    });
  });

  describe('gradientVarianceByBatchSize', () => {
    it(`follows σ²/m·(n − m)/(n − 1) at m = 2, 30, 90 and is 0 at m = n = 120 (α = ${A_CLT} in all)`, () => {
      const sizes = [2, 30, 90, 120];
      const trials = 1500;
      const got = gradientVarianceByBatchSize(table, sizes, trials, new Rng(106));
      expect(Object.getPrototypeOf(got)).toBe(Float64Array.prototype);
      expect(got.length).toBe(sizes.length);
      const sigma2 = totalPopulationVariance(table);
      const rng = new Rng(107);
      sizes.forEach((m, k) => {
        const right = withoutReplacement(sigma2, table.n, m);
        if (m === table.n) {
          expect(got[k]!).toBeLessThan(1e-20);
          return;
        }
        const ref = Float64Array.from({ length: 2000 }, () => {
          const perm = rng.permutation(table.n).subarray(0, m);
          const g = new Float64Array(table.p);
          for (const i of perm) for (let c = 0; c < table.p; c++) g[c]! += table.values[i * table.p + c]! / m;
          return g.reduce((s, v, c) => s + (v - full[c]!) ** 2, 0);
        });
        const half = (6.109 * 1.2 * Math.sqrt(variance(ref))) / Math.sqrt(trials);
        expectWithin(got[k]!, { lo: right - half, hi: right + half }, `mean ‖ĝ − ∇C‖² at m = ${m} (expected ${right})`, ALPHA_CLT / 4);
      });
      expect(() => gradientVarianceByBatchSize(table, [30], 0, new Rng(1))).toThrow(ArgumentError);
    });

    it('draws its batches from the rng it is given: the same seed gives the same estimates, other seeds other ones at every size', () => {
      const run = (seed: number): number[] => Array.from(gradientVarianceByBatchSize(table, [5, 20, 60], 4, new Rng(seed)));
      const first = run(116);
      expect(run(116), 'the same seed again').toEqual(first);
      const other = run(117);
      first.forEach((v, k) => { expect(other[k], `size ${[5, 20, 60][k]!}: another seed gives another estimate`).not.toBe(v); });
    });

    it('the mean over the trials of ‖ĝ − ∇C‖², exactly, on two rows (1, 1, 1) ± (1, 2, 2)', () => {
      // Rows (2, 3, 3) and (0, −1, −1): ∇C = (1, 1, 1), each row is 1² + 2² + 2² = 9 away from it, and m = 2
      // is the whole set (0 away): the answer is exact whatever is drawn.
      const t: GradientTable = { values: Float64Array.from([2, 3, 3, 0, -1, -1]), n: 2, p: 3 };
      const got = gradientVarianceByBatchSize(t, [1, 1, 2, 1], 4, new Rng(114));
      expect(Object.getPrototypeOf(got)).toBe(Float64Array.prototype);
      expectClose(got, [9, 9, 0, 9], 1e-12, 'gradientVarianceByBatchSize on ±(1, 2, 2) around (1, 1, 1), sizes [1, 1, 2, 1], 4 trials');
      expectClose(gradientVarianceByBatchSize(t, [2, 1], 1, new Rng(115)), [0, 9], 1e-12, 'one trial each at m = 2 and m = 1');
    });
  });
});

// ================================================================================================

describe('part 3: back-propagation by hand', () => {
  describe('forward', () => {
    it('a 6-5-3 network with a softplus hidden layer, and the seed network at another input', () => {
      const net = randomNet([6, 5, 3], new Rng(108), 0.7);
      const x = Array.from(new Rng(109).normals(6));
      const f = forward(net, x, softplus);
      const z2 = net.W2.map((r, j) => r.reduce((s, w, k) => s + w * x[k]!, net.b2[j]!));
      const a2 = z2.map(softplus.f);
      const z3 = net.W3.map((r, j) => r.reduce((s, w, k) => s + w * a2[k]!, net.b3[j]!));
      expectClose(f.z2, z2, 1e-12, 'z²');
      expectClose(f.a2, a2, 1e-12, 'a²');
      expectClose(f.z3, z3, 1e-12, 'z³');
      expectClose(f.a3, z3.map(sig), 1e-12, 'a³');
      const g = forward(THE_NET, [1, -1]);
      const h = [sig(0.15 - 0.25 + 0.35), sig(0.2 - 0.3 + 0.35)];
      expectClose(g.a3, [sig(0.4 * h[0]! + 0.5 * h[1]! + 0.6), sig(-0.45 * h[0]! + 0.55 * h[1]! + 0.6)], 1e-12, 'a³ at x = [1, −1]');
    });
  });

  describe('backward', () => {
    it('matches finite differences and tf.grad with tanh and softplus hidden layers on 4-6-3, 7-2-5 and 1-1-1 networks', () => {
      const rng = new Rng(110);
      for (const [sizes, act, tfAct] of [
        [[4, 6, 3], tanh, tfTanh],
        [[7, 2, 5], softplus, tfSoftplus],
        [[1, 1, 1], tanh, tfTanh],
        [[3, 3, 3], sigmoid, tfSig],
      ] as [[number, number, number], Activation, (t: tf.Tensor) => tf.Tensor][]) {
        const net = randomNet(sizes, rng, 0.8);
        const x = Array.from(rng.normals(sizes[0]));
        const y = Array.from(rng.uniforms(sizes[2])).map((v, i) => (i === 0 ? 1 : v));
        expectGradientsMatch(net, x, y, act, tfAct, `${sizes.join('-')} ${act.name} network`);
      }
    });

    it('δ³ = a³ − y and ∂C/∂x = W²ᵀδ² (no x(1 − x) factor) on the seed network at another example', () => {
      const x = [0.9, 0.4];
      const y = [1, 0];
      const g = backward(THE_NET, x, y);
      const f = forward(THE_NET, x);
      expectClose(g.delta3, f.a3.map((a, k) => a - y[k]!), 1e-12, 'δ³ = a³ − y');
      const d2 = [0, 1].map((j) => (THE_NET.W3[0]![j]! * g.delta3[0]! + THE_NET.W3[1]![j]! * g.delta3[1]!) * f.a2[j]! * (1 - f.a2[j]!));
      expectClose(g.delta2, d2, 1e-12, 'δ² = (W³ᵀδ³) ⊙ σ′(z²)');
      const dx = [0, 1].map((k) => THE_NET.W2[0]![k]! * d2[0]! + THE_NET.W2[1]![k]! * d2[1]!);
      expectClose(g.dx, dx, 1e-12, '∂C/∂x = W²ᵀδ²');
      expect(Math.abs(g.dx[0]! - dx[0]! * 0.9 * 0.1)).toBeGreaterThan(1e-3);
    });
  });
});

// ================================================================================================

describe('part 4: softmax with cross-entropy, and networks of identity activations', () => {
  describe('softmaxCrossEntropyDelta', () => {
    it('a − y against tf.grad for 5 and 20 classes with soft targets, and finite for all-large and all-small logits', () => {
      const rng = new Rng(111);
      for (const c of [5, 20]) {
        const z = Array.from(rng.normals(c, 1, 5));
        const raw = Array.from(rng.uniforms(c));
        const total = raw.reduce((a, b) => a + b, 0);
        const y = raw.map((v) => v / total);
        const want = tf.tidy(() =>
          Array.from(tf.grad((t: tf.Tensor) => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(tf.tensor2d([y]), t.reshape([1, c])))(tf.tensor1d(z)).dataSync()),
        );
        expectClose(softmaxCrossEntropyDelta(z, y), want, 1e-4, `δ for ${c} classes vs tf.grad`);
      }
      expectClose(softmaxCrossEntropyDelta([1000, 1000, 1000, 1000], [0, 0, 1, 0]), [0.25, 0.25, -0.75, 0.25], 1e-12, 'z = 1000 everywhere');
      expectClose(softmaxCrossEntropyDelta([-1000, -1001], [1, 0]), [sig(1) - 1, 1 - sig(1)], 1e-12, 'z = [−1000, −1001]');
    });
  });

  describe('linearNetworkGradients', () => {
    it('back-propagation equals the product form on a 6-2-4 network and on a single layer, and matches tf.grad', () => {
      const rng = new Rng(112);
      const matT = (W: Matrix, v: Vector): Vector => W[0]!.map((_, k) => W.reduce((s, r, j) => s + r[k]! * v[j]!, 0));
      const single = [[1, 2, 3], [4, 5, 6]];
      const one = linearNetworkGradients([single], [1, 0, -1], [2, -1]);
      expectClose(one.deltas[0]!, [2, -1], 1e-12, 'δ of a single layer');
      expectClose(one.dx, matT(single, [2, -1]), 1e-12, '∂C/∂x of a single layer');
      expectClose(flat(one.dW[0]!), [2, 0, -2, -1, 0, 1], 1e-12, '∂C/∂W of a single layer = δxᵀ');
      const sizes = [6, 2, 4];
      const Ws: Matrix[] = sizes.slice(1).map((r, l) => Array.from({ length: r }, () => Array.from(rng.normals(sizes[l]!))));
      const x = Array.from(rng.normals(6));
      const gOut = Array.from(rng.normals(4));
      const got = linearNetworkGradients(Ws, x, gOut);
      expectClose(got.deltas[0]!, matT(Ws[1]!, gOut), 1e-12, 'δ¹ = (W²)ᵀ∇ₐC');
      expectClose(got.dx, matT(Ws[0]!, matT(Ws[1]!, gOut)), 1e-12, '∂C/∂x');
      const want = tf.tidy(() => {
        const cost = (...ts: tf.Tensor[]): tf.Scalar => {
          let a = tf.tensor2d(x, [6, 1]);
          for (const W of ts) a = tf.matMul(W, a);
          return tf.sum(tf.mul(a, tf.tensor2d(gOut, [4, 1])));
        };
        return tf.grads(cost)(Ws.map((W) => tf.tensor2d(W))).map((t) => Array.from(t.dataSync()));
      });
      got.dW.forEach((dW, l) => { expectClose(flat(dW), want[l]!, 1e-4, `∂C/∂W${l + 1} vs tf.grad`); });
      expect(() => linearNetworkGradients(Ws, x, [1, 2])).toThrow(ArgumentError);
    });
  });
});

// ================================================================================================

describe('part 5: which cross-entropy', () => {
  describe('binaryCrossEntropy', () => {
    it('the form −[y ln a + (1 − y) ln(1 − a)] at other points, finite at y ∈ {0, 1} near a ∈ {0, 1}', () => {
      for (const [y, a] of [[0.05, 0.6], [0.7, 0.01], [1, 0.999], [0, 1e-6]] as const) {
        const want = -((y === 0 ? 0 : y * Math.log(a)) + (y === 1 ? 0 : (1 - y) * Math.log(1 - a)));
        expectClose(binaryCrossEntropy(y, a), want, 1e-12, `C(y = ${y}, a = ${a})`);
      }
      expect(() => binaryCrossEntropy(0.5, 0)).toThrow(ArgumentError);
    });
  });

  describe('crossEntropyMinimum', () => {
    it('a = y and the binary entropy at y = 0.05, 0.37, 0.999 and 1', () => {
      for (const y of [0.05, 0.37, 0.999]) {
        const got = crossEntropyMinimum(y);
        expectClose(got.a, y, 1e-12, `argmin at y = ${y}`);
        expectClose(got.value, -(y * Math.log(y) + (1 - y) * Math.log(1 - y)), 1e-12, `minimum at y = ${y}`);
        const nearby = Math.min(0.9999, y + 0.01);
        expect(got.value).toBeLessThan(-(y * Math.log(nearby) + (1 - y) * Math.log(1 - nearby)));
      }
      const atOne = crossEntropyMinimum(1);
      expectClose([atOne.a, atOne.value], [1, 0], 1e-12, 'minimum at y = 1');
    });
  });
});
