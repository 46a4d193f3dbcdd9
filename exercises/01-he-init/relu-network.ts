/**
 * Exercise 01, part 2 continued — from the derivation to the He rule and a deep ReLU network.
 *
 * Parts 1–3 give Var[z_l] = n·Var[w]·E[x_l²] and E[x_l²] = Var[z_{l−1}]/2, so
 * Var[z_l] = (n·Var[w]/2)·Var[z_{l−1}]: the signal keeps its size through the layers exactly when
 * Var[w] = 2/n, with n the fan-in. Here you sample such weights and watch what other choices do to a
 * 30-layer network.
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import type { Rng } from '#kit/rng';

/** A dense row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * Weight initialisation schemes for a layer with fan-in n:
 * - `'he'`: N(0, 2/n) — He et al. (2015), derived in this exercise for ReLU networks;
 * - `'lecun'`: N(0, 1/n) — right for linear or tanh-like layers, but it ignores the ReLU's halving;
 * - `'standard'`: N(0, 1) — ignores the fan-in altogether.
 */
export type InitScheme = 'he' | 'lecun' | 'standard';

export const INIT_SCHEMES: readonly InitScheme[] = ['he', 'lecun', 'standard'];

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ArgumentError(
      `${name} = ${String(value)} is not allowed: ${name} must be an integer ≥ 1 (it is a layer size, a ` +
        `depth or a batch size). Pass a positive whole number such as 256.`,
    );
  }
}

/**
 * He-normal weights for a layer with `nIn` inputs and `nOut` outputs: an nOut × nIn matrix W (so that
 * z = W·x, and the fan-in nIn is the number of COLUMNS) whose entries are independent draws from the
 * normal distribution with mean 0 and VARIANCE 2/nIn.
 *
 * Fill `data` in row-major order with `rng.normal(mean, std)` — note that `rng.normal` takes a
 * standard deviation, not a variance.
 */
export function heNormal(nIn: number, nOut: number, rng: Rng): Matrix {
  requireCount('nIn', nIn);
  requireCount('nOut', nOut);
  // YOUR CODE HERE
  throw new NotImplemented('heNormal');
}

/**
 * Pushes a batch through a deep ReLU network and records how big the activations are at every layer.
 *
 * 1. Draw the input batch X₀: `batch` rows of `width` independent N(0, 1) numbers (`batch · width`
 *    draws from `rng`, row-major).
 * 2. For each layer l = 1 … depth: draw a fresh width × width weight matrix W_l with the given scheme
 *    (`'he'`: use `heNormal`; `'lecun'`: N(0, 1/width); `'standard'`: N(0, 1)), compute the
 *    pre-activations z = W_l·x for every row x of X_{l−1} (no bias), and X_l = ReLU(z) = max(0, z).
 *
 * Returns a Float64Array m of length depth + 1 with the mean square of the activations,
 * m[l] = (1/(batch·width)) Σ over all entries of X_l squared (m[0] is the input's). The mean square,
 * not the variance, is what the derivation carries from layer to layer: E[x²] in Var[z] = n·Var[w]·E[x²].
 */
export function activationMeanSquares(depth: number, width: number, batch: number, init: InitScheme, rng: Rng): Float64Array {
  requireCount('depth', depth);
  requireCount('width', width);
  requireCount('batch', batch);
  if (!INIT_SCHEMES.includes(init)) {
    throw new ArgumentError(
      `init = ${JSON.stringify(init)} is not allowed: choose one of ${INIT_SCHEMES.map((s) => `'${s}'`).join(', ')}.`,
    );
  }
  // YOUR CODE HERE
  throw new NotImplemented('activationMeanSquares');
}
