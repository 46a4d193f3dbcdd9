/**
 * Tests for exercise 01 (deriving He initialisation). Groups follow the homework's parts and points.
 *
 * Random checks are intervals with a stated false-failure rate: the probability that a CORRECT
 * implementation, drawing its random numbers in any valid order, fails the check. Every such rate
 * here is ≤ 1e-6:
 * - exact intervals (normal means, χ² variances, the DKW band, Chernoff bounds) use α = 1e-6;
 * - central-limit intervals (for means and variances of products and squares, which are not normal)
 *   use a nominal α = 1e-9. That far in the tail the normal approximation is only right up to a
 *   factor (the first Edgeworth term, skewness·z³/(6√n), is about 1–2 for the skewness ≈ 3 and
 *   n ≥ 20 000 used here), so the nominal level is set 1000 times below the target: even a 100-fold
 *   error keeps the real rate under 1e-7. Power does not suffer: every wrong answer tested is many
 *   interval half-widths away.
 * Deterministic checks (algebra, quadrature) use tolerances well above floating-point and quadrature
 * error (≈ 1e-10).
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import {
  chernoffInterval,
  cltMeanInterval,
  cltVarianceInterval,
  contains,
  dkwEpsilon,
  expectDistributedAs,
  expectMeanWithin,
  expectVarianceWithin,
  expectVarianceWithinClt,
  expectWithin,
  formatInterval,
  integrate,
  jStat,
  type Interval,
  varianceInterval,
  varianceTestPower,
} from '#kit/stats';
import { expectAtLeast, expectClose } from '#kit/testing';
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
} from './he-init.ts';
import { activationMeanSquares, heNormal } from './relu-network.ts';

/** False-failure rate of every statistical check in this file. */
const ALPHA = 1e-6;
/** Nominal α for central-limit intervals (see the header: keeps the real rate below ALPHA). */
const ALPHA_CLT = 1e-9;
/** For test names (template literals would print 1e-6 as 0.000001). */
const A = ALPHA.toExponential();
const A_CLT = ALPHA_CLT.toExponential();

// ---- distributions used throughout -----------------------------------------------------------

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const phi = (x: number): number => jStat.normal.pdf(x, 0, 1);
const Phi = (x: number): number => jStat.normal.cdf(x, 0, 1);

/** x = ReLU(g) with g ~ N(0, 1): E[x] = 1/√(2π), E[x²] = 1/2, Var[x] = 1/2 − 1/(2π). */
const RELU_MEAN = 1 / SQRT_2PI;
const RELU_SECOND = 0.5;
const RELU_VAR = 0.5 - 1 / (2 * Math.PI);

const gaussian = (sigma: number, mu = 0): Density => (z) => jStat.normal.pdf(z, mu, sigma);
const laplace = (b: number, mu = 0): Density => (z) => jStat.laplace.pdf(z, mu, b);
const uniform = (a: number): Density => (z) => jStat.uniform.pdf(z, -a, a);
const exponential: Density = (z) => jStat.exponential.pdf(z, 1);

/** Density of z = w·x for a fixed x, written here (not with the student's part 3b) so parts stay independent. */
const scaledDensity = (f: Density, x: number): Density => (z) => f(z / x) / Math.abs(x);

/** ∫₀^∞ z² φ((z − μ)/σ)/σ dz = (μ² + σ²)Φ(μ/σ) + μσφ(μ/σ): E[ReLU(z)²] for z ~ N(μ, σ²). */
const gaussianPositiveSecondMoment = (mu: number, sigma: number): number =>
  (mu * mu + sigma * sigma) * Phi(mu / sigma) + mu * sigma * phi(mu / sigma);

const heWeights: VectorSampler = (n, rng) => rng.normals(n, 0, Math.sqrt(2 / n));
const reluInputs: VectorSampler = (n, rng) => rng.normals(n, 0, 1).map((g) => Math.max(0, g));

const squares = (xs: Float64Array): Float64Array => xs.map((v) => v * v);

const expectOutside = atCallSite((interval: Interval, wrong: number, what: string): void => {
  expect(contains(interval, wrong), `${what} = ${wrong} should be rejected by ${formatInterval(interval)}`).toBe(false);
});

const QUAD_TOL = 1e-8;

// ================================================================================================

