/**
 * Exercise 01 — deriving He initialisation, one step of the derivation per function.
 *
 * Notation: a layer computes z = Σⱼ wⱼ·xⱼ (j = 1…n, no bias) from n inputs xⱼ and n weights wⱼ;
 * n is the fan-in (the number of columns of the layer's weight matrix). The next layer's inputs are
 * ReLU(z). Read README.md for the maths; every function says below exactly what to return.
 *
 * Tools you may use: `integrate(f, a, b)` from '#kit/stats' (adaptive quadrature, limits may be
 * ±Infinity) and the `Rng` you are given (`rng.normal(mean, std)`, `rng.uniform()`, …).
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import type { Rng } from '#kit/rng';
import { integrate } from '#kit/stats';

/** A probability density on the real line, z ↦ f(z). */
export type Density = (z: number) => number;

/** Draws a vector of n random numbers (n weights, or n inputs) from `rng`. */
export type VectorSampler = (n: number, rng: Rng) => Float64Array;

// ---- argument checks (given: you do not need to change these) -------------------------------

function requireCount(name: string, value: number, allowed = 'an integer ≥ 1'): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ArgumentError(
      `${name} = ${String(value)} is not allowed: ${name} must be ${allowed}. It counts things ` +
        `(inputs, trials, grid points), so pass a positive whole number such as 100.`,
    );
  }
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new ArgumentError(
      `${name} = ${String(value)} is not allowed: ${name} must be a finite number. Check how it was computed ` +
        `(a division by zero gives Infinity, 0/0 gives NaN).`,
    );
  }
}

function requireVariance(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new ArgumentError(
      `${name} = ${String(value)} is not allowed: a variance must be a finite number ≥ 0. If you have a ` +
        `standard deviation σ, pass σ² instead.`,
    );
  }
}

// ---- part 1 (2 pts): the assumptions behind Var[Σ wⱼxⱼ] = n·Var[w·x] --------------------------

/**
 * Monte Carlo simulation of one pre-activation z = Σⱼ₌₁ⁿ wⱼ·xⱼ.
 *
 * For each of `trials` independent trials t = 0, 1, …: draw a fresh weight vector
 * `w = sampleWeights(nIn, rng)`, THEN a fresh input vector `x = sampleInputs(nIn, rng)` (both of
 * length nIn, in that order), and store the dot product z_t = Σⱼ w[j]·x[j] in slot t.
 *
 * Returns a Float64Array of length `trials` holding z_0, z_1, …. Do not draw anything else from
 * `rng`. Whether the samples obey Var[z] = n·Var[w]·E[x²] depends only on the samplers, which the
 * tests choose: i.i.d. zero-mean weights independent of the inputs (the derivation's assumptions),
 * or samplers that break an assumption.
 */
export function simulatePreactivations(
  nIn: number,
  trials: number,
  sampleWeights: VectorSampler,
  sampleInputs: VectorSampler,
  rng: Rng,
): Float64Array {
  requireCount('nIn', nIn);
  requireCount('trials', trials);
  // YOUR CODE HERE
  throw new NotImplemented('simulatePreactivations');
}

// ---- part 2 (4 pts): variance of a product ----------------------------------------------------

/**
 * Var[A·B] for INDEPENDENT random variables A and B, from their variances and means:
 *
 *   Var[AB] = Var[A]·Var[B] + Var[A]·E[B]² + Var[B]·E[A]²
 *
 * (It follows from Var[AB] = E[A²]E[B²] − E[A]²E[B]² and E[X²] = Var[X] + E[X]².)
 */
export function productVariance(varA: number, meanA: number, varB: number, meanB: number): number {
  requireVariance('varA', varA);
  requireVariance('varB', varB);
  requireFinite('meanA', meanA);
  requireFinite('meanB', meanB);
  // YOUR CODE HERE
  throw new NotImplemented('productVariance');
}

/**
 * Var[w·x] for a ZERO-MEAN weight w independent of the input x, in terms of Var[w], E[x] and Var[x]:
 * the result of part 2, Var[w·x] = Var[w]·E[x²]. Note the SECOND MOMENT E[x²] = Var[x] + E[x]²,
 * not Var[x]: after a ReLU the inputs are never zero-mean.
 */
