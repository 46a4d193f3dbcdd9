import { ArgumentError, KitError } from '#kit/errors';

/*
 * Why not a library: mathjs has no numerical integration, and jStat's `simpson`/`romberg` step
 * through a fixed grid built by repeated `x += h` (the last node can be dropped by rounding) and
 * cannot take infinite limits. Densities in the exercises have kinks (Laplace) and jumps (uniform)
 * and live on the whole real line, so the kit uses the standard remedy: globally adaptive
 * Gauss–Kronrod 7/15 quadrature (QUADPACK's QAGS without the extrapolation step) with a change of
 * variable for infinite limits.
 */

// Constants from QUADPACK's qk15 (Piessens et al., 1983), rounded to the nearest double.
/** Kronrod 15-point nodes on [-1, 1] (non-negative half, descending; the last one is the centre). */
const XK = [
  0.9914553711208126, 0.9491079123427585, 0.8648644233597691, 0.7415311855993945,
  0.5860872354676911, 0.4058451513773972, 0.20778495500789848, 0,
] as const;
/** Kronrod weights matching `XK`. */
const WK = [
  0.022935322010529224, 0.06309209262997856, 0.10479001032225019, 0.14065325971552592,
  0.1690047266392679, 0.19035057806478542, 0.20443294007529889, 0.20948214108472782,
] as const;
/** Gauss 7-point weights for the nodes XK[1], XK[3], XK[5], XK[7]. */
const WG = [0.1294849661688697, 0.27970539148927664, 0.3818300505051189, 0.4179591836734694] as const;

interface Piece {
  a: number;
  b: number;
  value: number;
  error: number;
}

function kronrod(f: (x: number) => number, a: number, b: number): Piece {
  const c = (a + b) / 2;
  const h = (b - a) / 2;
  const fc = f(c);
  let k = fc * WK[7];
  let g = fc * WG[3];
  for (let i = 0; i < 7; i++) {
    const dx = h * XK[i]!;
    const pair = f(c - dx) + f(c + dx);
    k += WK[i]! * pair;
    if (i % 2 === 1) g += WG[(i - 1) / 2]! * pair;
  }
  return { a, b, value: k * h, error: Math.abs((k - g) * h) };
}

export interface IntegrateOptions {
  /** Stop when the estimated absolute error is below max(absTol, relTol·|integral|). Default 1e-11. */
  absTol?: number;
  /** Default 1e-11. */
  relTol?: number;
  /** Give up (with a KitError) after this many subdivisions. Default 2000. */
  maxIntervals?: number;
}

/** Maps an integral over [a, b] (either limit may be infinite) onto a finite one. */
function finite(f: (x: number) => number, a: number, b: number): Array<{ g: (t: number) => number; a: number; b: number }> {
  if (Number.isFinite(a) && Number.isFinite(b)) return [{ g: f, a, b }];
  if (a === -Infinity && b === Infinity) return [...finite(f, -Infinity, 0), ...finite(f, 0, Infinity)];
  if (b === Infinity) {
    // x = a + t / (1 - t), t in [0, 1): dx = dt / (1 - t)^2.
    return [{ g: (t) => { const s = 1 - t; return f(a + t / s) / (s * s); }, a: 0, b: 1 }];
  }
  // a = -Infinity, b finite: x = b - t / (1 - t).
  return [{ g: (t) => { const s = 1 - t; return f(b - t / s) / (s * s); }, a: 0, b: 1 }];
}

/**
 * ∫ₐᵇ f(x) dx by globally adaptive Gauss–Kronrod (7/15) quadrature. Either limit may be ±Infinity;
 * f is never evaluated at a limit, so integrands with a removable singularity there are fine. Jumps
 * and kinks inside the interval are handled by subdividing around them (slower, still accurate).
 * Reversed limits give the negated integral. Typical accuracy: 1e-10 for smooth densities. A feature
 * much narrower than the interval (say a density with standard deviation 1e-4 integrated over the
 * whole line) can fall between all the nodes: integrate such functions piecewise around the feature.
 */
export function integrate(f: (x: number) => number, a: number, b: number, options: IntegrateOptions = {}): number {
  if (Number.isNaN(a) || Number.isNaN(b)) {
    throw new ArgumentError(`integrate(f, a, b) got a = ${a}, b = ${b}; the limits must be numbers (±Infinity is allowed). Check how they were computed.`);
  }
  if (a === b) return 0;
  if (a > b) return -integrate(f, b, a, options);
  const absTol = options.absTol ?? 1e-11;
  const relTol = options.relTol ?? 1e-11;
  const maxIntervals = options.maxIntervals ?? 2000;
  const parts = finite(f, a, b);
  const gs = parts.map((p) => p.g);
  const pieces: Piece[] = [];
  // Which transformed integrand each piece belongs to (the whole line is split in two at 0).
  const owner: number[] = [];
  // Start from a few pieces per part so that a narrow bump is unlikely to fall between all nodes.
  const START = 4;
  parts.forEach(({ g, a: lo, b: hi }, j) => {
    for (let i = 0; i < START; i++) {
      pieces.push(kronrod(g, lo + ((hi - lo) * i) / START, i === START - 1 ? hi : lo + ((hi - lo) * (i + 1)) / START));
      owner.push(j);
    }
  });
  for (;;) {
    let total = 0;
    let error = 0;
    let worst = 0;
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      total += p.value;
      error += p.error;
      if (p.error > pieces[worst]!.error) worst = i;
    }
    if (!Number.isFinite(total)) {
      throw new KitError(
        `integrate(f, ${a}, ${b}) met a non-finite value of f (NaN or ±Infinity) inside the interval. ` +
          `The integrand must be finite on the open interval; check for a division by zero or log(0).`,
      );
    }
    if (error <= Math.max(absTol, relTol * Math.abs(total))) return total;
    if (pieces.length >= maxIntervals) {
      throw new KitError(
        `integrate(f, ${a}, ${b}) did not reach the requested accuracy after ${maxIntervals} subdivisions ` +
          `(estimate ${total}, error estimate ${error}). The integrand is probably not integrable there ` +
          `(a pole or a heavy tail); split the interval at the bad point or loosen absTol/relTol.`,
      );
    }
    const p = pieces[worst]!;
    const g = gs[owner[worst]!]!;
    const mid = (p.a + p.b) / 2;
    pieces[worst] = kronrod(g, p.a, mid);
    pieces.push(kronrod(g, mid, p.b));
    owner.push(owner[worst]!);
  }
}
