/**
 * Tests for exercise 08, part 2: PCA of a trajectory (fitPca, Pca.transform, Pca.inverseTransform).
 *
 * Every trajectory here is built with a known answer: snapshots θₜ = μ + Σᵢ aᵢ(t)·uᵢ with orthonormal
 * directions uᵢ and coordinates aᵢ(t) = Aᵢ·cos or sin of (2π·fᵢ·t/T) — over whole periods these are
 * centred and uncorrelated, so the uᵢ are exactly the principal components and Aᵢ²·T/(2(T − 1)) their
 * variances. Everything is deterministic float64 arithmetic: tolerances are a million times the
 * rounding error and a million times below every wrong answer tested.
 */
import { SingularValueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import { expectAtLeast, expectClose, type Rule } from '#kit/testing';
import { fitPca, Pca, type PcaFit } from './pca.ts';
import { addScaled, dot, maxAbs, maxAbsDiff, norm, orthonormalDirections, signFixed as withSignConvention, sub } from '#kit/vectors';

/**
 * |actual − expected| ≤ tol · max(1, max |expected|), entry by entry; on failure the rule and the
 * mistake whose vector `actual` is, if any.
 */
const expectVectorClose = atCallSite((actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, rule?: Rule): void => {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const err = maxAbsDiff(actual, expected);
  if (err <= tol * Math.max(1, maxAbs(expected))) return;
  const mistake = rule?.mistakes?.find((m) => typeof m.value !== 'number' && m.value.length === actual.length && maxAbsDiff(actual, m.value) <= tol * Math.max(1, maxAbs(m.value)));
  expect.fail(`${what}: largest difference ${err} (tolerance ${tol} × max(1, max |expected|))` +
    (rule === undefined ? '' : `\nRule: ${rule.rule}.`) + (mistake === undefined ? '' : `\nThat is the value of a usual mistake: ${mistake.name}.`));
});

/** toBeCloseTo(v, 9) is |Δ| < 5e-10; the kit's tolerance is relative to max(1, |v|). */
const tol9 = (v: number): number => 5e-10 / Math.max(1, Math.abs(v));

const COMPONENT_RULE = 'the components are the leading eigenvectors of the centred snapshots\' covariance, unit length, each with its largest-magnitude entry positive';
const VARIANCE_RULE = 'explained variance = eigenvalue of the covariance of the centred snapshots, divided by T − 1';
const flip = (u: ArrayLike<number>): number[] => Array.from(u, (v) => -v);

interface Wave {
  amplitude: number;
  /** Whole periods over the trajectory; different frequencies keep the coordinates uncorrelated. */
  periods: number;
  phase: 'cos' | 'sin';
}

interface KnownTrajectory {
  snapshots: Float64Array[];
  mean: Float64Array;
  directions: Float64Array[];
  coords: Float64Array[];
  variances: number[];
}

/** θₜ = μ + Σᵢ waveᵢ(t)·uᵢ, with ‖μ‖ far larger than the spread so that forgetting to centre shows. */
function knownTrajectory(p: number, t: number, waves: readonly Wave[], seed: number, meanScale = 1): KnownTrajectory {
  const rng = new Rng(seed);
  const mean = rng.normals(p, 0, meanScale);
  const directions = orthonormalDirections(p, waves.length, rng);
  const coords: Float64Array[] = [];
  const snapshots: Float64Array[] = [];
  for (let s = 0; s < t; s++) {
    const c = Float64Array.from(waves, (w) => {
      const angle = (2 * Math.PI * w.periods * s) / t;
      return w.amplitude * (w.phase === 'cos' ? Math.cos(angle) : Math.sin(angle));
    });
    coords.push(c);
    const theta = Float64Array.from(mean);
    waves.forEach((_, i) => addScaled(theta, c[i]!, directions[i]!));
    snapshots.push(theta);
  }
  const variances = waves.map((w) => (w.amplitude ** 2 * t) / (2 * (t - 1)));
  return { snapshots, mean, directions, coords, variances };
}

const PLANE: Wave[] = [
  { amplitude: 3, periods: 1, phase: 'cos' },
  { amplitude: 1, periods: 1, phase: 'sin' },
];

/** PCA straight from the SVD of the centred T × P matrix (ml-matrix): an independent reference for small P. */
function referencePca(snapshots: readonly Float64Array[], k: number): { components: Float64Array[]; variances: number[] } {
  const t = snapshots.length;
  const p = snapshots[0]!.length;
  const mean = new Float64Array(p);
  for (const s of snapshots) addScaled(mean, 1 / t, s);
  const x = new Matrix(snapshots.map((s) => Array.from(sub(s, mean))));
  const svd = new SingularValueDecomposition(x, { computeLeftSingularVectors: false, autoTranspose: true });
  const v = svd.rightSingularVectors;
  const components: Float64Array[] = [];
  for (let i = 0; i < k; i++) components.push(withSignConvention(Float64Array.from(v.getColumn(i))));
  return { components, variances: svd.diagonal.slice(0, k).map((s) => (s * s) / (t - 1)) };
}

/** A random walk with decaying steps, like SGD: many directions, a few dominant. */
function randomWalk(p: number, t: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const drift = rng.normals(p, 0, 0.02);
  let theta = rng.normals(p, 0, 0.05);
  const out = [Float64Array.from(theta)];
  for (let s = 1; s < t; s++) {
    const step = rng.normals(p, 0, 0.01 / Math.sqrt(s));
    theta = theta.map((v, j) => v + drift[j]! / s + step[j]!);
    out.push(Float64Array.from(theta));
  }
  return out;
}

describe('fitPca', () => {
  it('finds the plane of a rank-2 trajectory: its mean, its two directions (largest variance first) and their variances', () => {
    const known = knownTrajectory(5000, 30, PLANE, 1);
    const pca = fitPca(known.snapshots, 2);
    expect(pca).toBeInstanceOf(Pca);
    expect(pca.components).toHaveLength(2);
    expectVectorClose(pca.mean, known.mean, 1e-9, 'mean snapshot');
    known.directions.forEach((u, i) => {
      expectVectorClose(pca.components[i]!, withSignConvention(u), 1e-9, `component ${i} (the direction with amplitude ${PLANE[i]!.amplitude})`, {
        rule: COMPONENT_RULE,
        mistakes: [{ name: 'no sign convention (the component negated)', value: flip(withSignConvention(u)) }],
      });
      const T = known.snapshots.length;
      expectClose(pca.explainedVariance[i], known.variances[i]!, tol9(known.variances[i]!), `explained variance ${i}`, {
        rule: VARIANCE_RULE,
        mistakes: [{ name: 'variances divided by T instead of T − 1', value: (known.variances[i]! * (T - 1)) / T }],
      });
    });
    // Variance 4.65 + 0.517 and nothing else: the two components explain it all.
    const T = known.snapshots.length;
    const total = known.variances[0]! + known.variances[1]!;
    expectClose(pca.totalVariance, total, tol9(total), 'total variance', {
      rule: 'total variance = Σ over parameters of their variance across snapshots (divided by T − 1)',
      mistakes: [{ name: 'variances divided by T instead of T − 1', value: (total * (T - 1)) / T }],
    });
    expectClose(pca.explainedVarianceRatio[0]! + pca.explainedVarianceRatio[1]!, 1, 5e-10, 'explained variance ratio of the 2 components, summed', {
      rule: 'ratio = explained variance / total variance; a trajectory in a plane is all explained by 2 components',
    });
  });

  it('centres the snapshots: with a mean snapshot 100 times farther from 0 than the trajectory is wide, the components are still the trajectory’s directions', () => {
    // Without centring, the first direction found is ≈ μ/‖μ‖ (the snapshots all point that way).
    const known = knownTrajectory(2000, 24, PLANE, 2, 10);
    expectAtLeast(norm(known.mean) / maxAbs(known.coords.map((c) => c[0]!)), 100, 'the fixture: ‖mean snapshot‖ / the trajectory\'s width', {
      rule: 'the test\'s trajectory sits far from 0, so that PCA without centring finds the mean', strict: true,
    });
    const pca = fitPca(known.snapshots, 2);
    const mu = norm(known.mean);
    expectClose(Math.abs(dot(pca.components[0]!, known.directions[0]!)), 1, 5e-10, '|component 0 · the trajectory\'s first direction|', {
      rule: 'PCA centres each parameter (subtracts the mean snapshot) before finding directions',
      mistakes: [{ name: 'PCA without centring (component 0 is then ≈ the mean snapshot\'s direction)', value: Math.abs(dot(known.mean, known.directions[0]!)) / mu }],
    });
    expectVectorClose(pca.mean, known.mean, 1e-9, 'mean snapshot (the mean over snapshots, per parameter)', {
      rule: 'mean[p] = (1/T) Σₜ θₜ[p]: one mean per parameter, not one per snapshot',
    });
  });

  it('on an SGD-like random walk: components orthonormal, ordered by explained variance, equal to the SVD of the centred data', () => {
    const snapshots = randomWalk(300, 40, 3);
    const pca = fitPca(snapshots, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        expectClose(dot(pca.components[i]!, pca.components[j]!), i === j ? 1 : 0, 5e-10, `component ${i} · component ${j}`, {
          rule: 'components are orthonormal: unit length (Xcᵀv divided by √λ for an eigenvector v of the Gram matrix) and orthogonal',
        });
      }
    }
    const order = { rule: 'components in decreasing order of explained variance (ml-matrix gives eigenvalues in increasing order)', strict: true };
    expectAtLeast(pca.explainedVariance[0], pca.explainedVariance[1]!, 'explained variance 0 (against explained variance 1)', order);
    expectAtLeast(pca.explainedVariance[1], pca.explainedVariance[2]!, 'explained variance 1 (against explained variance 2)', order);
    const ref = referencePca(snapshots, 3);
    const T = snapshots.length;
    ref.components.forEach((c, i) => {
      expectVectorClose(pca.components[i]!, c, 1e-7, `component ${i} against an SVD of the centred snapshots`, {
        rule: COMPONENT_RULE,
        mistakes: [{ name: 'no sign convention (the component negated)', value: flip(c) }],
      });
      expectClose(pca.explainedVariance[i]! / ref.variances[i]!, 1, 5e-10, `explained variance ${i} / the SVD's`, {
        rule: VARIANCE_RULE,
        mistakes: [{ name: 'variances divided by T instead of T − 1', value: (T - 1) / T }],
      });
    });
    // The explained variance is the variance (divided by T − 1) of the snapshots' coordinates along it.
    pca.components.forEach((c, i) => {
      const along = snapshots.map((s) => dot(sub(s, pca.mean), c));
      const variance = along.reduce((a, v) => a + v * v, 0) / (snapshots.length - 1);
      expectClose(pca.explainedVariance[i]! / variance, 1, 5e-10, `explained variance ${i} / the variance of the coordinates along component ${i}`, {
        rule: 'explained variance = variance of the snapshots\' coordinates along the component, divided by T − 1, not T',
        mistakes: [{ name: 'variances divided by T instead of T − 1', value: (T - 1) / T }],
      });
    });
    const total = snapshots.reduce((a, s) => a + dot(sub(s, pca.mean), sub(s, pca.mean)), 0) / (snapshots.length - 1);
    expectClose(pca.totalVariance / total, 1, 5e-10, 'total variance / Σ‖θₜ − mean‖²/(T − 1)', {
      rule: 'total variance = Σₜ ‖θₜ − mean‖² / (T − 1)',
      mistakes: [{ name: 'variances divided by T instead of T − 1', value: (T - 1) / T }],
    });
  });

  it('k = 1 and k = 3 on a rank-3 trajectory: each returns the k leading directions', () => {
    const waves: Wave[] = [
      { amplitude: 1, periods: 2, phase: 'sin' },
      { amplitude: 4, periods: 1, phase: 'cos' },
      { amplitude: 2, periods: 1, phase: 'sin' },
    ];
    const known = knownTrajectory(1000, 36, waves, 4);
    const byVariance = [1, 2, 0]; // amplitudes 4, 2, 1
    const three = fitPca(known.snapshots, 3);
    const one = fitPca(known.snapshots, 1);
    expect(three.components).toHaveLength(3);
    expect(one.components).toHaveLength(1);
    byVariance.forEach((d, i) => {
      expectVectorClose(three.components[i]!, withSignConvention(known.directions[d]!), 1e-9, `component ${i} of 3`, {
        rule: `${COMPONENT_RULE}, in decreasing order of variance`,
        mistakes: [
          { name: 'no sign convention (the component negated)', value: flip(withSignConvention(known.directions[d]!)) },
          { name: 'eigenvalues taken in ml-matrix\'s increasing order', value: withSignConvention(known.directions[byVariance[2 - i]!]!) },
        ],
      });
      expectClose(three.explainedVariance[i], known.variances[d]!, tol9(known.variances[d]!), `explained variance ${i} of 3`, {
        rule: `${VARIANCE_RULE}, in decreasing order`,
        mistakes: [
          { name: 'variances divided by T instead of T − 1', value: (known.variances[d]! * (known.snapshots.length - 1)) / known.snapshots.length },
          { name: 'eigenvalues taken in ml-matrix\'s increasing order', value: known.variances[byVariance[2 - i]!]! },
        ],
      });
    });
    expectVectorClose(one.components[0]!, three.components[0]!, 1e-9, 'the single component of k = 1');
  });

  it('never forms the P × P covariance: a trajectory with P = 200 000 parameters (a P × P matrix would need 320 GB)', () => {
    const known = knownTrajectory(200_000, 12, PLANE, 5, 0.05);
    const pca = fitPca(known.snapshots, 2);
    const rule = { rule: 'the components are the trajectory\'s directions, found from the T × T Gram matrix XcXcᵀ (never the P × P covariance)' };
    expectClose(Math.abs(dot(pca.components[0]!, known.directions[0]!)), 1, 5e-10, '|component 0 · the trajectory\'s first direction| (P = 200 000)', rule);
    expectClose(Math.abs(dot(pca.components[1]!, known.directions[1]!)), 1, 5e-10, '|component 1 · the trajectory\'s second direction| (P = 200 000)', rule);
  });

  it('fixes the signs: each component’s entry of largest absolute value is positive, so negating or reordering the snapshots gives the same components', () => {
    const snapshots = randomWalk(500, 25, 6);
    const pca = fitPca(snapshots, 2);
    pca.components.forEach((c, i) => {
      let big = 0;
      for (const v of c) if (Math.abs(v) > Math.abs(big)) big = v;
      expectAtLeast(big, 0, `largest-magnitude entry of component ${i}`, { rule: 'sign convention: each component\'s entry of largest absolute value is positive', strict: true });
    });
    const negated = fitPca(snapshots.map((s) => s.map((v) => -v)), 2);
    const reversed = fitPca([...snapshots].reverse(), 2);
    for (let i = 0; i < 2; i++) {
      expectVectorClose(negated.components[i]!, pca.components[i]!, 1e-9, `component ${i} of the negated trajectory`);
      expectVectorClose(reversed.components[i]!, pca.components[i]!, 1e-9, `component ${i} of the reversed trajectory`);
    }
    // And the same input twice gives the same output, bit for bit.
    expect(fitPca(snapshots, 2).components).toEqual(pca.components);
  });

  it('rejects, with an ArgumentError, a trajectory that varies along fewer than k directions, too few snapshots, ragged snapshots and NaN', () => {
    const line = knownTrajectory(100, 10, [{ amplitude: 1, periods: 1, phase: 'cos' }], 7);
    expect(fitPca(line.snapshots, 1).components).toHaveLength(1);
    expect(() => fitPca(line.snapshots, 2)).toThrow(ArgumentError);
    const still = Array.from({ length: 5 }, () => new Float64Array(10).fill(0.5));
    expect(() => fitPca(still, 1)).toThrow(ArgumentError);
    const ok = knownTrajectory(20, 6, PLANE, 8).snapshots;
    expect(() => fitPca(ok.slice(0, 2), 2)).toThrow(ArgumentError);
    expect(() => fitPca([...ok.slice(0, 5), new Float64Array(19)], 2)).toThrow(ArgumentError);
    const bad = ok.map((s) => Float64Array.from(s));
    bad[3]![7] = Number.NaN;
    expect(() => fitPca(bad, 2)).toThrow(ArgumentError);
    expect(() => fitPca(ok, 0)).toThrow(ArgumentError);
  });
});

