/**
 * Exercise 09, part 1 — the geometry of one gradient-descent step.
 *
 * With the learning rate chosen as η = ε/‖∇C‖, the step v → v − η∇C has length exactly ε and points
 * straight down the gradient: v′ = v − ε·∇C/‖∇C‖. In one dimension ∇C/‖∇C‖ is the sign of C′(v), so
 * every step moves ε to the left or to the right. Read README.md for the maths.
 *
 * A zero gradient has no direction: both functions then return the point unchanged (no move).
 */
import { ArgumentError } from '#kit/errors';

// ---- argument checks (given: you do not need to change these) -------------------------------

function requireStepLength(eps: number): void {
  if (!Number.isFinite(eps) || eps <= 0) {
    throw new ArgumentError(
      `eps = ${String(eps)} is not allowed: the step length ε must be a finite number > 0. It is the distance ` +
        'the point moves in one step, so pass something like 0.1.',
    );
  }
}

function requireFiniteVector(name: string, xs: ArrayLike<number>): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) {
      throw new ArgumentError(`${name}[${i}] = ${String(xs[i])} is not allowed: every entry of ${name} must be a finite number.`);
    }
  }
}

// ---- part 1 (2 pts) ---------------------------------------------------------------------------

/**
 * One normalised gradient step: v′ = v − ε·∇C/‖∇C‖ (Euclidean norm), a new Float64Array of the same
 * length as `v`. When ∇C = 0 (every entry 0) return a copy of `v`: there is no downhill direction.
 */
export function normalizedStep(v: ArrayLike<number>, grad: ArrayLike<number>, eps: number): Float64Array {
  requireStepLength(eps);
  if (v.length !== grad.length) {
    throw new ArgumentError(
      `v has ${v.length} entries but grad has ${grad.length}: the gradient ∇C has one entry per coordinate of v, ` +
        'so both must have the same length.',
    );
  }
  requireFiniteVector('v', v);
  requireFiniteVector('grad', grad);
  // BEGIN SOLUTION
  let sq = 0;
  for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
  const norm = Math.sqrt(sq);
  const out = Float64Array.from(v);
  if (norm === 0) return out;
  for (let i = 0; i < out.length; i++) out[i]! -= (eps * grad[i]!) / norm;
  return out;
  // END SOLUTION
}

/**
 * The one-dimensional case: v′ = v − ε·sgn(C′(v)), where `slope` is C′(v). A rising slope moves the
 * point left, a falling one right, a flat one (slope 0) not at all.
 */
export function signStep(v: number, slope: number, eps: number): number {
  requireStepLength(eps);
  if (!Number.isFinite(v) || !Number.isFinite(slope)) {
    throw new ArgumentError(`v = ${String(v)} and slope = ${String(slope)} must both be finite numbers.`);
  }
  // BEGIN SOLUTION
  return v - eps * Math.sign(slope);
  // END SOLUTION
}
