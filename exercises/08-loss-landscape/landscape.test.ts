/**
 * Tests for exercise 08, part 3: the grid (gridAxes), the loss at points of the plane (lossAt), the loss
 * on a grid (lossGrid) and the whole landscape of a trajectory (lossLandscape).
 *
 * The network is small (20 → 16 → 3, ReLU, logits) and the data synthetic (400 examples labelled by
 * a random linear rule), so hundreds of losses cost milliseconds. Trajectories are built with known
 * structure in the network's parameter space: snapshots θₜ = θ₀ + aₜ·u₁ + bₜ·u₂ lie exactly in a plane,
 * so the loss at a point's projection is the snapshot's own loss, which the test computes directly
 * (float64 log-softmax of the logits, `meanCrossEntropy` from '#kit/train'). The only error left is
 * float32 rounding in the forward pass (≈ 1e-7 relative); the tolerance is 1e-5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { expectAtLeast, expectClose } from '#kit/testing';
import { meanCrossEntropy, type Examples } from '#kit/train';
import { addScaled, orthonormalDirections } from '#kit/vectors';
import { gridAxes, lossAt, lossGrid, lossLandscape, type Projection } from './landscape.ts';

const FEATURES = 20;
const CLASSES = 3;
const REL_TOL = 1e-5;

/** The trainable weights in order, each row-major: the layout of 02's extractModelParams. */
function paramsOf(model: tf.LayersModel): Float64Array {
  const parts = model.trainableWeights.map((w) => w.read().dataSync());
  const flat = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  return flat;
}

function setParams(model: tf.LayersModel, flat: ArrayLike<number>): void {
  let offset = 0;
  for (const w of model.trainableWeights) {
    const size = w.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const t = tf.tensor(Float32Array.from({ length: size }, (_, i) => flat[offset + i]!), w.shape as number[]);
    w.write(t);
    t.dispose();
    offset += size;
  }
}

function smallModel(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [FEATURES], units: 16, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  model.add(tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  return model;
}

/** 400 examples, labels = argmax of a fixed random linear map plus noise: learnable, not trivial. */
function syntheticData(seed: number, count = 400): Examples {
  const rng = new Rng(seed);
  const w = rng.normals(FEATURES * CLASSES);
  const x = Float32Array.from(rng.normals(count * FEATURES));
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let max = -Infinity;
    for (let k = 0; k < CLASSES; k++) {
      let s = rng.normal(0, 0.5);
      for (let j = 0; j < FEATURES; j++) s += x[i * FEATURES + j]! * w[j * CLASSES + k]!;
      if (s > max) [max, best] = [s, k];
    }
    labels[i] = best;
  }
  return { x, labels, count, features: FEATURES };
}

interface PlaneTrajectory {
  snapshots: Float64Array[];
  /** The exact projection: mean + a·u₁ + b·u₂. */
  plane: Projection;
  /** Each snapshot's coordinates in that plane. */
  coords: number[][];
}

/** Snapshots θ₀ + aₜu₁ + bₜu₂ with ‖uᵢ‖ = 1 in parameter space: a curved path across a plane. */
function planeTrajectory(model: tf.LayersModel, seed: number, t = 12, scale = 4): PlaneTrajectory {
  const rng = new Rng(seed);
  const theta0 = paramsOf(model);
  const [u1, u2] = orthonormalDirections(theta0.length, 2, rng) as [Float64Array, Float64Array];
  const ab = Array.from({ length: t }, (_, s) => [(scale * s) / (t - 1), 0.6 * scale * Math.sin((Math.PI * s) / (t - 1))]);
  const snapshots = ab.map(([a, b]) => addScaled(addScaled(Float64Array.from(theta0), a!, u1), b!, u2));
  const meanA = ab.reduce((n, c) => n + c[0]!, 0) / t;
  const meanB = ab.reduce((n, c) => n + c[1]!, 0) / t;
  const mean = addScaled(addScaled(Float64Array.from(theta0), meanA, u1), meanB, u2);
  const plane: Projection = {
    inverseTransform: (coords) => coords.map((c) => addScaled(addScaled(Float64Array.from(mean), c[0]!, u1), c[1]!, u2)),
  };
  return { snapshots, plane, coords: ab.map(([a, b]) => [a! - meanA, b! - meanB]) };
}

/** The loss of the model with parameters θ, computed here without the student's code. */
function directLoss(model: tf.LayersModel, theta: ArrayLike<number>, data: Examples): number {
  setParams(model, theta);
  return meanCrossEntropy(model, data);
}

const expectLossClose = atCallSite((actual: number, expected: number, what: string): void => {
  expectClose(actual, expected, REL_TOL, what, {
    rule: 'the loss at (a, b) is the unregularised mean cross-entropy over all the data of the network with parameters mean + a·c₁ + b·c₂ (z[j][i] at (x[i], y[j]))',
  });
});

