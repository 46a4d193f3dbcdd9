/**
 * Hidden tests for exercise 01: the same parts as the public suite, on other sizes, seeds, densities
 * and configurations, so that code fitted to the public tests' inputs does not pass. Never shipped to
 * students. Each test calls the student's function first (a stub fails at once).
 *
 * False-failure rates, as in the public suite: exact intervals (χ², normal, Chernoff) at α = 1e-6;
 * central-limit intervals at a nominal 1e-9 (real rate < 1e-7, see the public suite's header);
 * deterministic checks with tolerances far above rounding and quadrature error.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import {
  chernoffInterval,
  cltMeanInterval,
  contains,
  expectMeanWithin,
  expectVarianceWithin,
  expectWithin,
  integrate,
  jStat,
  type Interval,
  varianceInterval,
} from '#kit/stats';
import { expectClose } from '#kit/testing';
import {
  conditionalDensity,
  type Density,
  expectedPreactivation,
  expectedReluSquare,
  productVariance,
  simulatePreactivations,
  symmetryGap,
  varianceByDefinition,
  varianceFromPositiveHalf,
  weightInputVariance,
  type VectorSampler,
} from '../../exercises/01-he-init/he-init.ts';
import { activationMeanSquares, heNormal } from '../../exercises/01-he-init/relu-network.ts';

const ALPHA = 1e-6;
const ALPHA_CLT = 1e-9;
const QUAD_TOL = 1e-8;

/** The value must be a plain number (not an object pretending to compare equal), then close to `expected` (#kit/testing checks both). */
const expectNumberClose = expectClose;

/** A copy as a plain Float64Array, after checking it is one (subclasses are refused). */
function plainFloat64(x: unknown, what: string): Float64Array {
  expect(Object.getPrototypeOf(x), `${what} must be a Float64Array`).toBe(Float64Array.prototype);
  return Float64Array.from(x as Float64Array);
}

const gaussian = (sigma: number, mu = 0): Density => (z) => jStat.normal.pdf(z, mu, sigma);
const laplace = (b: number, mu = 0): Density => (z) => jStat.laplace.pdf(z, mu, b);
const uniformOn = (a: number, b: number): Density => (z) => jStat.uniform.pdf(z, a, b);
/** Gamma(shape k, scale θ): mean kθ, variance kθ². */
const gamma = (k: number, theta: number): Density => (z) =>
  z <= 0 ? 0 : Math.exp((k - 1) * Math.log(z) - z / theta - jStat.gammaln(k) - k * Math.log(theta));
const Phi = (x: number): number => jStat.normal.cdf(x, 0, 1);
const phi = (x: number): number => jStat.normal.pdf(x, 0, 1);
/** ∫₀^∞ z² N(z; μ, σ²) dz = (μ² + σ²)Φ(μ/σ) + μσφ(μ/σ). */
const gaussianPositiveSecondMoment = (mu: number, sigma: number): number =>
  (mu * mu + sigma * sigma) * Phi(mu / sigma) + mu * sigma * phi(mu / sigma);

// ================================================================================================

describe('part 1: hidden checks — simulatePreactivations', () => {
  it('passes the rng to both samplers, draws weights then inputs once per trial, and sums (not averages) the products', () => {
    const rng = new Rng(7);
    const seen: unknown[] = [];
    const calls: string[] = [];
    let t = 0;
    const weights: VectorSampler = (len, r) => {
      seen.push(r);
      calls.push(`w${len}`);
      t++;
      return Float64Array.from({ length: len }, (_, j) => (j % 2 === 0 ? t : -t));
    };
    const inputs: VectorSampler = (len, r) => {
      seen.push(r);
      calls.push(`x${len}`);
      return Float64Array.from({ length: len }, (_, j) => 3 - j);
    };
    const z = plainFloat64(simulatePreactivations(5, 4, weights, inputs, rng), 'the result');
    // Weights (t, −t, t, −t, t) and inputs (3, 2, 1, 0, −1): z_t = t·(3 − 2 + 1 − 0 − 1) = t.
    expect(Array.from(z)).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual(['w5', 'x5', 'w5', 'x5', 'w5', 'x5', 'w5', 'x5']);
    expect(seen.every((r) => r === rng)).toBe(true);
  });

  it(`with inputs that are not zero-mean, x ~ U[1, 3], Var[z] = n·Var[w]·E[x²] = 13/3 (CLT interval for E[z²], α = 1e-9), not n·Var[w]·Var[x] = 1/3`, () => {
    const n = 20;
    const weights: VectorSampler = (len, rng) => rng.normals(len, 0, Math.sqrt(1 / n));
    const inputs: VectorSampler = (len, rng) => rng.uniforms(len, 1, 3);
    const z = plainFloat64(simulatePreactivations(n, 20_000, weights, inputs, new Rng(101)), 'the result');
    const zz = z.map((v) => v * v);
    const target = 13 / 3;
    expectMeanWithin(zz, target, { alpha: ALPHA_CLT, what: 'mean of z² (estimates Var[z])' });
    expect(contains(cltMeanInterval(zz, target, ALPHA_CLT), 1 / 3)).toBe(false);
    expect(() => simulatePreactivations(3, -1, weights, inputs, new Rng(1))).toThrow(ArgumentError);
  });
});

