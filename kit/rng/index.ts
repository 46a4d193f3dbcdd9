import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { ArgumentError } from '#kit/errors';

/**
 * The kit's one seeded random source (xoroshiro128+ from pure-rand). Every draw in the kit
 * (initialisers, shuffles, splits, Monte Carlo) goes through an `Rng` built from an explicit seed,
 * so the same submission graded twice sees the same numbers.
 */
export class Rng {
  readonly #gen: JumpableRandomGenerator;
  #spareNormal: number | undefined;

  /** `seed` is any integer; a generator is accepted only from `fork()`. */
  constructor(seed: number | JumpableRandomGenerator) {
    if (typeof seed !== 'number') {
      this.#gen = seed;
      return;
    }
    if (!Number.isInteger(seed)) {
      throw new ArgumentError(`Rng seed must be an integer, got ${String(seed)}. Pass a whole number such as 42.`);
    }
    this.#gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.#gen);
  }

  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return uniformInt(this.#gen, lo, hi);
  }

  /** Standard normal draw times `std` plus `mean` (Marsaglia polar method). */
  normal(mean = 0, std = 1): number {
    if (this.#spareNormal !== undefined) {
      const z = this.#spareNormal;
      this.#spareNormal = undefined;
      return mean + std * z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spareNormal = v * f;
    return mean + std * u * f;
  }

  /** `n` normal draws as a Float64Array. */
  normals(n: number, mean = 0, std = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** `n` uniform draws in [lo, hi) as a Float64Array. */
  uniforms(n: number, lo = 0, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }

  /** Shuffles `items` in place and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** A 31-bit integer usable as a seed elsewhere (e.g. a tfjs initialiser; never 0, which tfjs reads as "unseeded"). */
  seed(): number {
    return this.int(1, 0x7fffffff);
  }

  /**
   * An independent stream: a copy of this generator jumped 2^64 steps ahead. This generator also
   * advances (by one draw), so successive forks differ.
   */
  fork(): Rng {
    const gen = this.#gen.clone();
    gen.jump();
    this.#gen.next();
    return new Rng(gen);
  }
}