export function weightInputVariance(varW: number, meanX: number, varX: number): number {
  requireVariance('varW', varW);
  requireVariance('varX', varX);
  requireFinite('meanX', meanX);
  // YOUR CODE HERE
  throw new NotImplemented('weightInputVariance');
}

// ---- part 3a (2 pts): the mean of z ------------------------------------------------------------

/**
 * E[z] for z = Σⱼ₌₁ⁿ wⱼxⱼ when every weight has mean `meanW`, every input has mean `meanX` and the
 * weights are independent of the inputs. (With zero-mean weights, does it depend on the inputs?)
 */
export function expectedPreactivation(nIn: number, meanW: number, meanX: number): number {
  requireCount('nIn', nIn);
  requireFinite('meanW', meanW);
  requireFinite('meanX', meanX);
  // YOUR CODE HERE
  throw new NotImplemented('expectedPreactivation');
}

// ---- part 3b (1 pt): the density of z for a fixed input ----------------------------------------

/**
 * The density of z = w·x at the point `z`, when the input x is a fixed non-zero number and the
 * weight w has density `weightDensity`. (Change of variables: z = w·x is a rescaling of w by x;
 * remember that a density must integrate to 1 and cannot be negative, also for x < 0.)
 */
export function conditionalDensity(z: number, x: number, weightDensity: Density): number {
  requireFinite('z', z);
  if (!Number.isFinite(x) || x === 0) {
    throw new ArgumentError(
      `x = ${String(x)} is not allowed: the input x must be a finite, non-zero number. At x = 0 the ` +
        `pre-activation z = w·0 is 0 for every weight, a point mass that has no density.`,
    );
  }
  // YOUR CODE HERE
  throw new NotImplemented('conditionalDensity');
}

// ---- part 3c (1 pt): symmetry ------------------------------------------------------------------

/**
 * How far `density` is from being symmetric around 0, measured on the grid
 * z_k = k·zMax/(points − 1), k = 0, 1, …, points − 1:
 *
 *   max_k |f(z_k) − f(−z_k)|
 *
 * It is 0 for a density with f(z) = f(−z), such as the density of w·x for a symmetric weight density.
 */
export function symmetryGap(density: Density, zMax: number, points = 201): number {
  if (!Number.isFinite(zMax) || zMax <= 0) {
    throw new ArgumentError(`zMax = ${String(zMax)} is not allowed: zMax must be a finite number > 0 (the grid covers [0, zMax]).`);
  }
  requireCount('points', points);
  if (points < 2) {
    throw new ArgumentError(`points = ${points} is not allowed: the grid needs at least 2 points (0 and zMax).`);
  }
  // YOUR CODE HERE
  throw new NotImplemented('symmetryGap');
}

// ---- bonus 3d (3 pts): the variance from the positive half-line --------------------------------

/**
 * Var[z] by its definition, ∫ (z − μ)² f(z) dz over the whole line, with μ = ∫ z f(z) dz.
 * Use `integrate` from '#kit/stats' (it accepts ±Infinity as limits).
 */
export function varianceByDefinition(density: Density): number {
  // YOUR CODE HERE
  throw new NotImplemented('varianceByDefinition');
}

/**
 * Var[z] written with the positive half-line only, as bonus d asks: for a density that is symmetric
 * around 0 (so E[z] = 0), Var[z] = 2·∫₀^∞ z² f(z) dz. Return that expression, evaluated with
 * `integrate`, for whatever density you get (the tests also try a non-symmetric one, where the
 * expression is NOT the variance).
 */
export function varianceFromPositiveHalf(density: Density): number {
  // YOUR CODE HERE
  throw new NotImplemented('varianceFromPositiveHalf');
}

// ---- bonus 3e (2 pts): the second moment after ReLU --------------------------------------------

/**
 * E[x²] for x = ReLU(z) = max(0, z), where z has density `density`: start from the definition of the
 * second moment of x and split on the sign of z (x is 0 when z ≤ 0, and z when z > 0). Evaluate the
 * resulting integral with `integrate`. For symmetric zero-mean z this is Var[z]/2.
 */
export function expectedReluSquare(density: Density): number {
  // YOUR CODE HERE
  throw new NotImplemented('expectedReluSquare');
}
