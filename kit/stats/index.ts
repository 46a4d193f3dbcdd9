/**
 * Statistical assertions for tests on random quantities (ARCHITECTURE.md contract 7): every check is an
 * interval with a stated false-failure rate α, and the kit can compute whether that interval is
 * narrow enough to reject the usual wrong answer (its power). Also the numerical tools the
 * exercises need (quadrature, distribution functions through a typed jStat).
 *
 * Conventions: `alpha` is the probability that a CORRECT implementation fails the check (two-sided
 * unless said otherwise). Intervals are closed.
 */
import jStat from 'jstat';
import { ArgumentError, atCallSite } from '#kit/errors';

export { integrate, type IntegrateOptions } from './integrate.ts';
/** jStat 1.9.6 with the types of `kit/stats/jstat.d.ts` (normal, chisquare, studentt, laplace, …). */
export { jStat };

/** A closed interval [lo, hi]. */
export interface Interval {
  readonly lo: number;
  readonly hi: number;
}

/** Thrown by the `expect…` helpers; the message says what was measured, the interval and α. */
export class StatisticalAssertionError extends Error {
  override name = 'StatisticalAssertionError';
}

export function contains(interval: Interval, x: number): boolean {
  return x >= interval.lo && x <= interval.hi;
}

/** Six significant digits without trailing zeros; small and huge numbers in exponent form (1e-6). */
function fmt(x: number): string {
  const r = Number(x.toPrecision(6));
  return r !== 0 && (Math.abs(r) < 1e-3 || Math.abs(r) >= 1e9) ? r.toExponential() : String(r);
}

export function formatInterval(interval: Interval): string {
  return `[${fmt(interval.lo)}, ${fmt(interval.hi)}]`;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) {
    throw new ArgumentError(
      `alpha = ${alpha} is not a probability in (0, 1). alpha is the false-failure rate of the check; ` +
        `use a small value such as 1e-6 for tests and 0.05 only for coverage experiments.`,
    );
  }
}

function checkCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min) {
    throw new ArgumentError(`${name} = ${n} must be an integer ≥ ${min}. Pass the number of samples the statistic was computed from.`);
  }
}