// ================================================================================================

describe('part 2: hidden checks', () => {
  describe('productVariance and weightInputVariance', () => {
    it('productVariance equals E[A²]E[B²] − E[A]²E[B]² on moments the public tests do not use', () => {
      const cases: Array<[number, number, number, number]> = [
        [0.25, -1.5, 4, 0.5],
        [3, 0, 0.1, -2],
        [0, 7, 2, 3],
        [1.5, 2.5, 0, 0],
      ];
      for (const [va, ma, vb, mb] of cases) {
        const expected = (va + ma * ma) * (vb + mb * mb) - ma * ma * mb * mb;
        expectNumberClose(productVariance(va, ma, vb, mb), expected, 1e-12, `productVariance(${va}, ${ma}, ${vb}, ${mb})`);
      }
      expect(() => productVariance(1, Number.NaN, 1, 0)).toThrow(ArgumentError);
    });

    it('weightInputVariance is Var[w]·(Var[x] + E[x]²) on other moments, and Var[w]·Var[x] only when E[x] = 0', () => {
      expectNumberClose(weightInputVariance(0.5, 2, 3), 0.5 * 7, 1e-12, 'weightInputVariance(0.5, 2, 3)');
      expectNumberClose(weightInputVariance(0.04, -0.5, 0.75), 0.04 * 1, 1e-12, 'weightInputVariance(0.04, −0.5, 0.75)');
      expectNumberClose(weightInputVariance(2, 0, 0.3), 0.6, 1e-12, 'weightInputVariance(2, 0, 0.3)');
      expect(() => weightInputVariance(-1, 0, 1)).toThrow(ArgumentError);
    });
  });

  describe('heNormal', () => {
    it('a 400 × 50 layer (fan-in 50): shape, seeded reproducibility, and entries with variance 2/50 (χ² interval, α = 1e-6) that reject 2/n_out, 1/n_in and 2/n_in used as the std', () => {
      const nIn = 50;
      const nOut = 400;
      const w = heNormal(nIn, nOut, new Rng(211));
      expect(w.rows).toBe(nOut);
      expect(w.cols).toBe(nIn);
      const data = plainFloat64(w.data, 'heNormal(...).data');
      expect(data.length).toBe(nIn * nOut);
      expect(Array.from(heNormal(nIn, nOut, new Rng(211)).data)).toEqual(Array.from(data));
      const he = 2 / nIn;
      expectMeanWithin(data, 0, { alpha: ALPHA, sigma: Math.sqrt(he), what: 'mean of the entries' });
      expectVarianceWithin(data, he, { alpha: ALPHA, mean: 0, what: 'variance of the entries' });
      const iv = varianceInterval(data.length, he, ALPHA, { meanKnown: true });
      for (const wrong of [2 / nOut, 1 / nIn, he * he]) expect(contains(iv, wrong)).toBe(false);
    });
  });

  describe('activationMeanSquares', () => {
    // A smaller network than the public one: 16 layers of width 128, batch 8. The bounds follow the
    // public suite's derivation: each layer multiplies an example's squared norm by σ²·χ²_K with
    // K ~ Binomial(width, 1/2); Chernoff on the sum of the logs, with K restricted to ≥ width/8 and
    // the probability of a smaller K added to the failure rate.
    const depth = 16;
    const width = 128;
    const batch = 8;
    const kMin = width / 8;
    const logBinom = (k: number): number =>
      jStat.gammaln(width + 1) - jStat.gammaln(k + 1) - jStat.gammaln(width - k + 1) - width * Math.LN2;
    const logSumExp = (xs: number[]): number => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
    };
    const small: number[] = [];
    for (let k = 0; k < kMin; k++) small.push(logBinom(k));
    const pSmallK = batch * depth * Math.exp(logSumExp(small));
    const alpha = ALPHA - pSmallK;
    const bound = (sigma2: number): Interval => {
      const cache = new Map<number, number>();
      const layer = (t: number): number => {
        let v = cache.get(t);
        if (v === undefined) {
          const terms: number[] = [];
          for (let k = kMin; k <= width; k++) terms.push(logBinom(k) + jStat.gammaln(k / 2 + t) - jStat.gammaln(k / 2));
          v = t * Math.log(2 * sigma2) + logSumExp(terms);
          cache.set(t, v);
        }
        return v;
      };
      const iv = chernoffInterval((t) => depth * layer(t), alpha, { upper: [1, 200], lower: [1e-3, kMin / 2 - 0.5] });
      return { lo: Math.exp(iv.lo), hi: Math.exp(iv.hi) };
    };
    const he = bound(2 / width);
    const lecun = bound(1 / width);
    const standard = bound(1);

    it(`m[16]/m[0] lies in the Chernoff interval of each scheme (α ≤ 1e-6 each): He [${he.lo.toPrecision(2)}, ${he.hi.toPrecision(2)}], LeCun [${lecun.lo.toPrecision(2)}, ${lecun.hi.toPrecision(2)}], N(0, 1) [${standard.lo.toPrecision(2)}, ${standard.hi.toPrecision(2)}]; He and LeCun cannot be confused`, () => {
      const m = {
        he: plainFloat64(activationMeanSquares(depth, width, batch, 'he', new Rng(301)), 'the result'),
        lecun: plainFloat64(activationMeanSquares(depth, width, batch, 'lecun', new Rng(302)), 'the result'),
        standard: plainFloat64(activationMeanSquares(depth, width, batch, 'standard', new Rng(303)), 'the result'),
      };
      expect(m.he.length).toBe(depth + 1);
      expectWithin(m.he[depth]! / m.he[0]!, he, 'He: m[16]/m[0]', alpha);
      expectWithin(m.lecun[depth]! / m.lecun[0]!, lecun, 'LeCun: m[16]/m[0]', alpha);
      expectWithin(m.standard[depth]! / m.standard[0]!, standard, 'N(0, 1): m[16]/m[0]', alpha);
      // Power: the ranges are disjoint, and a network without the ReLU (×2 per layer for He, 2^16 in all) is far above He's.
      expect(lecun.hi).toBeLessThan(he.lo);
      expect(he.hi).toBeLessThan(2 ** depth / 100);
    });

    it('with width 3, batch 5 and 4 layers: 5 mean squares, all finite and ≥ 0, the first one that of the 15 inputs (reproducible from the seed)', () => {
      const a = plainFloat64(activationMeanSquares(4, 3, 5, 'standard', new Rng(305)), 'the result');
      const b = plainFloat64(activationMeanSquares(4, 3, 5, 'standard', new Rng(305)), 'the result');
      expect(a.length).toBe(5);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(a[0]).toBeGreaterThan(0);
    });
  });
});

