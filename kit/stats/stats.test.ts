/**
 * Tests of the statistical helpers themselves. Coverage experiments run an interval at a loose
 * α = 0.05 over REPS seeded repetitions and check that the number of misses is what Binomial(REPS, α)
 * allows at a false-failure rate of 1e-6 — the interval is neither too narrow (too many misses) nor,
 * for the exact intervals, too wide (too few).
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, KitError } from '#kit/errors';
import { Rng } from '#kit/rng';
import {
  binomialInterval,
  centralMoment,
  chernoffInterval,
  cltMeanInterval,
  cltVarianceInterval,
  contains,
  dkwEpsilon,
  expectDistributedAs,
  expectMeanWithin,
  expectVarianceWithin,
  expectVarianceWithinClt,
  integrate,
  type Interval,
  jStat,
  ksDistance,
  mean,
  meanInterval,
  meanTestPower,
  StatisticalAssertionError,
  variance,
  varianceInterval,
  varianceTestPower,
} from '#kit/stats';

const REPS = 400;
const LOOSE = 0.05;
/** Misses of a correct 95 % interval over REPS repetitions: outside this with probability ≤ 1e-6. */
const allowed = binomialInterval(REPS, LOOSE, 1e-6);

function countMisses(seed: number, trial: (rng: Rng) => boolean): number {
  const rng = new Rng(seed);
  let misses = 0;
  for (let r = 0; r < REPS; r++) if (!trial(rng)) misses++;
  return misses;
}

function expectCount(count: number, iv: Interval, what: string): void {
  expect(contains(iv, count), `${what}: ${count} outside [${iv.lo}, ${iv.hi}]`).toBe(true);
}

describe('descriptive statistics', () => {
  it('mean, variance (unbiased or with a known mean) and central moments', () => {
    const xs = [1, 2, 3, 4];
    expect(mean(xs)).toBe(2.5);
    expect(variance(xs)).toBeCloseTo(5 / 3, 14);
    expect(variance(xs, 0)).toBeCloseTo(30 / 4, 14);
    expect(centralMoment(xs, 2)).toBeCloseTo(1.25, 14);
    expect(centralMoment(xs, 4, 0)).toBeCloseTo((1 + 16 + 81 + 256) / 4, 12);
    expect(() => variance([1])).toThrow(ArgumentError);
  });
});

describe('integrate', () => {
  it('is exact for polynomials up to degree 22 and accurate for smooth densities on infinite ranges', () => {
    expect(integrate((x) => x ** 22 + x ** 7, -1, 1)).toBeCloseTo(2 / 23, 14);
    expect(integrate((x) => jStat.normal.pdf(x, 0.3, 0.7), -Infinity, Infinity)).toBeCloseTo(1, 11);
    expect(integrate((x) => Math.exp(-x), 0, Infinity)).toBeCloseTo(1, 11);
    expect(integrate((x) => Math.exp(x), -Infinity, 0)).toBeCloseTo(1, 11);
    expect(integrate((x) => x * x * jStat.normal.pdf(x, 0, 2), -Infinity, Infinity)).toBeCloseTo(4, 10);
  });

  it('handles kinks, jumps, endpoint singular derivatives and reversed limits', () => {
    expect(integrate((x) => jStat.laplace.pdf(x, 0, 0.5), -Infinity, Infinity)).toBeCloseTo(1, 10);
    expect(integrate((x) => jStat.uniform.pdf(x, -0.25, 0.25), -Infinity, Infinity)).toBeCloseTo(1, 10);
    expect(integrate((x) => Math.sqrt(x), 0, 1)).toBeCloseTo(2 / 3, 10);
    expect(integrate((x) => x, 1, 0)).toBeCloseTo(-0.5, 14);
    expect(integrate(() => 1, 2, 2)).toBe(0);
  });

  it('explains a divergent integral or a non-finite integrand instead of returning garbage', () => {
    expect(() => integrate((x) => 1 / x, 0, 1)).toThrow(KitError);
    expect(() => integrate(() => Number.NaN, 0, 1)).toThrow(KitError);
    expect(() => integrate((x) => x, Number.NaN, 1)).toThrow(ArgumentError);
  });
});