describe('part 1: the assumptions behind Var[Σ wⱼxⱼ] = n·Var[w·x] — simulatePreactivations', () => {
  const n = 50;
  const trials = 20_000;
  const sigma2 = 2 / n;

  it('draws fresh weights then inputs for every trial and returns their dot products', () => {
    const calls: string[] = [];
    let t = 0;
    const weights: VectorSampler = (len) => {
      calls.push(`w${len}`);
      t++;
      return new Float64Array(len).fill(t);
    };
    const inputs: VectorSampler = (len) => {
      calls.push(`x${len}`);
      return Float64Array.from({ length: len }, (_, j) => j + 1);
    };
    const z = simulatePreactivations(4, 3, weights, inputs, new Rng(1));
    expect(z).toBeInstanceOf(Float64Array);
    // Trial t uses weights all equal to t + 1 and inputs 1, 2, 3, 4: z_t = 10·(t + 1).
    expect(Array.from(z)).toEqual([10, 20, 30]);
    expect(calls).toEqual(['w4', 'x4', 'w4', 'x4', 'w4', 'x4']);
  });

  it('is reproducible (same seed, same samples; another seed, others) and rejects nIn or trials that are not positive integers (ArgumentError)', () => {
    const a = simulatePreactivations(10, 100, heWeights, reluInputs, new Rng(3));
    const b = simulatePreactivations(10, 100, heWeights, reluInputs, new Rng(3));
    const c = simulatePreactivations(10, 100, heWeights, reluInputs, new Rng(4));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const rng = new Rng(1);
    expect(() => simulatePreactivations(0, 10, heWeights, reluInputs, rng)).toThrow(ArgumentError);
    expect(() => simulatePreactivations(5, 2.5, heWeights, reluInputs, rng)).toThrow(ArgumentError);
  });

  it(`with i.i.d. zero-mean weights independent of ReLU inputs, Var[z] = n·Var[w]·E[x²] = 1 (CLT interval for E[z²], α = ${A_CLT}) and rejects n·Var[w]·Var[x]`, () => {
    const z = simulatePreactivations(n, trials, heWeights, reluInputs, new Rng(11));
    // E[z] = 0, so the mean of z² is an unbiased estimate of Var[z]; z² is not normal → CLT interval.
    const target = n * sigma2 * RELU_SECOND;
    expectMeanWithin(squares(z), target, { alpha: ALPHA_CLT, what: 'mean of z² (estimates Var[z])' });
    // Power: the classic mistake (variance of x instead of its second moment) is far outside.
    expectOutside(cltMeanInterval(squares(z), target, ALPHA_CLT), n * sigma2 * RELU_VAR, 'n·Var[w]·Var[x]');
  });

  it(`breaking independence — one weight shared by all n inputs — gives Var[z] = Var[w]·(n·E[x²] + n(n−1)·E[x]²) ≈ 16.6, not 1 (CLT, α = ${A_CLT})`, () => {
    const sharedWeight: VectorSampler = (len, rng) => new Float64Array(len).fill(rng.normal(0, Math.sqrt(sigma2)));
    const z = simulatePreactivations(n, trials, sharedWeight, reluInputs, new Rng(12));
    // The cross terms E[wⱼxⱼwₖxₖ] = Var[w]·E[x]² no longer vanish: n(n − 1) of them survive.
    const target = sigma2 * (n * RELU_SECOND + n * (n - 1) * RELU_MEAN ** 2);
    expectMeanWithin(squares(z), target, { alpha: ALPHA_CLT, what: 'mean of z² with a shared weight' });
    expectOutside(cltMeanInterval(squares(z), target, ALPHA_CLT), n * sigma2 * RELU_SECOND, 'the i.i.d. prediction');
  });

  it(`correlated inputs alone do not break it: one input x = ±1 shared by all j, i.i.d. weights → Var[z] = n·Var[w]·E[x²] = 2 (exact χ² interval, α = ${A})`, () => {
    const sharedInput: VectorSampler = (len, rng) => new Float64Array(len).fill(rng.uniform() < 0.5 ? -1 : 1);
    const z = simulatePreactivations(n, trials, heWeights, sharedInput, new Rng(13));
    // E[wⱼxⱼwₖxₖ] = E[wⱼ]E[wₖ]E[xⱼxₖ] = 0 for j ≠ k as long as the weights are independent and zero-mean.
    // Here z = x·Σⱼwⱼ is exactly N(0, n·Var[w]) (a sign flip of a centred normal), so χ² applies.
    expectVarianceWithin(z, n * sigma2 * 1, { alpha: ALPHA, mean: 0, what: 'variance of z with a shared input' });
  });
});

// ================================================================================================