// ================================================================================================

describe('part 3a: hidden checks — expectedPreactivation', () => {
  it('is n·E[w]·E[x] for other sizes and signs, and 0 exactly when a mean is 0', () => {
    expectNumberClose(expectedPreactivation(7, 0.3, -2), -4.2, 1e-12, 'expectedPreactivation(7, 0.3, −2)');
    expectNumberClose(expectedPreactivation(12, -0.25, 0.5), -1.5, 1e-12, 'expectedPreactivation(12, −0.25, 0.5)');
    expectNumberClose(expectedPreactivation(1, 4, 0.125), 0.5, 1e-12, 'expectedPreactivation(1, 4, 0.125)');
    expectNumberClose(expectedPreactivation(1000, 0, 123.4), 0, 1e-12, 'expectedPreactivation(1000, 0, 123.4)');
    expect(() => expectedPreactivation(3, Number.POSITIVE_INFINITY, 1)).toThrow(ArgumentError);
  });
});

// ================================================================================================

describe('part 3b: hidden checks — conditionalDensity', () => {
  it('for Laplace(0, 0.6) weights and x = −3 or 0.2 it is the Laplace(0, 0.6·|x|) density, pointwise and integrating to 1', () => {
    const f = laplace(0.6);
    for (const x of [-3, 0.2]) {
      for (const z of [-2.5, -0.1, 0, 0.05, 1.7, 4]) {
        expectNumberClose(conditionalDensity(z, x, f), jStat.laplace.pdf(z, 0, 0.6 * Math.abs(x)), 1e-12, `conditionalDensity(${z}, ${x})`);
      }
      expectNumberClose(integrate((z) => conditionalDensity(z, x, f), -Infinity, Infinity), 1, QUAD_TOL, `∫ density dz, x = ${x}`);
    }
  });

  it('for asymmetric weights, Exponential(1), and x = −0.5 the density lives on z ≤ 0 (a negative x mirrors it)', () => {
    const f: Density = (w) => (w < 0 ? 0 : Math.exp(-w));
    expectNumberClose(conditionalDensity(-1, -0.5, f), 2 * Math.exp(-2), 1e-12, 'conditionalDensity(−1, −0.5)');
    expectNumberClose(conditionalDensity(1, -0.5, f), 0, 1e-12, 'conditionalDensity(1, −0.5)');
  });
});

