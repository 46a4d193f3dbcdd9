import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';

const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: ArrayLike<number>): number => {
  const m = mean(xs);
  return Array.from(xs).reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** z for a two-sided test at α = 1e-6. */
const Z = 4.8916;

describe('Rng', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    expect(new Rng(7).uniforms(5)).toEqual(new Rng(7).uniforms(5));
    expect(new Rng(7).uniforms(5)).not.toEqual(new Rng(8).uniforms(5));
    expect(new Rng(7).permutation(50)).toEqual(new Rng(7).permutation(50));
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => new Rng(1.5)).toThrow(ArgumentError);
  });

  it('uniform draws lie in [0, 1) with mean 1/2 (z-test, α = 1e-6)', () => {
    const n = 100_000;
    const xs = new Rng(1).uniforms(n);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(Z * Math.sqrt(1 / 12 / n));
  });

  it('normal draws have the requested mean and variance (α = 1e-6 each)', () => {
    const n = 100_000;
    const xs = new Rng(2).normals(n, 3, 2);
    expect(Math.abs(mean(xs) - 3)).toBeLessThan(Z * Math.sqrt(4 / n));
    // Var of a normal sample variance is 2σ⁴/(n−1); at n = 1e5 the CLT interval is accurate.
    expect(Math.abs(variance(xs) - 4)).toBeLessThan(Z * Math.sqrt((2 * 16) / (n - 1)));
  });

  it('int covers both ends of its range', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(rng.int(-2, 2));
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2]);
  });

  it('permutation is a permutation, and every position is uniform (χ² at α = 1e-6)', () => {
    const n = 5;
    const reps = 20_000;
    const rng = new Rng(4);
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let r = 0; r < reps; r++) {
      const p = rng.permutation(n);
      expect([...p].sort()).toEqual([0, 1, 2, 3, 4]);
      p.forEach((v, i) => { counts[i]![v]!++; });
    }
    const expected = reps / n;
    const chi2 = counts.flat().reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 25 cells with 16 degrees of freedom (row and column sums fixed); χ²₁₆ upper 1e-6 quantile is 58.32.
    expect(chi2).toBeLessThan(58.32);
  });

  it('forks give independent, reproducible streams', () => {
    const a = new Rng(5);
    const f1 = a.fork();
    const f2 = a.fork();
    expect(f1.uniforms(3)).not.toEqual(f2.uniforms(3));
    const b = new Rng(5);
    expect(b.fork().uniforms(3)).toEqual(new Rng(5).fork().uniforms(3));
  });

  it('seed() never returns 0, which tfjs initialisers read as "no seed"', () => {
    const rng = new Rng(6);
    for (let i = 0; i < 1000; i++) expect(rng.seed()).toBeGreaterThan(0);
  });
});
