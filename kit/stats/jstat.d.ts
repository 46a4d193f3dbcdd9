/**
 * Types for the part of jStat 1.9.6 (https://github.com/jstat/jstat) that the kit uses. jStat ships
 * no declarations; this file declares only the functions `kit/stats` calls, with the argument order
 * jStat uses (location/scale parameters after the point). Extend it when you need more.
 */
declare module 'jstat' {
  /** A continuous distribution's point functions; `inv` is the quantile function. */
  interface DensityAndCdf<Params extends number[]> {
    pdf(x: number, ...params: Params): number;
    cdf(x: number, ...params: Params): number;
  }

  interface ContinuousDistribution<Params extends number[]> extends DensityAndCdf<Params> {
    inv(p: number, ...params: Params): number;
  }

  interface DiscreteDistribution<Params extends number[]> {
    pdf(k: number, ...params: Params): number;
    cdf(k: number, ...params: Params): number;
  }

  interface JStatStatic {
    /** Normal(mean, std) — note: standard deviation, not variance. */
    normal: ContinuousDistribution<[mean: number, std: number]>;
    /** Chi-square with `dof` degrees of freedom. */
    chisquare: ContinuousDistribution<[dof: number]>;
    /** Student's t with `dof` degrees of freedom. */
    studentt: ContinuousDistribution<[dof: number]>;
    /** Laplace(mu, b): density exp(-|x - mu| / b) / (2b). (jStat has no quantile for it.) */
    laplace: DensityAndCdf<[mu: number, b: number]>;
    /** Uniform on [a, b]. */
    uniform: ContinuousDistribution<[a: number, b: number]>;
    /** Exponential with the given rate. */
    exponential: ContinuousDistribution<[rate: number]>;
    /** Binomial(n, p) probability mass and cumulative distribution. */
    binomial: DiscreteDistribution<[n: number, p: number]>;
    /** log Γ(x) for x > 0. */
    gammaln(x: number): number;
  }

  const jStat: JStatStatic;
  export default jStat;
}