// ================================================================================================

describe('part 3c: hidden checks — symmetryGap', () => {
  it('on a coarse grid (points = 5, zMax = 2) it is max |f(z_k) − f(−z_k)| with the absolute value, also when f is heavier on the left', () => {
    // Mass only on the left: f(z) − f(−z) = −e^{−z} < 0 for z > 0, so the gap needs the absolute value.
    const left: Density = (z) => (z <= 0 ? Math.exp(z) : 0);
    expectNumberClose(symmetryGap(left, 2, 5), Math.exp(-0.5), 1e-14, 'symmetryGap(left, 2, 5)');
    const skew: Density = (z) => jStat.normal.pdf(z, 0.4, 1);
    let g = 0;
    for (let k = 0; k < 5; k++) g = Math.max(g, Math.abs(skew(k / 2) - skew(-k / 2)));
    expectNumberClose(symmetryGap(skew, 2, 5), g, 1e-14, 'symmetryGap(N(0.4, 1), 2, 5)');
    expectNumberClose(symmetryGap(laplace(2), 3), 0, 1e-15, 'symmetryGap(Laplace(0, 2), 3)');
    // Symmetric on [−2, 2], lopsided only beyond: the grid ends at zMax, so the gap is 0 (a point past zMax sees 0.3).
    const beyond: Density = (z) => jStat.normal.pdf(z, 0, 1) + (z > 2 ? 0.3 : 0);
    expectNumberClose(symmetryGap(beyond, 2, 5), 0, 1e-15, 'symmetryGap(f lopsided beyond zMax = 2, 2, 5): the grid is z_k = k·zMax/(points − 1), k < points');
  });
});

// ================================================================================================

describe('bonus 3d: hidden checks', () => {
  it(`varianceByDefinition: Gamma(3, 0.5) → 0.75 (E[z²] would be 3), N(−1.2, 0.4²) → 0.16, U[1, 4] → 0.75 (quadrature tolerance ${QUAD_TOL})`, () => {
    expectNumberClose(varianceByDefinition(gamma(3, 0.5)), 0.75, QUAD_TOL, 'Var of Gamma(3, 0.5)');
    expectNumberClose(varianceByDefinition(gaussian(0.4, -1.2)), 0.16, QUAD_TOL, 'Var of N(−1.2, 0.4²)');
    expectNumberClose(varianceByDefinition(uniformOn(1, 4)), 0.75, QUAD_TOL, 'Var of U[1, 4]');
  });

  it(`varianceFromPositiveHalf: the variance for Laplace(0, 0.7) (0.98) and U[−3, 3] (3), and 2[(μ²+σ²)Φ(μ/σ) + μσφ(μ/σ)] for N(−0.5, 0.8²), which is not its variance (quadrature tolerance ${QUAD_TOL})`, () => {
    expectNumberClose(varianceFromPositiveHalf(laplace(0.7)), 0.98, QUAD_TOL, 'half-line variance of Laplace(0, 0.7)');
    expectNumberClose(varianceFromPositiveHalf(uniformOn(-3, 3)), 3, QUAD_TOL, 'half-line variance of U[−3, 3]');
    const expected = 2 * gaussianPositiveSecondMoment(-0.5, 0.8);
    expectNumberClose(varianceFromPositiveHalf(gaussian(0.8, -0.5)), expected, QUAD_TOL, 'half-line formula for N(−0.5, 0.8²)');
    expect(Math.abs(expected - 0.64)).toBeGreaterThan(0.1);
  });
});

// ================================================================================================

describe('bonus 3e: hidden checks — expectedReluSquare', () => {
  it(`is ∫₀^∞ z² f(z) dz: N(−0.7, 1.5²) → (μ²+σ²)Φ(μ/σ) + μσφ(μ/σ), U[−1, 3] → 2.25 (not Var/2 = 2/3 nor E[z²]/2 = 7/6), Laplace(0, 0.9) → 0.81 (quadrature tolerance ${QUAD_TOL})`, () => {
    expectNumberClose(expectedReluSquare(gaussian(1.5, -0.7)), gaussianPositiveSecondMoment(-0.7, 1.5), QUAD_TOL, 'z ~ N(−0.7, 1.5²)');
    expectNumberClose(expectedReluSquare(uniformOn(-1, 3)), 2.25, QUAD_TOL, 'z ~ U[−1, 3]');
    expectNumberClose(expectedReluSquare(laplace(0.9)), 0.81, QUAD_TOL, 'z ~ Laplace(0, 0.9)');
  });
});
