/**
 * Exercise 08, part 3 — the loss surface over the plane of the trajectory's two principal components.
 *
 * A point (a, b) of the plane stands for the parameters θ = mean + a·c₁ + b·c₂ (`inverseTransform`);
 * its height is the unregularised training cross-entropy f_CE(θ). Uses `loadParamsIntoModel` from
 * exercise 02 to put θ into the network.
 */
import { ArgumentError } from '#kit/errors';
import { tf } from '#kit/tf';
import { checkExamples, checkInteger, type Examples } from '#kit/train';
import { extractModelParams, loadParamsIntoModel } from '../02-mlp/mlp.ts';
import { fitPca, type Pca, type Vector } from './pca.ts';

/** Anything that maps plane coordinates back to parameter vectors — a fitted `Pca`, or a test's exact plane. */
export interface Projection {
  inverseTransform(coords: readonly Vector[]): ArrayLike<number>[];
}

/** The grid's coordinates along the first (x) and second (y) component, each increasing. */
export interface GridAxes {
  x: Float64Array;
  y: Float64Array;
}

export interface GridOptions {
  /** Grid points along each axis (default 25: 625 losses). */
  steps?: number;
  /** Extra room on each side, as a fraction of the trajectory's extent along that axis (default 0.2). */
  margin?: number;
}

/** f_CE on a grid: `z[j][i]` is the loss at (x[i], y[j]) — rows follow y, as plotly and contourPlot expect. */
export interface LossGrid {
  x: Float64Array;
  y: Float64Array;
  z: Float64Array[];
}

/** The trajectory in the plane: its points' coordinates and the loss at each (on the surface). */
export interface LandscapePath {
  x: Float64Array;
  y: Float64Array;
  loss: Float64Array;
}

export interface Landscape {
  pca: Pca;
  grid: LossGrid;
  path: LandscapePath;
  /** Wall-clock seconds of each stage. */
  seconds: { pca: number; grid: number; path: number };
}

function extent(coords: readonly Vector[], axis: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of coords) {
    lo = Math.min(lo, c[axis]!);
    hi = Math.max(hi, c[axis]!);
  }
  return [lo, hi];
}

/**
 * The axes of a grid that spans the projected trajectory with a margin: along each of the two
 * coordinates, from min − margin·(max − min) to max + margin·(max − min), in `steps` evenly spaced
 * values (both ends included).
 */
export function gridAxes(coords: readonly Vector[], options: GridOptions = {}): GridAxes {
  const steps = options.steps ?? 25;
  const margin = options.margin ?? 0.2;
  checkInteger('steps', steps, 2, 'grid points along each axis');
  if (!Number.isFinite(margin) || margin < 0) {
    throw new ArgumentError(`gridAxes: margin = ${String(margin)} is not allowed; use a fraction ≥ 0 of the trajectory's extent, e.g. 0.2.`);
  }
  if (coords.length === 0 || coords.some((c) => c.length !== 2 || !Number.isFinite(c[0]) || !Number.isFinite(c[1]))) {
    throw new ArgumentError('gridAxes: coords must be one or more pairs of finite numbers (the trajectory projected on the two components).');
  }
  for (const axis of [0, 1]) {
    const [lo, hi] = extent(coords, axis);
    if (!(hi > lo)) {
      throw new ArgumentError(
        `gridAxes: the trajectory does not move along component ${String(axis + 1)} (every point has coordinate ${String(lo)}), ` +
          'so there is no extent to span. Record more snapshots, at more different moments of training.',
      );
    }
  }
  // BEGIN SOLUTION
  const axis = (k: number): Float64Array => {
    const [lo, hi] = extent(coords, k);
    const pad = margin * (hi - lo);
    const start = lo - pad;
    const end = hi + pad;
    return Float64Array.from({ length: steps }, (_, i) => (i === steps - 1 ? end : start + ((end - start) * i) / (steps - 1)));
  };
  return { x: axis(0), y: axis(1) };
  // END SOLUTION
}

function checkModelData(fn: string, model: tf.LayersModel, data: Examples): number {
  const classes = model.outputs[0]?.shape.at(-1);
  const inputs = model.inputs[0]?.shape.at(-1);
  if (typeof classes !== 'number' || typeof inputs !== 'number') {
    throw new ArgumentError(`${fn}: the model needs one input and one output of known sizes (a classifier with logits, like 02’s buildMlp).`);
  }
  checkExamples(`${fn}: data`, data, classes);
  if (inputs !== data.features) {
    throw new ArgumentError(`${fn}: the model takes ${String(inputs)} features but data has ${String(data.features)}; pass the data the model was trained on.`);
  }
  return classes;
}

