/**
 * Exercise 08, part 2 — principal component analysis of an SGD trajectory.
 *
 * The trajectory is T snapshots of the network's P parameters (T ≈ tens to a few hundred, P ≈ tens of
 * thousands). Its covariance matrix would be P × P — 50 000² doubles are 20 GB — so PCA has to work
 * with the T × T Gram matrix of the centred snapshots instead, whose eigenvectors give the same
 * principal directions.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { ArgumentError } from '#kit/errors';

/** One point in parameter space (length P) or in the plane of the components (length k). */
export type Vector = ArrayLike<number>;

/** What `fitPca` finds; the `Pca` constructor checks the shapes. */
export interface PcaFit {
  /** The mean snapshot, length P. */
  mean: Float64Array;
  /** k orthonormal directions of length P, the one with the largest variance first. */
  components: Float64Array[];
  /** Variance of the snapshots along each component (divided by T − 1), largest first. */
  explainedVariance: Float64Array;
  /** Total variance of the snapshots: the sum over all P coordinates (divided by T − 1). */
  totalVariance: number;
}

function requireLength(what: string, v: Vector, n: number, fix: string): void {
  if (v.length !== n) {
    throw new ArgumentError(`${what} has length ${v.length}, but ${String(n)} is needed. ${fix}`);
  }
}

/** A fitted PCA: the mean, the components, and the maps into and out of their plane. */
export class Pca {
  readonly mean: Float64Array;
  readonly components: readonly Float64Array[];
  readonly explainedVariance: Float64Array;
  readonly totalVariance: number;

  constructor(fit: PcaFit) {
    const p = fit.mean.length;
    const k = fit.components.length;
    if (p < 1 || k < 1) {
      throw new ArgumentError(
        `Pca needs a mean of length P ≥ 1 and at least one component; got P = ${String(p)} and ${String(k)} ` +
          `component(s). fitPca must return one component per requested direction, each as long as a snapshot.`,
      );
    }
    fit.components.forEach((c, i) => {
      requireLength(`Component ${String(i)}`, c, p, 'Each component is a direction in parameter space, as long as the mean snapshot (not a vector over the T snapshots).');
    });
    requireLength('explainedVariance', fit.explainedVariance, k, 'Give one variance per component.');
    this.mean = fit.mean;
    this.components = fit.components;
    this.explainedVariance = fit.explainedVariance;
    this.totalVariance = fit.totalVariance;
  }

  /** P, the length of a snapshot. */
  get dimension(): number {
    return this.mean.length;
  }

  /** Fraction of the total variance along each component. */
  get explainedVarianceRatio(): Float64Array {
    return this.explainedVariance.map((v) => v / this.totalVariance);
  }

  /**
   * Coordinates of each point in the plane of the components: for a point θ, the k numbers
   * (θ − mean) · components[i]. Returns one Float64Array of length k per point.
   */
  transform(points: readonly Vector[]): Float64Array[] {
    points.forEach((q, i) => {
      requireLength(`transform: point ${String(i)}`, q, this.dimension, 'Pass snapshots of the same network the PCA was fitted on.');
    });
    // BEGIN SOLUTION
    const k = this.components.length;
    return points.map((q) => {
      const out = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        const c = this.components[i]!;
        let s = 0;
        for (let j = 0; j < c.length; j++) s += (q[j]! - this.mean[j]!) * c[j]!;
        out[i] = s;
      }
      return out;
    });
    // END SOLUTION
  }

  /**
   * The points of parameter space with the given coordinates: mean + Σᵢ coords[i] · components[i].
   * Returns one Float64Array of length P per coordinate pair.
   */
  inverseTransform(coords: readonly Vector[]): Float64Array[] {
    coords.forEach((c, i) => {
      requireLength(`inverseTransform: coordinates ${String(i)}`, c, this.components.length, 'Give one coordinate per component.');
    });
    // BEGIN SOLUTION
    return coords.map((a) => {
      const out = Float64Array.from(this.mean);
      this.components.forEach((c, i) => {
        const w = a[i]!;
        for (let j = 0; j < out.length; j++) out[j]! += w * c[j]!;
      });
      return out;
    });
    // END SOLUTION
  }
}

function checkTrajectory(trajectory: readonly Vector[], k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new ArgumentError(`fitPca: k = ${String(k)} is not allowed; ask for a whole number of components ≥ 1 (2 for a plane).`);
  }
  const t = trajectory.length;
  if (t < k + 1) {
    throw new ArgumentError(
      `fitPca: ${String(t)} snapshot(s) cannot span ${String(k)} direction(s); T snapshots vary along at most ` +
        `T − 1 directions, so at least ${String(k + 1)} are needed. Record more snapshots during training.`,
    );
  }
  const p = trajectory[0]!.length;
  trajectory.forEach((row, i) => {
    requireLength(`fitPca: snapshot ${String(i)}`, row, p, 'Every snapshot must hold the same network’s parameters (same length as snapshot 0).');
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(row[j])) {
        throw new ArgumentError(
          `fitPca: snapshot ${String(i)} has ${String(row[j])} at parameter ${String(j)}. Training diverged ` +
            `before this snapshot; lower the learning rate or record fewer steps.`,
        );
      }
    }
  });
  if (p < k) {
    throw new ArgumentError(`fitPca: snapshots of length ${String(p)} have fewer than k = ${String(k)} directions.`);
  }
}