describe('intervals: coverage at α = 0.05 over 400 seeded repetitions (misses within the Binomial(400, 0.05) interval at 1e-6)', () => {
  it('binomialInterval is the tightest interval with at most α/2 in each tail', () => {
    const { lo, hi } = allowed;
    const cdf = (k: number): number => jStat.binomial.cdf(k, REPS, LOOSE);
    expect(cdf(lo - 1)).toBeLessThanOrEqual(0.5e-6);
    expect(cdf(lo)).toBeGreaterThan(0.5e-6);
    expect(1 - cdf(hi)).toBeLessThanOrEqual(0.5e-6);
    expect(1 - cdf(hi - 1)).toBeGreaterThan(0.5e-6);
  });

  it('meanInterval (exact for normal draws)', () => {
    const misses = countMisses(1, (rng) => contains(meanInterval(20, 2, LOOSE, 1), mean(rng.normals(20, 1, 2))));
    expectCount(misses, allowed, 'misses of meanInterval');
  });

  it('varianceInterval, unbiased estimator and known-mean estimator (exact for normal draws)', () => {
    const a = countMisses(2, (rng) => contains(varianceInterval(20, 4, LOOSE), variance(rng.normals(20, 1, 2))));
    expectCount(a, allowed, 'misses of varianceInterval');
    const b = countMisses(3, (rng) => contains(varianceInterval(20, 4, LOOSE, { meanKnown: true }), variance(rng.normals(20, 1, 2), 1)));
    expectCount(b, allowed, 'misses of varianceInterval (mean known)');
  });

  it('cltMeanInterval and cltVarianceInterval on non-normal draws (asymptotic: exponential and uniform, n = 400)', () => {
    const a = countMisses(4, (rng) => {
      const xs = rng.uniforms(400).map((u) => -Math.log(1 - u));
      return contains(cltMeanInterval(xs, 1, LOOSE), mean(xs));
    });
    expectCount(a, allowed, 'misses of cltMeanInterval');
    const b = countMisses(5, (rng) => {
      const xs = rng.uniforms(400, 0, 1);
      return contains(cltVarianceInterval(xs, 1 / 12, LOOSE), variance(xs));
    });
    expectCount(b, allowed, 'misses of cltVarianceInterval');
  });

  it('the χ² interval is wrong for heavy-tailed draws, which is why cltVarianceInterval exists (Laplace, kurtosis 6, n = 2000)', () => {
    // The CLT interval needs a large n for heavy tails: measured miss rates at α = 0.05 were 0.10 at
    // n = 200, 0.060 at n = 1000 and 0.054 at n = 2000 (4000 repetitions each).
    const laplace = (rng: Rng, n: number): Float64Array =>
      rng.uniforms(n).map((u) => (u < 0.5 ? Math.log(2 * u) : -Math.log(2 - 2 * u)));
    const chi2 = countMisses(6, (rng) => contains(varianceInterval(2000, 2, LOOSE), variance(laplace(rng, 2000))));
    expect(chi2).toBeGreaterThan(allowed.hi);
    const clt = countMisses(6, (rng) => {
      const xs = laplace(rng, 2000);
      return contains(cltVarianceInterval(xs, 2, LOOSE), variance(xs));
    });
    expectCount(clt, allowed, 'misses of cltVarianceInterval for Laplace draws');
  });

  it('the DKW band is conservative: at most α of normal samples leave it', () => {
    const misses = countMisses(7, (rng) => ksDistance(rng.normals(100), (x) => jStat.normal.cdf(x, 0, 1)) <= dkwEpsilon(100, LOOSE));
    expect(misses).toBeLessThanOrEqual(allowed.hi);
  });
});