/**
 * The unregularised mean cross-entropy f_CE on `data` at each point of the plane: for coordinates
 * (a, b), load `projection.inverseTransform([[a, b]])` into the model (`loadParamsIntoModel` takes a
 * Float32Array) and compute −(1/n) Σᵢ log softmax(z⁽ⁱ⁾)[yᵢ] over all of `data`, in inference mode.
 *
 * This runs hundreds of times, so: put `data` on the device once (one tensor for the inputs, one for
 * the one-hot labels) and reuse it for every point; run all rows in one forward pass (`model.predict`
 * cuts its input into batches of 32 unless you pass `{ batchSize: data.count }` — 15 times slower
 * here); no new models; free every tensor. When done, put the model's own parameters back (it should
 * end as it started).
 */
export function lossAt(model: tf.LayersModel, projection: Projection, data: Examples, coords: readonly Vector[]): Float64Array {
  const classes = checkModelData('lossAt', model, data);
  // BEGIN SOLUTION
  const original = extractModelParams(model);
  const x = tf.tensor2d(data.x.subarray(0, data.count * data.features), [data.count, data.features]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels!.subarray(0, data.count), 'int32'), classes));
  try {
    const out = new Float64Array(coords.length);
    coords.forEach((c, i) => {
      const theta = projection.inverseTransform([c])[0]!;
      loadParamsIntoModel(model, Float32Array.from(theta));
      // One forward pass over all rows: predict's default batchSize (32) would cut it into 79 small ones.
      out[i] = tf.tidy(() => tf.losses.softmaxCrossEntropy(y, model.predict(x, { batchSize: data.count }) as tf.Tensor2D).dataSync()[0]!);
    });
    return out;
  } finally {
    loadParamsIntoModel(model, original);
    x.dispose();
    y.dispose();
  }
  // END SOLUTION
}

/**
 * f_CE at every point of the grid `axes` (see `lossAt`): returns the axes and `z`, with `z[j][i]` the
 * loss at (axes.x[i], axes.y[j]). Evaluate all points with one `lossAt` call, so the data go to the
 * device once.
 */
export function lossGrid(model: tf.LayersModel, projection: Projection, data: Examples, axes: GridAxes): LossGrid {
  checkModelData('lossGrid', model, data);
  if (axes.x.length < 1 || axes.y.length < 1) throw new ArgumentError('lossGrid: each axis needs at least one coordinate (see gridAxes).');
  // BEGIN SOLUTION
  const nodes: number[][] = [];
  for (const b of axes.y) for (const a of axes.x) nodes.push([a, b]);
  const losses = lossAt(model, projection, data, nodes);
  const nx = axes.x.length;
  const z = Array.from({ length: axes.y.length }, (_, j) => losses.slice(j * nx, (j + 1) * nx));
  return { x: Float64Array.from(axes.x), y: Float64Array.from(axes.y), z };
  // END SOLUTION
}

/**
 * Everything the figures need, from a trajectory (this one is written for you; it uses yours): the
 * PCA of the snapshots (2 components), their coordinates in its plane, a grid around them (`gridAxes`
 * with `options`), the loss on the grid, and the loss at each snapshot's projection — the point of the
 * surface above it, which is where the scatter plot puts it (for a trajectory of rank ≤ 2 that is the
 * snapshot's own loss).
 */
export function lossLandscape(model: tf.LayersModel, trajectory: readonly Vector[], data: Examples, options: GridOptions = {}): Landscape {
  checkModelData('lossLandscape', model, data);
  const t0 = performance.now();
  const pca = fitPca(trajectory, 2);
  const coords = pca.transform(trajectory);
  const t1 = performance.now();
  const grid = lossGrid(model, pca, data, gridAxes(coords, options));
  const t2 = performance.now();
  const loss = lossAt(model, pca, data, coords);
  const t3 = performance.now();
  return {
    pca,
    grid,
    path: { x: Float64Array.from(coords, (c) => c[0]!), y: Float64Array.from(coords, (c) => c[1]!), loss },
    seconds: { pca: (t1 - t0) / 1000, grid: (t2 - t1) / 1000, path: (t3 - t2) / 1000 },
  };
}