describe('transform and inverseTransform', () => {
  /** The exact PCA of a known trajectory, built without fitPca so these tests judge only the two maps. */
  function exactPca(known: KnownTrajectory): Pca {
    const fit: PcaFit = {
      mean: known.mean,
      components: known.directions,
      explainedVariance: Float64Array.from(known.variances),
      totalVariance: known.variances.reduce((a, b) => a + b, 0),
    };
    return new Pca(fit);
  }

  it('transform gives each snapshot’s coordinates (θ − mean)·cᵢ', () => {
    const known = knownTrajectory(3000, 20, PLANE, 11, 2);
    const coords = exactPca(known).transform(known.snapshots);
    expect(coords).toHaveLength(20);
    coords.forEach((c, t) => {
      expect(c).toBeInstanceOf(Float64Array);
      expectVectorClose(c, known.coords[t]!, 1e-9, `coordinates of snapshot ${t}`);
    });
  });

  it('inverseTransform maps coordinates back into parameter space: a rank-2 trajectory is reconstructed exactly', () => {
    const known = knownTrajectory(3000, 20, PLANE, 12, 2);
    const back = exactPca(known).inverseTransform(known.coords);
    expect(back).toHaveLength(20);
    back.forEach((theta, t) => {
      expect(theta).toHaveLength(3000);
      expectVectorClose(theta, known.snapshots[t]!, 1e-9, `snapshot ${t} rebuilt from its coordinates`);
    });
    // The origin of the plane is the mean snapshot.
    expectVectorClose(exactPca(known).inverseTransform([[0, 0]])[0]!, known.mean, 1e-12, 'inverseTransform([0, 0])');
  });

  it('for a rank-3 trajectory, inverseTransform(transform(θ)) is the orthogonal projection of θ onto the plane', () => {
    const waves: Wave[] = [...PLANE, { amplitude: 0.5, periods: 2, phase: 'cos' }];
    const known = knownTrajectory(2000, 16, waves, 13, 2);
    const plane = exactPca({ ...known, directions: known.directions.slice(0, 2), variances: known.variances.slice(0, 2) });
    const back = plane.inverseTransform(plane.transform(known.snapshots));
    back.forEach((theta, t) => {
      const expected = Float64Array.from(known.snapshots[t]!);
      addScaled(expected, -known.coords[t]![2]!, known.directions[2]!);
      expectVectorClose(theta, expected, 1e-9, `projection of snapshot ${t}`);
    });
  });

  it('fitPca, transform and inverseTransform together reconstruct a rank-2 trajectory exactly', () => {
    const known = knownTrajectory(4000, 30, PLANE, 14, 1);
    const pca = fitPca(known.snapshots, 2);
    const back = pca.inverseTransform(pca.transform(known.snapshots));
    back.forEach((theta, t) => { expectVectorClose(theta, known.snapshots[t]!, 1e-9, `snapshot ${t}`); });
    // Wrong lengths are an ArgumentError, not garbage.
    expect(() => pca.transform([new Float64Array(10)])).toThrow(ArgumentError);
    expect(() => pca.inverseTransform([[1, 2, 3]])).toThrow(ArgumentError);
  });
});