describe('power', () => {
  it('is α at the right answer, grows with the distance, and matches simulated rejection rates', () => {
    expect(varianceTestPower(50, 1, 1, 0.01)).toBeCloseTo(0.01, 10);
    expect(meanTestPower(50, 1, 0, 0, 0.01)).toBeCloseTo(0.01, 10);
    expect(varianceTestPower(50, 1, 2, 0.01)).toBeGreaterThan(varianceTestPower(50, 1, 1.5, 0.01));
    expect(varianceTestPower(20_000, 0.01, 0.005, 1e-6)).toBeGreaterThan(1 - 1e-12);
    // Simulated: draws with variance 1.8 checked against the interval for 1 (n = 30, α = 0.05).
    const p = varianceTestPower(30, 1, 1.8, LOOSE);
    const rejected = countMisses(8, (rng) => contains(varianceInterval(30, 1, LOOSE), variance(rng.normals(30, 0, Math.sqrt(1.8)))));
    expectCount(rejected, binomialInterval(REPS, p, 1e-6), `rejections at power ${p.toFixed(3)}`);
    const q = meanTestPower(30, 1, 0, 0.5, LOOSE);
    const rejectedMean = countMisses(9, (rng) => contains(meanInterval(30, 1, LOOSE), mean(rng.normals(30, 0.5, 1))));
    expectCount(rejectedMean, binomialInterval(REPS, q, 1e-6), `mean rejections at power ${q.toFixed(3)}`);
  });
});

describe('chernoffInterval', () => {
  it('reproduces the Gaussian tail bound sqrt(2·m·log(2/α)) for a sum of m standard normals', () => {
    const m = 30;
    const iv = chernoffInterval((t) => (m * t * t) / 2, 1e-6);
    const exact = Math.sqrt(2 * m * Math.log(2 / 1e-6));
    expect(iv.hi).toBeCloseTo(exact, 3);
    expect(iv.lo).toBeCloseTo(-exact, 3);
  });

  it('is valid (and not loose by much) for a sum of log-χ² variables: 400 simulated sums at α = 0.05 miss at most as often as allowed', () => {
    // S = Σ_{l=1}^{5} log(χ²_8/8); E[(χ²_k)^t] = 2^t Γ(k/2 + t)/Γ(k/2) for t > −k/2.
    const k = 8;
    const logMgf = (t: number): number => 5 * (t * Math.log(2 / k) + jStat.gammaln(k / 2 + t) - jStat.gammaln(k / 2));
    const iv = chernoffInterval(logMgf, LOOSE, { lower: [1e-3, k / 2 - 0.01] });
    const misses = countMisses(10, (rng) => {
      let s = 0;
      for (let l = 0; l < 5; l++) s += Math.log(variance(rng.normals(k), 0));
      return contains(iv, s);
    });
    expect(misses).toBeLessThanOrEqual(allowed.hi);
  });
});

describe('assertions', () => {
  it('pass for correct draws and fail with a message naming the measurement, the interval and α', () => {
    const rng = new Rng(11);
    const xs = rng.normals(10_000, 0, 3);
    expectMeanWithin(xs, 0, { sigma: 3 });
    expectMeanWithin(xs, 0);
    expectVarianceWithin(xs, 9);
    expectVarianceWithin(xs, 9, { mean: 0 });
    expectVarianceWithinClt(xs, 9);
    expectDistributedAs(xs, (x) => jStat.normal.cdf(x, 0, 3));
    const wrongVariance = (): void => { expectVarianceWithin(xs, 4.5, { what: 'variance of the weights' }); };
    expect(wrongVariance).toThrow(StatisticalAssertionError);
    expect(wrongVariance).toThrow(/variance of the weights.*\[4\.19.*1e-6/);
    expect(() => { expectMeanWithin(xs, 1); }).toThrow(StatisticalAssertionError);
    expect(() => { expectDistributedAs(xs, (x) => jStat.normal.cdf(x, 0, 2)); }).toThrow(StatisticalAssertionError);
  });

  it('reject an α outside (0, 1) with an ArgumentError', () => {
    expect(() => meanInterval(10, 1, 0)).toThrow(ArgumentError);
    expect(() => varianceInterval(10, 1, 1.5)).toThrow(ArgumentError);
    expect(() => binomialInterval(10, 0.5, -1)).toThrow(ArgumentError);
  });
});