/** toBeCloseTo(v, d) is |Δ| < 0.5·10⁻ᵈ; the kit's tolerance is relative to max(1, |v|). */
const closeTo = (v: number, digits: number): number => (0.5 * 10 ** -digits) / Math.max(1, Math.abs(v));
const MARGIN_RULE = 'the axes span the projected path plus margin × its extent on each side (20 % by default), in steps evenly spaced values';

beforeAll(async () => {
  await ready();
});

describe('gridAxes', () => {
  it('spans the projected trajectory plus 20 % of its extent on each side, in 25 evenly spaced values per axis', () => {
    const axes = gridAxes([[0, 0], [2, 1], [1, -1], [0.5, 0.2]]);
    expect(axes.x).toBeInstanceOf(Float64Array);
    expect(axes.x).toHaveLength(25);
    expect(axes.y).toHaveLength(25);
    // x: extent [0, 2] → [−0.4, 2.4]; y: extent [−1, 1] → [−1.4, 1.4].
    const ends: [number | undefined, number, string, number][] = [
      [axes.x[0], -0.4, 'x[0] (extent [0, 2])', -0.2],
      [axes.x[24], 2.4, 'x[24] (extent [0, 2])', 2.2],
      [axes.y[0], -1.4, 'y[0] (extent [−1, 1])', -1.2],
      [axes.y[24], 1.4, 'y[24] (extent [−1, 1])', 1.2],
    ];
    for (const [got, want, what, absolute] of ends) {
      expectClose(got, want, closeTo(want, 12), what, { rule: MARGIN_RULE, mistakes: [{ name: 'an absolute margin of 0.2, not 20 % of the extent', value: absolute }] });
    }
    const spacing = { rule: `${MARGIN_RULE}: 25 values, 24 gaps of 2.8/24`, mistakes: [{ name: 'a spacing of span/steps (one gap too many)', value: 2.8 / 25 }] };
    for (let i = 1; i < 25; i++) {
      expectClose(axes.x[i]! - axes.x[i - 1]!, 2.8 / 24, closeTo(2.8 / 24, 12), `x[${i}] − x[${i - 1}]`, spacing);
      expectClose(axes.y[i]! - axes.y[i - 1]!, 2.8 / 24, closeTo(2.8 / 24, 12), `y[${i}] − y[${i - 1}]`, spacing);
    }
  });

  it('takes steps and margin, and rejects a trajectory with no extent or bad options (ArgumentError)', () => {
    const axes = gridAxes([[1, 10], [3, 14]], { steps: 5, margin: 0 });
    expect(Array.from(axes.x)).toEqual([1, 1.5, 2, 2.5, 3]);
    expect(Array.from(axes.y)).toEqual([10, 11, 12, 13, 14]);
    const wide = gridAxes([[1, 10], [3, 14]], { steps: 3, margin: 0.5 });
    expect(Array.from(wide.x)).toEqual([0, 2, 4]);
    expect(Array.from(wide.y)).toEqual([8, 12, 16]);
    expect(() => gridAxes([[1, 2], [1, 3]])).toThrow(ArgumentError);
    expect(() => gridAxes([[1, 2], [3, 4]], { steps: 1 })).toThrow(ArgumentError);
    expect(() => gridAxes([[1, 2], [3, 4]], { margin: -0.1 })).toThrow(ArgumentError);
    expect(() => gridAxes([])).toThrow(ArgumentError);
  });
});

describe('lossAt', () => {
  it('is the unregularised mean cross-entropy on all the data at each point of the plane, and leaves the model as it was', () => {
    const model = smallModel(1);
    const data = syntheticData(2);
    const traj = planeTrajectory(model, 3);
    const before = paramsOf(model);
    const losses = lossAt(model, traj.plane, data, traj.coords);
    expect(losses).toBeInstanceOf(Float64Array);
    expect(losses).toHaveLength(traj.snapshots.length);
    expect(paramsOf(model), 'the model’s parameters after lossAt').toEqual(before);
    // Rank 2: each snapshot is its own projection, so lossAt gives the snapshot's loss.
    traj.snapshots.forEach((theta, t) => { expectLossClose(losses[t]!, directLoss(model, theta, data), `loss at snapshot ${t}`); });
    // The path really crosses the landscape (the losses are not all alike).
    expectAtLeast(Math.max(...losses) - Math.min(...losses), 0.05, 'the spread of the losses along the path', {
      rule: 'lossAt evaluates the network at each point it is given (not at one point, nor at the model\'s own parameters)', strict: true,
    });
    model.dispose();
  });

  it('off the trajectory too: the loss at mean + a·c₁ + b·c₂ for arbitrary (a, b)', () => {
    const model = smallModel(4);
    const data = syntheticData(5, 250);
    const traj = planeTrajectory(model, 6);
    const points = [[0, 0], [-2, 1], [3, -0.5], [0.25, 4]];
    const losses = lossAt(model, traj.plane, data, points);
    points.forEach((p, i) => { expectLossClose(losses[i]!, directLoss(model, traj.plane.inverseTransform([p])[0]!, data), `loss at (${p.join(', ')})`); });
    model.dispose();
  });
});