function checkSamples(samples: ArrayLike<number>, min: number): void {
  if (samples.length < min) {
    throw new ArgumentError(`Got ${samples.length} samples; this statistic needs at least ${min}. Draw more samples.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Descriptive statistics
// ---------------------------------------------------------------------------------------------

export function mean(xs: ArrayLike<number>): number {
  checkSamples(xs, 1);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/**
 * Sample variance. Without `knownMean` it is the unbiased estimator Σ(x − x̄)²/(n − 1); with it,
 * Σ(x − μ)²/n, the estimator to use when the true mean μ is known.
 */
export function variance(xs: ArrayLike<number>, knownMean?: number): number {
  checkSamples(xs, knownMean === undefined ? 2 : 1);
  const m = knownMean ?? mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = xs[i]! - m;
    s += d * d;
  }
  return s / (knownMean === undefined ? xs.length - 1 : xs.length);
}

/** (1/n) Σ (x − center)^k, with `center` defaulting to the sample mean. */
export function centralMoment(xs: ArrayLike<number>, k: number, center = mean(xs)): number {
  checkSamples(xs, 1);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - center) ** k;
  return s / xs.length;
}

/** Standard normal quantile Φ⁻¹(p). */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

// ---------------------------------------------------------------------------------------------
// Intervals for a correct answer
// ---------------------------------------------------------------------------------------------

/**
 * Where the mean of n independent draws with mean `mu` and standard deviation `sigma` falls with
 * probability 1 − α: mu ± z_{1−α/2}·sigma/√n. Exact for normal draws; for other draws it is the
 * central-limit approximation.
 */
export function meanInterval(n: number, sigma: number, alpha: number, mu = 0): Interval {
  checkCount('n', n, 1);
  checkAlpha(alpha);
  const half = (normalQuantile(1 - alpha / 2) * sigma) / Math.sqrt(n);
  return { lo: mu - half, hi: mu + half };
}

export interface VarianceIntervalOptions {
  /**
   * True when the estimator is Σ(x − μ)²/n with the true mean μ (n degrees of freedom); false
   * (default) for the unbiased Σ(x − x̄)²/(n − 1) (n − 1 degrees of freedom).
   */
  meanKnown?: boolean;
}

/**
 * χ² interval for the sample variance of n independent NORMAL draws with variance sigma2: with
 * d degrees of freedom, d·s²/σ² ~ χ²_d, so s² lies in [σ²·χ²_{α/2,d}/d, σ²·χ²_{1−α/2,d}/d] with
 * probability exactly 1 − α. Not valid for non-normal draws (their s² varies more or less,
 * depending on the kurtosis): use `cltVarianceInterval` for those.
 */
export function varianceInterval(n: number, sigma2: number, alpha: number, options: VarianceIntervalOptions = {}): Interval {
  const d = options.meanKnown === true ? n : n - 1;
  checkCount('n', n, options.meanKnown === true ? 1 : 2);
  checkAlpha(alpha);
  return {
    lo: (sigma2 * jStat.chisquare.inv(alpha / 2, d)) / d,
    hi: (sigma2 * jStat.chisquare.inv(1 - alpha / 2, d)) / d,
  };
}

/**
 * Central-limit interval for the mean of `samples` around a claimed mean `mu`, using the samples'
 * own standard deviation: mu ± z_{1−α/2}·s/√n. For draws of any distribution with a finite variance.
 * The level is asymptotic: for skewed draws the true tail probability differs from α by a relative
 * O(skewness/√n) (an Edgeworth correction), so use n in the thousands when α is 1e-6.
 */
export function cltMeanInterval(samples: ArrayLike<number>, mu: number, alpha: number): Interval {
  checkSamples(samples, 2);
  return meanInterval(samples.length, Math.sqrt(variance(samples)), alpha, mu);
}

/**
 * Central-limit interval for the unbiased sample variance of NON-normal draws around a claimed
 * variance sigma2. The χ² interval assumes normal draws, whose s² has variance 2σ⁴/(n − 1); for any
 * distribution Var[s²] = (μ₄ − σ⁴(n − 3)/(n − 1))/n with μ₄ the fourth central moment, estimated here
 * from the samples. Asymptotic level, same caveat as `cltMeanInterval`, and the fourth-moment estimate
 * is itself noisy for heavy tails: for Laplace draws a nominal 5 % interval misses 10 % of the time at
 * n = 200 and 5.4 % at n = 2000.
 */
export function cltVarianceInterval(samples: ArrayLike<number>, sigma2: number, alpha: number): Interval {
  checkSamples(samples, 4);
  checkAlpha(alpha);
  const n = samples.length;
  const m4 = centralMoment(samples, 4);
  const v = Math.max(m4 - (sigma2 * sigma2 * (n - 3)) / (n - 1), 0) / n;
  const half = normalQuantile(1 - alpha / 2) * Math.sqrt(v);
  return { lo: sigma2 - half, hi: sigma2 + half };
}

/**
 * Counts k with P(K < lo) ≤ α/2 and P(K > hi) ≤ α/2 for K ~ Binomial(n, p): how many of n
 * independent trials with success probability p can succeed without the check being suspicious.
 */
export function binomialInterval(n: number, p: number, alpha: number): Interval {
  checkCount('n', n, 1);
  checkAlpha(alpha);
  let lo = 0;
  while (lo < n && jStat.binomial.cdf(lo, n, p) <= alpha / 2) lo++;
  let hi = n;
  while (hi > 0 && 1 - jStat.binomial.cdf(hi - 1, n, p) <= alpha / 2) hi--;
  return { lo, hi };
}

/**
 * Dvoretzky–Kiefer–Wolfowitz bound (Massart's constant): for n independent draws from a continuous
 * cdf F, P(sup |F_n − F| > ε) ≤ 2·exp(−2nε²) for every n (not only asymptotically). Returns the ε
 * at which that probability is α.
 */
export function dkwEpsilon(n: number, alpha: number): number {
  checkCount('n', n, 1);
  checkAlpha(alpha);
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** Kolmogorov–Smirnov distance sup |F_n − F| between the samples' empirical cdf and `cdf`. */
export function ksDistance(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  checkSamples(samples, 1);
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

export interface ChernoffOptions {
  /** Range of t > 0 searched for the upper tail (where E[e^{tS}] is finite). Default [1e-3, 100]. */
  upper?: readonly [number, number];
  /** Range of t > 0 searched for the lower tail (where E[e^{−tS}] is finite). Default [1e-3, 100]. */
  lower?: readonly [number, number];
}

/**
 * A rigorous interval for a random variable S from its log-moment-generating function
 * logMgf(t) = log E[e^{tS}] (for a sum of m independent copies of Y, pass t ↦ m·log E[e^{tY}]).
 * Chernoff: P(S ≥ h) ≤ e^{−th}·E[e^{tS}] for every t > 0, so h(t) = (logMgf(t) − log(α/2))/t bounds
 * the upper tail at α/2 whatever t is; the function searches t on a log grid and keeps the best
 * bound (any t is valid, so the search only affects tightness, never the guarantee). Likewise for
 * the lower tail with −t. P(S ∉ [lo, hi]) ≤ α with no normal approximation.
 */
export function chernoffInterval(logMgf: (t: number) => number, alpha: number, options: ChernoffOptions = {}): Interval {
  checkAlpha(alpha);
  const logHalf = Math.log(alpha / 2);
  const best = (range: readonly [number, number], sign: 1 | -1): number => {
    const [t0, t1] = range;
    if (!(t0 > 0 && t1 >= t0)) {
      throw new ArgumentError(`chernoffInterval: a t range must satisfy 0 < t0 ≤ t1, got [${t0}, ${t1}].`);
    }
    let h = Infinity;
    const steps = 600;
    for (let i = 0; i <= steps; i++) {
      const t = t0 * (t1 / t0) ** (i / steps);
      const v = (logMgf(sign * t) - logHalf) / t;
      if (v < h) h = v;
    }
    return h;
  };
  return { lo: -best(options.lower ?? [1e-3, 100], -1), hi: best(options.upper ?? [1e-3, 100], 1) };
}

// ---------------------------------------------------------------------------------------------
// Power: would the check catch a wrong answer?
// ---------------------------------------------------------------------------------------------

/**
 * Probability that the mean check (`meanInterval(n, sigma, alpha, mu)`) fails when the draws
 * really have mean `wrongMu` (same sigma). Use it to show a test can tell the right answer from
 * the usual wrong one; ask for power ≥ 1 − 1e-6 or so.
 */
export function meanTestPower(n: number, sigma: number, mu: number, wrongMu: number, alpha: number): number {
  const iv = meanInterval(n, sigma, alpha, mu);
  const se = sigma / Math.sqrt(n);
  return 1 - (jStat.normal.cdf(iv.hi, wrongMu, se) - jStat.normal.cdf(iv.lo, wrongMu, se));
}

/**
 * Probability that the χ² variance check (`varianceInterval(n, sigma2, alpha)`) fails when the
 * normal draws really have variance `wrongSigma2`: s²·d/wrongSigma2 ~ χ²_d, so the acceptance
 * probability is F(d·hi/wrong) − F(d·lo/wrong).
 */
export function varianceTestPower(
  n: number,
  sigma2: number,
  wrongSigma2: number,
  alpha: number,
  options: VarianceIntervalOptions = {},
): number {
  const iv = varianceInterval(n, sigma2, alpha, options);
  const d = options.meanKnown === true ? n : n - 1;
  return 1 - (jStat.chisquare.cdf((d * iv.hi) / wrongSigma2, d) - jStat.chisquare.cdf((d * iv.lo) / wrongSigma2, d));
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

export interface CheckOptions {
  /** False-failure rate of the check. Default 1e-6. */
  alpha?: number;
  /** What is being measured, for the failure message (e.g. "sample variance of heNormal(200, 100)"). */
  what?: string;
}

/** Fails unless `value` lies in `interval`; the message names the measurement and α. */
export const expectWithin = atCallSite((value: number, interval: Interval, what: string, alpha?: number): void => {
  if (contains(interval, value)) return;
  const rate = alpha === undefined ? '' : ` (a correct implementation lands outside it with probability ${fmt(alpha)})`;
  throw new StatisticalAssertionError(
    `${what} is ${fmt(value)}, outside the interval ${formatInterval(interval)} expected for a correct answer${rate}.`,
  );
});

/**
 * Fails unless the mean of `samples` is consistent with `mu`: with `sigma` known, the exact normal
 * interval (exact for normal draws); without it, the central-limit interval using the samples'
 * own standard deviation (see `cltMeanInterval` for when that is accurate).
 */
export const expectMeanWithin = atCallSite((samples: ArrayLike<number>, mu: number, options: CheckOptions & { sigma?: number } = {}): void => {
  const alpha = options.alpha ?? 1e-6;
  const iv = options.sigma === undefined
    ? cltMeanInterval(samples, mu, alpha)
    : meanInterval(samples.length, options.sigma, alpha, mu);
  expectWithin(mean(samples), iv, `${options.what ?? 'sample mean'} (n = ${samples.length}, expected ${fmt(mu)})`, alpha);
});

/**
 * Fails unless the sample variance of NORMAL `samples` is inside the χ² interval for `sigma2`.
 * Pass `mean` when the true mean is known (n degrees of freedom instead of n − 1).
 */
export const expectVarianceWithin = atCallSite((samples: ArrayLike<number>, sigma2: number, options: CheckOptions & { mean?: number } = {}): void => {
  const alpha = options.alpha ?? 1e-6;
  const iv = varianceInterval(samples.length, sigma2, alpha, { meanKnown: options.mean !== undefined });
  expectWithin(
    variance(samples, options.mean),
    iv,
    `${options.what ?? 'sample variance'} (n = ${samples.length}, expected ${fmt(sigma2)}, χ² interval)`,
    alpha,
  );
});

/** Like `expectVarianceWithin` for draws that are not normal (central-limit interval, see `cltVarianceInterval`). */
export const expectVarianceWithinClt = atCallSite((samples: ArrayLike<number>, sigma2: number, options: CheckOptions = {}): void => {
  const alpha = options.alpha ?? 1e-6;
  expectWithin(
    variance(samples),
    cltVarianceInterval(samples, sigma2, alpha),
    `${options.what ?? 'sample variance'} (n = ${samples.length}, expected ${fmt(sigma2)}, CLT interval)`,
    alpha,
  );
});

/**
 * Fails unless the samples' empirical cdf stays within the DKW band of `cdf` (Kolmogorov–Smirnov
 * test with a finite-sample guarantee: false-failure rate ≤ α for every n).
 */
export const expectDistributedAs = atCallSite((samples: ArrayLike<number>, cdf: (x: number) => number, options: CheckOptions = {}): void => {
  const alpha = options.alpha ?? 1e-6;
  const eps = dkwEpsilon(samples.length, alpha);
  expectWithin(
    ksDistance(samples, cdf),
    { lo: 0, hi: eps },
    `${options.what ?? 'Kolmogorov–Smirnov distance to the expected cdf'} (n = ${samples.length})`,
    alpha,
  );
});
