/**
 * Hidden tests for exercise 08: the public checks on other shapes, seeds and settings, so that code
 * fitted to the public tests' inputs does not pass. Never shipped to students. Each test calls the
 * student's function first. Small models on synthetic data keep the whole file to a few seconds; the
 * checks are exact up to float rounding (tolerances far above it, far below the mistakes they catch).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import { readPlotlyPage } from '#kit/plotly';
import { ready, tf } from '#kit/tf';
import { batches, meanCrossEntropy, trainStep, type Examples } from '#kit/train';
import { addScaled, dot, maxAbs, maxAbsDiff, orthonormalDirections, signFixed } from '#kit/vectors';
import { flatTrainable } from '#kit/testing/models';
import { gridAxes, lossAt, lossGrid, lossLandscape, type Projection } from '../../exercises/08-loss-landscape/landscape.ts';
import { fitPca, Pca } from '../../exercises/08-loss-landscape/pca.ts';
import { plotPath } from '../../exercises/08-loss-landscape/plot.ts';
import { recordTrajectory } from '../../exercises/08-loss-landscape/trajectory.ts';

const FEATURES = 12;
const CLASSES = 4;
let dir = '';

beforeAll(async () => {
  await ready();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-08-hidden-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const expectClose = atCallSite((actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void => {
  expect(actual.length, what).toBe(expected.length);
  expect(maxAbsDiff(actual, expected), what).toBeLessThanOrEqual(tol * Math.max(1, maxAbs(expected)));
});

const flat = flatTrainable;

function setFlat(model: tf.LayersModel, v: ArrayLike<number>): void {
  let o = 0;
  for (const w of model.trainableWeights) {
    const size = w.shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const t = tf.tensor(Float32Array.from({ length: size }, (_, i) => v[o + i]!), w.shape as number[]);
    w.write(t);
    t.dispose();
    o += size;
  }
}

/** 12 → 10 → 6 → 4, two hidden ReLU layers (the public tests use one). */
function model(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [FEATURES], units: 10, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  m.add(tf.layers.dense({ units: 6, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  m.add(tf.layers.dense({ units: CLASSES, kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  return m;
}

function data(seed: number, count: number): Examples {
  const rng = new Rng(seed);
  const w = rng.normals(FEATURES * CLASSES);
  const x = Float32Array.from(rng.normals(count * FEATURES));
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let [best, max] = [0, -Infinity];
    for (let k = 0; k < CLASSES; k++) {
      let s = rng.normal(0, 0.3);
      for (let j = 0; j < FEATURES; j++) s += x[i * FEATURES + j]! * w[j * CLASSES + k]!;
      if (s > max) [max, best] = [s, k];
    }
    labels[i] = best;
  }
  return { x, labels, count, features: FEATURES };
}

/** θₜ = μ + Σ Aᵢ·wave(t)·uᵢ over whole periods (centred, uncorrelated), amplitudes as given. */
function trajectory(p: number, t: number, amplitudes: number[], seed: number, meanScale = 3): { snapshots: Float64Array[]; mean: Float64Array; dirs: Float64Array[]; coords: number[][] } {
  const rng = new Rng(seed);
  const mean = rng.normals(p, 0, meanScale);
  const dirs = orthonormalDirections(p, amplitudes.length, rng);
  const coords = Array.from({ length: t }, (_, s) =>
    amplitudes.map((a, i) => a * (i % 2 === 0 ? Math.cos : Math.sin)((2 * Math.PI * (Math.floor(i / 2) + 1) * s) / t)),
  );
  const snapshots = coords.map((c) => {
    const v = Float64Array.from(mean);
    c.forEach((a, i) => addScaled(v, a, dirs[i]!));
    return v;
  });
  return { snapshots, mean, dirs, coords };
}

describe('fitPca', () => {
  it('hidden: the second direction has the larger amplitude, so it comes first; variances divide by T − 1', () => {
    const tr = trajectory(3001, 22, [0.5, 2], 101);
    const pca = fitPca(tr.snapshots, 2);
    expectClose(pca.components[0]!, signFixed(tr.dirs[1]!), 1e-8, 'component 0 = the amplitude-2 direction');
    expectClose(pca.components[1]!, signFixed(tr.dirs[0]!), 1e-8, 'component 1');
    expect(pca.explainedVariance[0]).toBeCloseTo((4 * 22) / (2 * 21), 9);
    expectClose(pca.mean, tr.mean, 1e-9, 'mean');
    expect(pca.explainedVarianceRatio[0]! + pca.explainedVarianceRatio[1]!).toBeCloseTo(1, 9);
  });

  it('hidden: a missing direction is judged relative to λ₁ (below 1e-10 of it), whatever the scale of the steps', () => {
    // A genuine plane of tiny steps: λ₂ is far above 1e-10·λ₁, though far below 1e-10 in absolute terms.
    const tiny = trajectory(400, 12, [2e-5, 1e-5], 103);
    expect(fitPca(tiny.snapshots, 2).components, 'components of a plane traversed in steps of 1e-5').toHaveLength(2);
    // A line traversed in huge steps: rounding leaves a λ₂ that is large in absolute terms but < 1e-10·λ₁.
    const line = trajectory(400, 12, [3e4], 104);
    expect(fitPca(line.snapshots, 1).components).toHaveLength(1);
    expect(() => fitPca(line.snapshots, 2), 'k = 2 on a line traversed in steps of 1e4').toThrow(ArgumentError);
  });

  it('hidden: rank 4, k = 2 — the two leading directions, orthonormal, signs fixed, invariant to negation', () => {
    const tr = trajectory(777, 40, [3, 0.4, 2, 1], 102);
    const pca = fitPca(tr.snapshots, 2);
    expect(Math.abs(dot(pca.components[0]!, tr.dirs[0]!))).toBeCloseTo(1, 8);
    expect(Math.abs(dot(pca.components[1]!, tr.dirs[2]!))).toBeCloseTo(1, 8);
    expect(dot(pca.components[0]!, pca.components[1]!)).toBeCloseTo(0, 9);
    for (const c of pca.components) expect(signFixed(c)).toEqual(Float64Array.from(c));
    const neg = fitPca(tr.snapshots.map((s) => s.map((v) => -v)), 2);
    expectClose(neg.components[1]!, pca.components[1]!, 1e-8, 'component 1 of the negated trajectory');
  });
});

describe('transform and inverseTransform', () => {
  it('hidden: k = 3 round trip of a rank-3 trajectory, and coordinates relative to the mean', () => {
    const tr = trajectory(500, 18, [1, 2, 0.7], 103);
    const pca = new Pca({ mean: tr.mean, components: tr.dirs, explainedVariance: Float64Array.from([1, 1, 1]), totalVariance: 3 });
    const coords = pca.transform(tr.snapshots);
    coords.forEach((c, t) => {
      expectClose(c, tr.coords[t]!, 1e-9, `coordinates of ${t}`);
    });
    pca.inverseTransform(coords).forEach((v, t) => {
      expectClose(v, tr.snapshots[t]!, 1e-9, `snapshot ${t}`);
    });
  });
});

describe('gridAxes', () => {
  it('hidden: steps 4, margin 0.1, negative coordinates', () => {
    const axes = gridAxes([[-5, 2], [-1, 0], [-3, 7]], { steps: 4, margin: 0.1 });
    expectClose(axes.x, [-5.4, -5.4 + 4.8 / 3, -5.4 + 9.6 / 3, -0.6], 1e-12, 'x');
    expectClose(axes.y, [-0.7, -0.7 + 8.4 / 3, -0.7 + 16.8 / 3, 7.7], 1e-12, 'y');
  });
});

/** A projection onto a random plane through the model's parameters, scaled to move the loss. */
function plane(m: tf.LayersModel, seed: number): Projection {
  const base = Float64Array.from(flat(m));
  const [u, v] = orthonormalDirections(base.length, 2, new Rng(seed)) as [Float64Array, Float64Array];
  return { inverseTransform: (cs) => cs.map((c) => addScaled(addScaled(Float64Array.from(base), c[0]!, u), c[1]!, v)) };
}

describe('lossAt', () => {
  it('hidden: a deeper network, four points, the model restored', () => {
    const m = model(104);
    const d = data(105, 150);
    const proj = plane(m, 106);
    const before = flat(m);
    const pts = [[0, 0], [2, -1], [-3, 0.5], [1, 3]];
    const got = lossAt(m, proj, d, pts);
    expect(flat(m)).toEqual(before);
    pts.forEach((p, i) => {
      setFlat(m, proj.inverseTransform([p])[0]!);
      expect(Math.abs(got[i]! - meanCrossEntropy(m, d))).toBeLessThan(1e-5 * Math.max(1, got[i]!));
    });
    m.dispose();
  });
});

describe('lossGrid', () => {
  it('hidden: a 4 × 6 grid (4 x values, 6 y values), z[j][i] at (x[i], y[j])', () => {
    const m = model(107);
    const d = data(108, 120);
    const proj = plane(m, 109);
    const axes = { x: Float64Array.from([-2, 0, 1, 3]), y: Float64Array.from([-1.5, -1, 0, 0.5, 2, 2.5]) };
    const grid = lossGrid(m, proj, d, axes);
    expect(grid.z).toHaveLength(6);
    const want = Array.from(axes.y, (b) =>
      Array.from(axes.x, (a) => {
        setFlat(m, proj.inverseTransform([[a, b]])[0]!);
        return meanCrossEntropy(m, d);
      }),
    );
    grid.z.forEach((row, j) => {
      expectClose(row, want[j]!, 1e-5, `row ${j}`);
    });
    m.dispose();
  });
});

describe('lossLandscape', () => {
  it('hidden: steps 6 and margin 0.5 reach the grid; the path losses are the snapshots’ own for a planar trajectory', () => {
    const m = model(110);
    const d = data(111, 100);
    const proj = plane(m, 112);
    const coords = Array.from({ length: 7 }, (_, t) => [t - 3, 0.3 * (t - 3) ** 2 - 1]);
    const snaps = proj.inverseTransform(coords);
    const land = lossLandscape(m, snaps, d, { steps: 6, margin: 0.5 });
    expect(land.grid.x).toHaveLength(6);
    const span = Math.max(...land.path.x) - Math.min(...land.path.x);
    expect(land.grid.x[0]).toBeCloseTo(Math.min(...land.path.x) - 0.5 * span, 9);
    snaps.forEach((s, t) => {
      setFlat(m, s);
      expect(Math.abs(land.path.loss[t]! - meanCrossEntropy(m, d))).toBeLessThan(1e-5);
    });
    m.dispose();
  });
});

describe('recordTrajectory', () => {
  it('hidden: a last batch smaller than the others, 3 snapshots per epoch, 2 epochs — equal to an independent SGD run', () => {
    const d = data(113, 230);
    const m = model(114);
    const o = { epochs: 2, batchSize: 40, learningRate: 0.2, snapshotsPerEpoch: 3, seed: 115 };
    const tr = recordTrajectory(m, d, o);
    // 230 / 40 → 6 batches per epoch (the last of 30); snapshots after 2, 4, 6 batches.
    expect(tr.steps).toEqual([0, 2, 4, 6, 8, 10, 12]);
    const twin = model(114);
    const opt = tf.train.sgd(o.learningRate);
    const source = batches(d, { batchSize: o.batchSize, seed: o.seed, oneHot: CLASSES });
    const want = [flat(twin)];
    let step = 0;
    for (let e = 0; e < 2; e++) {
      for (const b of source) {
        trainStep(twin, opt, b, { readLoss: false });
        if (++step % 2 === 0) want.push(flat(twin));
      }
    }
    want.forEach((w, t) => {
      expect(maxAbsDiff(tr.snapshots[t]!, w), `snapshot ${t}`).toBeLessThan(1e-5 * maxAbs(w));
    });
    opt.dispose();
    m.dispose();
    twin.dispose();
  });
});

describe('plotPath', () => {
  it('hidden: a 4 × 6 grid and a path running from top right to bottom left', async () => {
    const x = Float64Array.from([0, 1, 2, 3]);
    const y = Float64Array.from([10, 11, 12, 13, 14, 15]);
    const z = Array.from(y, (b) => Float64Array.from(x, (a) => 1 + 0.2 * a + 0.1 * (b - 10) ** 2));
    const p = { x: Float64Array.from([2.8, 2, 1, 0.3]), y: Float64Array.from([14.5, 13, 12, 10.4]), loss: Float64Array.from([3, 2.5, 2, 1.2]) };
    const files = await plotPath({ x, y, z }, p, { html: path.join(dir, 'h.html'), png: path.join(dir, 'h.png') });
    const { figure } = readPlotlyPage(fs.readFileSync(files.html, 'utf8'));
    expect(figure.data.map((t) => t.type)).toEqual(['surface', 'scatter3d']);
    expect(figure.data[0]!.z).toEqual(z.map((r) => Array.from(r)));
    expect(figure.data[1]!.x).toEqual(Array.from(p.x));
    expect(figure.data[1]!.z).toEqual(Array.from(p.loss));
    // The start marker (#56B4E9) is right of and above the end marker (#D55E00) on the map.
    const image = await loadImage(fs.readFileSync(files.png));
    const canvas = createCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    const px = ctx.getImageData(0, 0, image.width, image.height).data;
    const lowestCentre = (rgb: number[]): { x: number; y: number } => {
      // Pixels of that colour below the legend row: the legend sits above the plot, the markers inside it.
      const hits: [number, number][] = [];
      for (let i = 0; i < image.width * image.height; i++) {
        if (rgb.every((c, k) => Math.abs(px[4 * i + k]! - c) <= 12)) hits.push([i % image.width, Math.floor(i / image.width)]);
      }
      const maxY = Math.max(...hits.map((h) => h[1]));
      const blob = hits.filter((h) => maxY - h[1] <= 12);
      return { x: blob.reduce((s, h) => s + h[0], 0) / blob.length, y: blob.reduce((s, h) => s + h[1], 0) / blob.length };
    };
    const start = lowestCentre([0x56, 0xb4, 0xe9]);
    const end = lowestCentre([0xd5, 0x5e, 0x00]);
    expect(start.x).toBeGreaterThan(end.x);
    expect(start.y).toBeLessThan(end.y);
  });
});
