/**
 * Exercise 09, part 5 — which cross-entropy? For a target y ∈ [0, 1] and an output a = σ(z) ∈ (0, 1),
 *   C(y, a) = −[y ln a + (1 − y) ln(1 − a)]
 * is finite everywhere, while the swapped form −[a ln y + (1 − a) ln(1 − y)] is infinite at y = 0 and
 * y = 1, the most common targets. Read README.md.
 */
import { ArgumentError } from '#kit/errors';

function checkTarget(y: number): void {
  if (!(y >= 0 && y <= 1)) {
    throw new ArgumentError(`y = ${String(y)} is not allowed: a target of binary cross-entropy must lie in [0, 1].`);
  }
}

// ---- part 5 (2 pts) ---------------------------------------------------------------------------

/**
 * −[y ln a + (1 − y) ln(1 − a)] for a target y ∈ [0, 1] and an output a ∈ (0, 1) (0 or 1 itself is
 * not allowed: ArgumentError). A term whose factor is 0 is 0 (0·ln a = 0).
 */
export function binaryCrossEntropy(y: number, a: number): number {
  checkTarget(y);
  if (!(a > 0 && a < 1)) {
    throw new ArgumentError(
      `a = ${String(a)} is not allowed: the output a = σ(z) lies strictly between 0 and 1, where ln a and ln(1 − a) are finite.`,
    );
  }
  // BEGIN SOLUTION
  const xlog = (c: number, v: number): number => (c === 0 ? 0 : c * Math.log(v));
  return -(xlog(y, a) + xlog(1 - y, 1 - a));
  // END SOLUTION
}

/**
 * The minimum of a ↦ C(y, a): where it is and what it is worth, `{ a, value }`. Setting
 * ∂C/∂a = (a − y)/(a(1 − a)) to 0 gives a = y, and the value there is the binary entropy
 * −[y ln y + (1 − y) ln(1 − y)] (0 at y = 0 and y = 1, where the minimum is approached as a → y).
 */
export function crossEntropyMinimum(y: number): { a: number; value: number } {
  checkTarget(y);
  // BEGIN SOLUTION
  const xlog = (c: number): number => (c === 0 ? 0 : c * Math.log(c));
  return { a: y, value: -(xlog(y) + xlog(1 - y)) };
  // END SOLUTION
}