describe('part 2: Var[w·x] = Var[w]·E[x²], the He rule Var[w] = 2/n_in and a 30-layer ReLU network', () => {
  describe('productVariance and weightInputVariance', () => {
    it('productVariance is Var[A]Var[B] + Var[A]E[B]² + Var[B]E[A]² = E[A²]E[B²] − E[A]²E[B]² for any moments; bad moments are an ArgumentError', () => {
      // A ~ N(1, 2²), B ~ U[0, 1]: 4/12 + 4/4 + 1/12 = 17/12.
      expectClose(productVariance(4, 1, 1 / 12, 0.5), 17 / 12, 1e-12, 'Var[AB] for A ~ N(1, 4), B ~ U[0, 1]');
      const rng = new Rng(21);
      for (let i = 0; i < 20; i++) {
        const [va, vb] = [rng.uniform() * 3, rng.uniform() * 3];
        const [ma, mb] = [rng.normal(0, 2), rng.normal(0, 2)];
        const expected = (va + ma * ma) * (vb + mb * mb) - ma * ma * mb * mb;
        expectClose(productVariance(va, ma, vb, mb), expected, 1e-10, `productVariance(${va}, ${ma}, ${vb}, ${mb})`);
      }
      // Usual mistakes: Var[A]·Var[B] alone (4/12), or dropping a mean term.
      expect(productVariance(4, 1, 1 / 12, 0.5)).not.toBeCloseTo(4 / 12, 6);
      expect(productVariance(4, 1, 1 / 12, 0.5)).not.toBeCloseTo(4 / 12 + 1, 6);
      expect(() => productVariance(-1, 0, 1, 0)).toThrow(ArgumentError);
      expect(() => productVariance(1, Number.NaN, 1, 0)).toThrow(ArgumentError);
      expect(() => weightInputVariance(1, 0, -0.5)).toThrow(ArgumentError);
      expect(() => weightInputVariance(Infinity, 0, 1)).toThrow(ArgumentError);
    });

    it(`productVariance matches the sample variance of 40 000 independent products A·B (CLT interval, α = ${A_CLT}) and rejects E[(AB)²]`, () => {
      const rng = new Rng(22);
      const ab = Float64Array.from({ length: 40_000 }, () => rng.normal(1, 2) * rng.uniform());
      const claimed = productVariance(4, 1, 1 / 12, 0.5);
      expectVarianceWithinClt(ab, claimed, { alpha: ALPHA_CLT, what: 'sample variance of A·B' });
      expectOutside(cltVarianceInterval(ab, 17 / 12, ALPHA_CLT), 5 / 3, 'E[A²]E[B²] (forgetting to subtract E[AB]²)');
    });

    it('weightInputVariance is Var[w]·E[x²] = Var[w]·(Var[x] + E[x]²) — not Var[w]·Var[x] — for ReLU and U[0, 1] inputs', () => {
      expectClose(weightInputVariance(1, RELU_MEAN, RELU_VAR), RELU_SECOND, 1e-12, 'ReLU(N(0,1)) inputs, Var[w] = 1');
      expectClose(weightInputVariance(2, 0.5, 1 / 12), 2 / 3, 1e-12, 'U[0, 1] inputs, Var[w] = 2');
      expect(weightInputVariance(2, 0.5, 1 / 12)).not.toBeCloseTo(2 / 12, 6);
      const rng = new Rng(23);
      for (let i = 0; i < 20; i++) {
        const [vw, vx, mx] = [rng.uniform(), rng.uniform() * 2, rng.normal(0, 3)];
        expectClose(weightInputVariance(vw, mx, vx), productVariance(vw, 0, vx, mx), 1e-10, 'agrees with productVariance at E[w] = 0');
      }
    });

    it(`weightInputVariance matches 40 000 simulated products w·x, w ~ N(0, 0.3²), x ~ U[0, 1] (CLT interval, α = ${A_CLT}) and rejects Var[w]·Var[x]`, () => {
      const rng = new Rng(24);
      const wx = Float64Array.from({ length: 40_000 }, () => rng.normal(0, 0.3) * rng.uniform());
      const claimed = weightInputVariance(0.09, 0.5, 1 / 12);
      expectVarianceWithinClt(wx, claimed, { alpha: ALPHA_CLT, what: 'sample variance of w·x' });
      expectOutside(cltVarianceInterval(wx, 0.03, ALPHA_CLT), 0.09 / 12, 'Var[w]·Var[x]');
    });

    it('with Var[w] = 2/n and x = ReLU(z_prev), n·weightInputVariance gives back Var[z_prev]; with 1/n only half of it', () => {
      for (const [n, s2] of [[64, 1], [300, 3.7]] as const) {
        const s = Math.sqrt(s2);
        const [mx, vx] = [s * RELU_MEAN, s2 * RELU_VAR];
        expectClose(n * weightInputVariance(2 / n, mx, vx), s2, 1e-12, `He, n = ${n}, Var[z_prev] = ${s2}`);
        expectClose(n * weightInputVariance(1 / n, mx, vx), s2 / 2, 1e-12, `LeCun, n = ${n}, Var[z_prev] = ${s2}`);
      }
    });
  });

  describe('heNormal', () => {
    // Fan-in ≠ fan-out so that using the wrong one shows up.
    const nIn = 200;
    const nOut = 100;
    const N = nIn * nOut;
    const he = 2 / nIn;

    it('returns an nOut × nIn row-major matrix (fan-in = number of columns), reproducible from the seed; bad sizes are an ArgumentError', () => {
      const w = heNormal(nIn, nOut, new Rng(31));
      expect(w.rows).toBe(nOut);
      expect(w.cols).toBe(nIn);
      expect(w.data).toBeInstanceOf(Float64Array);
      expect(w.data.length).toBe(N);
      expect(heNormal(nIn, nOut, new Rng(31)).data).toEqual(w.data);
      expect(heNormal(nIn, nOut, new Rng(32)).data).not.toEqual(w.data);
      expect(() => heNormal(0, 10, new Rng(1))).toThrow(ArgumentError);
      expect(() => heNormal(10, 2.5, new Rng(1))).toThrow(ArgumentError);
    });

    it(`entries have mean 0 (normal interval, α = ${A})`, () => {
      const w = heNormal(nIn, nOut, new Rng(33));
      expectMeanWithin(w.data, 0, { alpha: ALPHA, sigma: Math.sqrt(he), what: 'mean of the heNormal entries' });
    });

    it(`entries have variance 2/n_in (χ² interval, α = ${A}); at this size the check rejects 1/n_in, 2/n_out, 1 and (2/n_in)² with power > 1 − 1e-9`, () => {
      const w = heNormal(nIn, nOut, new Rng(34));
      expectVarianceWithin(w.data, he, { alpha: ALPHA, mean: 0, what: 'variance of the heNormal entries' });
      const iv = varianceInterval(N, he, ALPHA, { meanKnown: true });
      const wrong = {
        '1/n_in (LeCun/Xavier-like)': 1 / nIn,
        '2/n_out (fan-out)': 2 / nOut,
        '1 (standard normal)': 1,
        '(2/n_in)² (2/n_in used as the std)': he * he,
      };
      for (const [name, v] of Object.entries(wrong)) {
        expectOutside(iv, v, name);
        expect(varianceTestPower(N, he, v, ALPHA, { meanKnown: true }), `power against ${name}`).toBeGreaterThan(1 - 1e-9);
      }
    });

    it(`entries are normal: Kolmogorov–Smirnov distance to N(0, 2/n_in) inside the DKW band (α = ${A}), which rejects a uniform with the same variance`, () => {
      const w = heNormal(nIn, nOut, new Rng(35));
      const sd = Math.sqrt(he);
      expectDistributedAs(w.data, (x) => jStat.normal.cdf(x, 0, sd), { alpha: ALPHA, what: 'KS distance to N(0, 2/n_in)' });
      // Power: U[−√3σ, √3σ] is at cdf distance d from N(0, σ²); a sample from it has KS distance ≥ d − ε
      // (probability ≥ 1 − α, by DKW again), so it is rejected whenever d > 2ε.
      const a = Math.sqrt(3) * sd;
      let d = 0;
      for (let x = -a; x <= a; x += a / 500) d = Math.max(d, Math.abs(jStat.normal.cdf(x, 0, sd) - (x + a) / (2 * a)));
      expect(d).toBeGreaterThan(2 * dkwEpsilon(N, ALPHA));
    });
  });

  describe('activationMeanSquares: a 30-layer ReLU network, width 256, batch 32', () => {
    const depth = 30;
    const width = 256;
    const batch = 32;

    /*
     * Why the bounds below hold (a derivation, not tuned constants). Fix one example x of the batch
     * at layer l − 1. The weights of layer l are fresh N(0, σ²) draws, so z = W·x has i.i.d.
     * N(0, σ²‖x‖²) entries, and ‖ReLU(z)‖² = σ²‖x‖²·Σᵢ gᵢ²·[gᵢ > 0] with gᵢ i.i.d. N(0, 1). The number
     * K of positive gᵢ is Binomial(width, 1/2), and given K the sum is χ²_K. So each layer multiplies
     * the example's squared norm by an independent factor σ²·χ²_K whose law does not depend on x,
     * and after l layers log(‖x_l‖²/‖x_0‖²) is a sum of l i.i.d. copies of Y = log(σ²χ²_K), with
     * E[e^{tY}] = Σ_K P(K)·(2σ²)^t·Γ(K/2 + t)/Γ(K/2). Chernoff's bound on that sum is rigorous (no
     * normal approximation). The batch's ratio m[l]/m[0] = Σ_b ‖x_l^b‖²/Σ_b ‖x_0^b‖² is a weighted
     * average of the examples' ratios r_b (weights ‖x_0^b‖²/Σ, fixed by the inputs), and the
     * examples share weights, so they are dependent — but by Jensen, avg^t ≤ Σ_b w_b r_b^t for t ≥ 1
     * and avg^{−t} ≤ Σ_b w_b r_b^{−t} for t > 0, so the single-example moment bounds carry over to the
     * batch as long as the upper-tail t stays ≥ 1. Negative moments of χ²_K are finite only for
     * t < K/2, so the mixture is restricted to K ≥ width/4 and P(K < width/4 somewhere) is added to
     * the failure probability. Expectations for comparison: E[m[l]/m[0]] = (width·σ²/2)^l exactly,
     * i.e. 1 for He, 2^−l for LeCun (2^−30 ≈ 9.3e−10) and 128^l for N(0, 1).
     */
    const kMin = width / 4;
    const logBinom = (k: number): number =>
      jStat.gammaln(width + 1) - jStat.gammaln(k + 1) - jStat.gammaln(width - k + 1) - width * Math.LN2;
    const logSumExp = (xs: number[]): number => {
      const m = Math.max(...xs);
      return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
    };
    /** log E[e^{tY}; K ≥ kMin] for one layer with weight variance sigma2. */
    const layerLogMgf = (sigma2: number): ((t: number) => number) => {
      // Memoised: the bound for layer l evaluates l·Λ(t) on the same t grid for every l.
      const cache = new Map<number, number>();
      return (t) => {
        let v = cache.get(t);
        if (v === undefined) {
          const terms: number[] = [];
          for (let k = kMin; k <= width; k++) terms.push(logBinom(k) + jStat.gammaln(k / 2 + t) - jStat.gammaln(k / 2));
          v = t * Math.log(2 * sigma2) + logSumExp(terms);
          cache.set(t, v);
        }
        return v;
      };
    };
    const smallK: number[] = [];
    for (let k = 0; k < kMin; k++) smallK.push(logBinom(k));
    /** P(some example at some layer has fewer than kMin active units). */
    const pSmallK = batch * depth * Math.exp(logSumExp(smallK));
    /** Per layer, two-sided: the 30 layers together fail with probability ≤ ALPHA. */
    const alphaLayer = (ALPHA - pSmallK) / depth;
    /** Bounds on log(m[l]/m[0]) for l = 1 … depth. */
    const logRatioBounds = (sigma2: number): Interval[] => {
      const lm = layerLogMgf(sigma2);
      return Array.from({ length: depth }, (_, i) =>
        chernoffInterval((t) => (i + 1) * lm(t), alphaLayer, { upper: [1, 200], lower: [1e-3, kMin / 2 - 0.5] }),
      );
    };
    const bounds = {
      he: logRatioBounds(2 / width),
      lecun: logRatioBounds(1 / width),
      standard: logRatioBounds(1),
    };
    const last = (iv: Interval[]): Interval => iv[depth - 1]!;

    function expectRatiosWithin(m: Float64Array, ivs: Interval[], scheme: string): void {
      for (let l = 1; l <= depth; l++) {
        const iv = ivs[l - 1]!;
        expectWithin(
          m[l]! / m[0]!,
          { lo: Math.exp(iv.lo), hi: Math.exp(iv.hi) },
          `${scheme}: m[${l}]/m[0]`,
          alphaLayer,
        );
      }
    }

    it(`returns depth + 1 mean squares, m[0] being that of the N(0, 1) input (χ² interval, α = ${A}), mean squares not variances; reproducible from the seed; bad sizes or an unknown scheme are an ArgumentError`, () => {
      const m = activationMeanSquares(depth, width, batch, 'he', new Rng(41));
      expect(m).toBeInstanceOf(Float64Array);
      expect(m.length).toBe(depth + 1);
      // batch·width·m[0] is a sum of squares of N(0, 1) draws: χ² with batch·width degrees of freedom.
      expectWithin(m[0]!, varianceInterval(batch * width, 1, ALPHA, { meanKnown: true }), 'm[0]', ALPHA);
      expect(Array.from(m).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      // A mean square, not a variance: for one input number x₀ (width 1, batch 1) m[0] = x₀² > 0,
      // and m[1] = ReLU(w·x₀)², whereas a variance over one number would be 0.
      for (let seed = 1; seed <= 5; seed++) expect(activationMeanSquares(1, 1, 1, 'standard', new Rng(seed))[0]).toBeGreaterThan(0);
      expect(activationMeanSquares(3, 16, 4, 'he', new Rng(5))).toEqual(activationMeanSquares(3, 16, 4, 'he', new Rng(5)));
      expect(activationMeanSquares(3, 16, 4, 'he', new Rng(5))).not.toEqual(activationMeanSquares(3, 16, 4, 'he', new Rng(6)));
      const rng = new Rng(1);
      // @ts-expect-error — 'xavier' is not an InitScheme; the run-time check must catch it too.
      expect(() => activationMeanSquares(3, 8, 2, 'xavier', rng)).toThrow(ArgumentError);
      expect(() => activationMeanSquares(0, 8, 2, 'he', rng)).toThrow(ArgumentError);
      expect(() => activationMeanSquares(3, 8, 1.5, 'he', rng)).toThrow(ArgumentError);
    });

    it('measures each layer after its ReLU: with one unit, a layer whose pre-activation w·x is negative outputs exactly 0 (over 40 seeds, all positive has probability 2^−40)', () => {
      const last = Array.from({ length: 40 }, (_, s) => activationMeanSquares(1, 1, 1, 'standard', new Rng(100 + s))[1]!);
      expectAtLeast(last.filter((v) => v === 0).length, 1, 'seeds (of 40) whose one-unit layer gave m[1] = 0', {
        rule: 'm[l] is the mean square of the activations x_l = ReLU(W·x_{l−1}), taken after the ReLU; w·x < 0 half the time, and then x_l = 0',
        mistakes: [{ name: 'the mean square of the pre-activations W·x (taken before the ReLU), which is never 0', value: 0 }],
      });
    });

    it(`with He init N(0, 2/n) the mean square stays within a bounded factor of the input's at all 30 layers — between ${Math.exp(last(bounds.he).lo).toPrecision(2)} and ${Math.exp(last(bounds.he).hi).toPrecision(2)} at layer 30 (Chernoff, α ≤ ${A})`, () => {
      const m = activationMeanSquares(depth, width, batch, 'he', new Rng(42));
      expectRatiosWithin(m, bounds.he, 'He');
      // Power: from layer 6 on, He's range and LeCun's are disjoint, so a 1/n initialiser cannot pass.
      for (let l = 6; l <= depth; l++) expect(bounds.he[l - 1]!.lo).toBeGreaterThan(bounds.lecun[l - 1]!.hi);
      expect(Math.exp(last(bounds.he).lo)).toBeGreaterThan(1e-3);
      expect(Math.exp(last(bounds.he).hi)).toBeLessThan(1e3);
    });

    it(`with LeCun init N(0, 1/n) the signal collapses: m[30]/m[0] ≤ ${Math.exp(last(bounds.lecun).hi).toPrecision(2)} < 1e-6 (Chernoff, α ≤ ${A}; its expectation is 2^−30 ≈ 9.3e−10)`, () => {
      const m = activationMeanSquares(depth, width, batch, 'lecun', new Rng(43));
      expectRatiosWithin(m, bounds.lecun, 'LeCun');
      expect(Math.exp(last(bounds.lecun).hi)).toBeLessThan(1e-6);
      expect(m[depth]! / m[0]!).toBeLessThan(1e-3);
    });

    it(`with N(0, 1) weights the signal explodes: m[30]/m[0] ≥ ${Math.exp(last(bounds.standard).lo).toPrecision(2)} (Chernoff, α ≤ ${A}; its expectation is 128^30 ≈ 1.6e63)`, () => {
      const m = activationMeanSquares(depth, width, batch, 'standard', new Rng(44));
      expectRatiosWithin(m, bounds.standard, 'N(0, 1)');
      expect(last(bounds.standard).lo).toBeGreaterThan(last(bounds.he).hi);
      expect(m[depth]! / m[0]!).toBeGreaterThan(1e60);
    });
  });
});

// ================================================================================================

describe('part 3a: E[z] — expectedPreactivation', () => {
  it('is 0 for zero-mean weights, whatever the inputs\' mean', () => {
    for (const [n, mx] of [[10, 7.5], [3, -2], [256, 0.4]] as const) {
      expect(Math.abs(expectedPreactivation(n, 0, mx)), `n = ${n}, E[x] = ${mx}`).toBe(0);
    }
  });

  it('is n·E[w]·E[x] when the weights are not zero-mean (independence lets E[wx] factor); nIn < 1 or a non-finite mean is an ArgumentError', () => {
    expectClose(expectedPreactivation(10, 0.1, 0.5), 0.5, 1e-12, 'n = 10, E[w] = 0.1, E[x] = 0.5');
    expectClose(expectedPreactivation(4, -0.3, 2), -2.4, 1e-12, 'n = 4, E[w] = −0.3, E[x] = 2');
    expect(() => expectedPreactivation(0, 0, 1)).toThrow(ArgumentError);
    expect(() => expectedPreactivation(3, Number.NaN, 1)).toThrow(ArgumentError);
  });

  it(`matches the mean of 20 000 simulated z (CLT interval, α = ${A_CLT}): 0 for N(0, 1) weights even with inputs in [5, 10]; n·E[w]·E[x] for N(0.1, 1) weights, where 0 is rejected`, () => {
    const rng = new Rng(51);
    const n = 10;
    const simulate = (meanW: number, lo: number, hi: number): Float64Array =>
      Float64Array.from({ length: 20_000 }, () => {
        let z = 0;
        for (let j = 0; j < n; j++) z += rng.normal(meanW, 1) * (lo + (hi - lo) * rng.uniform());
        return z;
      });
    const centred = simulate(0, 5, 10);
    expectMeanWithin(centred, expectedPreactivation(n, 0, 7.5), { alpha: ALPHA_CLT, what: 'mean of z, E[w] = 0' });
    const shifted = simulate(0.1, 0, 1);
    const claimed = expectedPreactivation(n, 0.1, 0.5);
    expectMeanWithin(shifted, claimed, { alpha: ALPHA_CLT, what: 'mean of z, E[w] = 0.1' });
    expectOutside(cltMeanInterval(shifted, claimed, ALPHA_CLT), 0, '"E[z] is always 0"');
  });
});

// ================================================================================================

describe('part 3b: the density of z = w·x for a fixed x — conditionalDensity', () => {
  const weightDensities: Record<string, Density> = {
    'N(0, 0.8²)': gaussian(0.8),
    'Laplace(0, 0.5)': laplace(0.5),
    'U[−1, 1]': uniform(1),
  };
  const xs = [-3, -0.5, 0.25, 2];

  it(`integrates to 1 and is never negative, for x ∈ {${xs.join(', ')}} and Gaussian, Laplace and uniform weights (quadrature tolerance ${QUAD_TOL})`, () => {
    for (const [name, f] of Object.entries(weightDensities)) {
      for (const x of xs) {
        const g = (z: number): number => conditionalDensity(z, x, f);
        expectClose(integrate(g, -Infinity, Infinity), 1, QUAD_TOL, `∫ f(z | x = ${x}) dz, weights ${name}`);
        for (const z of [-1.3, -0.1, 0, 0.2, 0.9]) expect(g(z), `f(${z} | x = ${x}), weights ${name}`).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('for Gaussian weights N(0, σ²) it is the N(0, x²σ²) density (jStat.normal.pdf), also for negative x', () => {
    const sigma = 0.8;
    for (const x of xs) {
      for (let z = -4; z <= 4; z += 0.25) {
        expectClose(conditionalDensity(z, x, gaussian(sigma)), jStat.normal.pdf(z, 0, Math.abs(x) * sigma), 1e-12, `z = ${z}, x = ${x}`);
      }
    }
  });

  it('for uniform weights on [−1, 1] it is uniform on [−|x|, |x|] with height 1/(2|x|); x = 0 (z is then a point mass, no density) or non-finite x is an ArgumentError', () => {
    for (const x of xs) {
      const a = Math.abs(x);
      for (const u of [-0.9, -0.3, 0, 0.5, 0.99]) expectClose(conditionalDensity(u * a, x, uniform(1)), 1 / (2 * a), 1e-12, `z = ${u * a}, x = ${x}`);
      for (const u of [-1.5, 1.2, 3]) expect(conditionalDensity(u * a, x, uniform(1))).toBe(0);
    }
    expect(() => conditionalDensity(0.1, 0, gaussian(1))).toThrow(ArgumentError);
    expect(() => conditionalDensity(0.1, Infinity, gaussian(1))).toThrow(ArgumentError);
  });

  it(`gives Var[z | x] = x²·Var[w] (quadrature tolerance ${QUAD_TOL})`, () => {
    for (const x of xs) {
      const vg = integrate((z) => z * z * conditionalDensity(z, x, gaussian(0.8)), -Infinity, Infinity);
      expectClose(vg, x * x * 0.64, QUAD_TOL, `Gaussian weights, x = ${x}`);
      const vl = integrate((z) => z * z * conditionalDensity(z, x, laplace(0.5)), -Infinity, Infinity);
      expectClose(vl, x * x * 0.5, QUAD_TOL, `Laplace weights, x = ${x}`);
    }
  });
});

// ================================================================================================

describe('part 3c: is z symmetric around 0? — symmetryGap', () => {
  it('is 0 for the density of w·x with symmetric weights (Gaussian, Laplace, uniform), for x = −2 and x = 0.7', () => {
    for (const f of [gaussian(0.8), laplace(0.5), uniform(1)]) {
      for (const x of [-2, 0.7]) expect(symmetryGap(scaledDensity(f, x), 4)).toBeLessThanOrEqual(1e-15);
    }
  });

  it('equals max_k |f(z_k) − f(−z_k)| on the grid z_k = k·zMax/(points − 1) for non-symmetric densities (default points = 201); zMax ≤ 0 or fewer than 2 points is an ArgumentError', () => {
    const reference = (f: Density, zMax: number, points: number): number => {
      let g = 0;
      for (let k = 0; k < points; k++) {
        const z = (k * zMax) / (points - 1);
        g = Math.max(g, Math.abs(f(z) - f(-z)));
      }
      return g;
    };
    const cases: Array<[string, Density, number, number]> = [
      ['N(1, 1)', gaussian(1, 1), 3, 201],
      ['Exponential(1)', exponential, 2, 11],
      ['Laplace(−0.3, 1)', laplace(1, -0.3), 5, 57],
    ];
    for (const [name, f, zMax, points] of cases) {
      const expected = reference(f, zMax, points);
      expect(expected).toBeGreaterThan(0.05);
      const got = points === 201 ? symmetryGap(f, zMax) : symmetryGap(f, zMax, points);
      expectClose(got, expected, 1e-14, `symmetryGap(${name}, ${zMax}, ${points})`);
    }
    expect(() => symmetryGap(gaussian(1), 0)).toThrow(ArgumentError);
    expect(() => symmetryGap(gaussian(1), 2, 1)).toThrow(ArgumentError);
  });
});

// ================================================================================================

describe('bonus 3d: Var[z] from the positive half-line — varianceByDefinition, varianceFromPositiveHalf', () => {
  it(`varianceByDefinition centres at the mean: N(0.7, 1.3²) → 1.69, Laplace(0, 0.5) → 0.5, U[−2, 2] → 4/3, Exponential(1) → 1 (not E[z²] = 2) (quadrature tolerance ${QUAD_TOL})`, () => {
    const cases: Array<[string, Density, number]> = [
      ['N(0.7, 1.3²)', gaussian(1.3, 0.7), 1.69],
      ['Laplace(0, 0.5)', laplace(0.5), 0.5],
      ['U[−2, 2]', uniform(2), 4 / 3],
      ['Exponential(1)', exponential, 1],
    ];
    for (const [name, f, v] of cases) expectClose(varianceByDefinition(f), v, QUAD_TOL, `Var of ${name}`);
  });

  it(`varianceFromPositiveHalf = 2∫₀^∞ z² f(z) dz is the variance of symmetric zero-mean densities: N(0, 1.7²), Laplace(0, 0.5), U[−2, 2], and w·x for w ~ N(0, 0.8²), x = −1.5 (quadrature tolerance ${QUAD_TOL})`, () => {
    const cases: Array<[string, Density, number]> = [
      ['N(0, 1.7²)', gaussian(1.7), 2.89],
      ['Laplace(0, 0.5)', laplace(0.5), 0.5],
      ['U[−2, 2]', uniform(2), 4 / 3],
      ['w·x, x = −1.5', scaledDensity(gaussian(0.8), -1.5), 2.25 * 0.64],
    ];
    for (const [name, f, v] of cases) expectClose(varianceFromPositiveHalf(f), v, QUAD_TOL, `half-line variance of ${name}`);
  });

  it('without symmetry the half-line formula is not the variance: for N(1, 1) it gives 2[(μ²+1)Φ(μ) + μφ(μ)] ≈ 3.85, not 1', () => {
    const expected = 2 * gaussianPositiveSecondMoment(1, 1);
    expectClose(varianceFromPositiveHalf(gaussian(1, 1)), expected, QUAD_TOL, 'half-line formula for N(1, 1)');
    expect(Math.abs(expected - 1)).toBeGreaterThan(2);
  });
});

// ================================================================================================

describe('bonus 3e: E[ReLU(z)²] = Var[z]/2 — expectedReluSquare', () => {
  it(`is Var[z]/2 for symmetric zero-mean z: N(0, 1.7²) → 1.445, Laplace(0, 0.5) → 0.25, U[−2, 2] → 2/3 (quadrature tolerance ${QUAD_TOL})`, () => {
    const cases: Array<[string, Density, number]> = [
      ['N(0, 1.7²)', gaussian(1.7), 2.89 / 2],
      ['Laplace(0, 0.5)', laplace(0.5), 0.25],
      ['U[−2, 2]', uniform(2), 2 / 3],
    ];
    for (const [name, f, v] of cases) expectClose(expectedReluSquare(f), v, QUAD_TOL, `E[ReLU(z)²], z ~ ${name}`);
  });

  it('is ∫₀^∞ z² f(z) dz and NOT Var[z]/2 when z is not symmetric: N(1, 1) → 2Φ(1) + φ(1) ≈ 1.92 (Var/2 = 0.5), Exponential(1) → 2 (Var/2 = 0.5)', () => {
    expectClose(expectedReluSquare(gaussian(1, 1)), gaussianPositiveSecondMoment(1, 1), QUAD_TOL, 'z ~ N(1, 1)');
    expectClose(expectedReluSquare(exponential), 2, QUAD_TOL, 'z ~ Exponential(1)');
  });

  it(`agrees with sampling: the mean of max(0, z)² over 20 000 draws of z ~ N(0.5, 1.2²) lies in the CLT interval around it (α = ${A_CLT})`, () => {
    const rng = new Rng(61);
    const r2 = Float64Array.from({ length: 20_000 }, () => Math.max(0, rng.normal(0.5, 1.2)) ** 2);
    const claimed = expectedReluSquare(gaussian(1.2, 0.5));
    expectClose(claimed, gaussianPositiveSecondMoment(0.5, 1.2), QUAD_TOL, 'closed form');
    expectMeanWithin(r2, claimed, { alpha: ALPHA_CLT, what: 'mean of ReLU(z)²' });
    // Power: Var[z]/2 = 0.72 (the symmetric-case shortcut) is far outside the interval.
    expectOutside(cltMeanInterval(r2, claimed, ALPHA_CLT), 1.44 / 2, 'Var[z]/2');
  });
});