/**
 * PCA of a trajectory of T snapshots (each of length P): the k directions along which the snapshots
 * vary most, without forming the P × P covariance matrix.
 *
 * Steps:
 * 1. the mean snapshot μ, and the centred snapshots xₜ = θₜ − μ (a T × P matrix X);
 * 2. the T × T Gram matrix G = X Xᵀ, Gₛₜ = xₛ · xₜ;
 * 3. its eigenvalues λ₁ ≥ λ₂ ≥ … and unit eigenvectors v₁, v₂, … (G is symmetric);
 * 4. component i is cᵢ = Xᵀvᵢ / √λᵢ, a unit vector of length P (the covariance matrix XᵀX/(T − 1) has
 *    eigenvalues λᵢ/(T − 1) with exactly these eigenvectors), and its explained variance is λᵢ/(T − 1);
 * 5. the sign convention, so a result is reproducible: flip cᵢ if needed so that its entry of largest
 *    absolute value is positive.
 * `totalVariance` is Σₜ ‖xₜ‖² / (T − 1). Eigenvalues come out of `EigenvalueDecomposition` from
 * ml-matrix (option `assumeSymmetric: true`) in increasing order.
 *
 * It is an error (ArgumentError) when the trajectory varies along fewer than k directions: then
 * λₖ is zero up to rounding (below 1e-10 of λ₁) and the component is meaningless.
 *
 * Work in float64 (Float64Array and plain loops, not float32 tensors): the tests compare components
 * to 1e-9, and float32's rounding (1e-7) would also make a missing direction look present.
 */
export function fitPca(trajectory: readonly Vector[], k = 2): Pca {
  checkTrajectory(trajectory, k);
  // BEGIN SOLUTION
  const t = trajectory.length;
  const p = trajectory[0]!.length;
  const mean = new Float64Array(p);
  for (const row of trajectory) for (let j = 0; j < p; j++) mean[j]! += row[j]!;
  for (let j = 0; j < p; j++) mean[j]! /= t;
  const centred = trajectory.map((row) => {
    const x = new Float64Array(p);
    for (let j = 0; j < p; j++) x[j] = row[j]! - mean[j]!;
    return x;
  });

  const gram = new Matrix(gramMatrix(centred));
  const evd = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  const order = evd.realEigenvalues.map((value, index) => ({ value, index })).sort((a, b) => b.value - a.value);
  const largest = order[0]!.value;

  const components: Float64Array[] = [];
  const explainedVariance = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const { value, index } = order[i]!;
    if (!(value > 1e-10 * largest)) {
      throw new ArgumentError(
        `fitPca: the ${String(t)} snapshots vary along only ${String(i)} direction(s), fewer than k = ${String(k)}` +
          ' (every snapshot is the same point, or they lie on a line). Record snapshots at more, and more ' +
          'different, moments of training, or ask for fewer components.',
      );
    }
    const c = new Float64Array(p);
    for (let s = 0; s < t; s++) {
      const w = vectors.get(s, index);
      const x = centred[s]!;
      for (let j = 0; j < p; j++) c[j]! += w * x[j]!;
    }
    const norm = Math.sqrt(value);
    let big = 0;
    for (let j = 0; j < p; j++) {
      c[j]! /= norm;
      if (Math.abs(c[j]!) > Math.abs(big)) big = c[j]!;
    }
    if (big < 0) for (let j = 0; j < p; j++) c[j] = -c[j]!;
    components.push(c);
    explainedVariance[i] = value / (t - 1);
  }
  let total = 0;
  for (const x of centred) for (let j = 0; j < p; j++) total += x[j]! * x[j]!;
  return new Pca({ mean, components, explainedVariance, totalVariance: total / (t - 1) });
  // END SOLUTION
}

// BEGIN SOLUTION
/**
 * G = X Xᵀ for the rows of X, in float64. Two rows against two rows at a time over column blocks of
 * 2048: four running sums per pass and cache-resident blocks make it about 2.5× faster than the plain
 * triple loop (300 × 100 000 in about 7 s on one core).
 */
function gramMatrix(rows: readonly Float64Array[]): number[][] {
  const t = rows.length;
  const p = rows[0]!.length;
  const g = Array.from({ length: t }, () => new Array<number>(t).fill(0));
  const block = 2048;
  for (let c0 = 0; c0 < p; c0 += block) {
    const c1 = Math.min(p, c0 + block);
    for (let i = 0; i < t; i += 2) {
      const i1 = Math.min(i + 1, t - 1);
      const a0 = rows[i]!;
      const a1 = rows[i1]!;
      for (let j = 0; j <= i; j += 2) {
        const j1 = Math.min(j + 1, t - 1);
        const b0 = rows[j]!;
        const b1 = rows[j1]!;
        let s00 = 0;
        let s01 = 0;
        let s10 = 0;
        let s11 = 0;
        for (let c = c0; c < c1; c++) {
          const x0 = a0[c]!;
          const x1 = a1[c]!;
          const y0 = b0[c]!;
          const y1 = b1[c]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        g[i]![j]! += s00;
        if (j1 !== j) g[i]![j1]! += s01;
        if (i1 !== i) {
          g[i1]![j]! += s10;
          if (j1 !== j) g[i1]![j1]! += s11;
        }
      }
    }
  }
  // The loops filled the lower triangle (and the diagonal); mirror it.
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) g[i]![j] = g[j]![i]!;
  return g;
}
// END SOLUTION