describe('lossGrid', () => {
  it('z[j][i] is the loss at (x[i], y[j]) — rows follow y — on a 5 × 3 grid', () => {
    const model = smallModel(7);
    const data = syntheticData(8, 300);
    const traj = planeTrajectory(model, 9);
    const axes = { x: Float64Array.from([-1, -0.5, 0, 0.5, 1]), y: Float64Array.from([-0.4, 0.1, 0.7]) };
    const before = paramsOf(model);
    const grid = lossGrid(model, traj.plane, data, axes);
    expect(paramsOf(model)).toEqual(before);
    expect(Array.from(grid.x)).toEqual(Array.from(axes.x));
    expect(Array.from(grid.y)).toEqual(Array.from(axes.y));
    expect(grid.z).toHaveLength(3);
    grid.z.forEach((row, j) => {
      expect(row).toHaveLength(5);
      row.forEach((v, i) => { expectLossClose(v, directLoss(model, traj.plane.inverseTransform([[axes.x[i]!, axes.y[j]!]])[0]!, data), `z[${j}][${i}]`); });
    });
    model.dispose();
  });

  it('for a rank-2 trajectory, the grid loss at a snapshot’s projection equals the snapshot’s own loss', () => {
    const model = smallModel(10);
    const data = syntheticData(11, 300);
    const traj = planeTrajectory(model, 12, 8);
    // A grid whose node (k, k) sits on snapshot k.
    const picked = [0, 3, 5, 7];
    const axes = { x: Float64Array.from(picked, (k) => traj.coords[k]![0]!), y: Float64Array.from(picked, (k) => traj.coords[k]![1]!) };
    const grid = lossGrid(model, traj.plane, data, axes);
    picked.forEach((k, d) => { expectLossClose(grid.z[d]![d]!, directLoss(model, traj.snapshots[k]!, data), `grid node on snapshot ${k}`); });
    model.dispose();
  });
});

describe('lossLandscape', () => {
  it('PCA plane, 25 × 25 grid around the path, and the path’s losses on the surface (its own losses for rank 2)', () => {
    const model = smallModel(13);
    const data = syntheticData(14, 300);
    const traj = planeTrajectory(model, 15, 10);
    const before = paramsOf(model);
    const land = lossLandscape(model, traj.snapshots, data);
    expect(paramsOf(model)).toEqual(before);
    expect(land.pca.components).toHaveLength(2);
    const { grid, path } = land;
    expect(grid.x).toHaveLength(25);
    expect(grid.y).toHaveLength(25);
    expect(grid.z).toHaveLength(25);
    expect(path.x).toHaveLength(10);
    // The path's coordinates are the PCA coordinates of the snapshots, inside the grid with room to spare.
    const coords = land.pca.transform(traj.snapshots);
    const onPlane = { rule: 'the path\'s coordinates are pca.transform(snapshots): (θₜ − mean)·c₁ and (θₜ − mean)·c₂' };
    coords.forEach((c, t) => {
      expectClose(path.x[t], c[0]!, closeTo(c[0]!, 9), `path.x[${t}]`, onPlane);
      expectClose(path.y[t], c[1]!, closeTo(c[1]!, 9), `path.y[${t}]`, onPlane);
    });
    const spanX = Math.max(...path.x) - Math.min(...path.x);
    const lo = Math.min(...path.x) - 0.2 * spanX;
    const hi = Math.max(...path.x) + 0.2 * spanX;
    expectClose(grid.x[0], lo, closeTo(lo, 9), 'grid.x[0]', { rule: MARGIN_RULE, mistakes: [{ name: 'an absolute margin of 0.2, not 20 % of the extent', value: Math.min(...path.x) - 0.2 }] });
    expectClose(grid.x[24], hi, closeTo(hi, 9), 'grid.x[24]', { rule: MARGIN_RULE, mistakes: [{ name: 'an absolute margin of 0.2, not 20 % of the extent', value: Math.max(...path.x) + 0.2 }] });
    traj.snapshots.forEach((theta, t) => { expectLossClose(path.loss[t]!, directLoss(model, theta, data), `path loss ${t}`); });
    for (const [i, j] of [[0, 0], [12, 7], [24, 24], [3, 20]] as const) {
      const theta = land.pca.inverseTransform([[grid.x[i]!, grid.y[j]!]])[0]!;
      expectLossClose(grid.z[j]![i]!, directLoss(model, theta, data), `z[${j}][${i}]`);
    }
    // Options reach the grid.
    const coarse = lossLandscape(model, traj.snapshots, data, { steps: 4, margin: 0 });
    expect(coarse.grid.z).toHaveLength(4);
    expectClose(coarse.grid.x[0], Math.min(...path.x), closeTo(Math.min(...path.x), 9), 'grid.x[0] with { steps: 4, margin: 0 }', {
      rule: 'lossLandscape passes its options to the grid: margin 0 starts the axis at the path\'s smallest x',
      mistakes: [{ name: 'the options ignored (the default 20 % margin)', value: lo }],
    });
    model.dispose();
  });
});
