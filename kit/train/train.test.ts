import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import {
  accuracy,
  batches,
  checkExamples,
  concatExamples,
  evaluateClassifier,
  meanCrossEntropy,
  seededDropout,
  selectExamples,
  toExamples,
  train,
  trainStep,
  withSeededMathRandom,
  type Batch,
  type Examples,
} from './index.ts';

beforeAll(async () => {
  await ready();
});

/** `count` 2×2 images whose pixels are (i·4 + p) mod 256, labelled i mod 10. */
function images(count: number): ImageDataset {
  const px = new Uint8Array(count * 4);
  for (let i = 0; i < px.length; i++) px[i] = i % 256;
  return { images: px, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, rows: 2, cols: 2, channels: 1 };
}

/** Random examples: `features` N(0,1) inputs; label = argmax of a fixed random linear map (learnable). */
function gaussianExamples(count: number, features: number, classes: number, seed: number): Examples {
  const rng = new Rng(seed);
  const w = rng.normals(features * classes);
  const x = Float32Array.from(rng.normals(count * features));
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) {
      let z = 0;
      for (let f = 0; f < features; f++) z += x[i * features + f]! * w[f * classes + k]!;
      if (z > max) [max, best] = [z, k];
    }
    labels[i] = best;
  }
  return { x, labels, count, features };
}

function denseModel(features: number, hidden: number, classes: number, seed: number): tf.Sequential {
  const rng = new Rng(seed);
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [features], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }),
      tf.layers.dense({ units: classes, kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }),
    ],
  });
}

/** The first batch of an epoch, cloned so it outlives the loop (which frees its own tensors). */
function firstBatch(source: Iterable<Batch>): Batch {
  for (const b of source) return { ...b, x: b.x.clone(), ...(b.y === undefined ? {} : { y: b.y.clone() }) };
  throw new Error('no batches');
}

const weightsOf = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

describe('examples', () => {
  it("toExamples flattens and scales pixels to [0, 1] ('unit', the default) or [−0.5, 0.5] ('centered')", () => {
    const d = images(3);
    const unit = toExamples(d);
    expect(unit).toMatchObject({ count: 3, features: 4 });
    expect(unit.x[5]).toBeCloseTo(5 / 255, 7);
    expect(Array.from(unit.labels!)).toEqual([0, 1, 2]);
    const centered = toExamples(d, { scale: 'centered' });
    expect(centered.x[5]).toBeCloseTo(5 / 255 - 0.5, 7);
    expect(centered.x[0]).toBeCloseTo(-0.5, 7);
    expect(() => toExamples(d, { scale: 'minmax' as 'unit' })).toThrow(ArgumentError);
  });

  it('checkExamples names the argument for an empty set, a wrong size, missing labels and labels out of range', () => {
    const ex = toExamples(images(5));
    expect(() => {
      checkExamples('data', ex, 10);
    }).not.toThrow();
    expect(() => {
      checkExamples('trainSet', { ...ex, count: 0, x: new Float32Array(0) });
    }).toThrow(/trainSet is empty/);
    expect(() => {
      checkExamples('data', { ...ex, count: 4 });
    }).toThrow(/count × features/);
    expect(() => {
      checkExamples('data', { x: ex.x, count: 5, features: 4 }, 10);
    }).toThrow(/no labels/);
    expect(() => {
      checkExamples('valSet', ex, 3);
    }).toThrow(/valSet.labels\[3\] = 3 is out of range: labels must be in 0..2/);
  });

  it('selectExamples copies rows in order; concatExamples appends parts', () => {
    const ex = toExamples(images(6));
    const s = selectExamples(ex, [4, 1]);
    expect(Array.from(s.labels!)).toEqual([4, 1]);
    expect(Array.from(s.x.subarray(0, 4))).toEqual(Array.from(ex.x.subarray(16, 20)));
    const c = concatExamples(s, ex);
    expect(c.count).toBe(8);
    expect(Array.from(c.labels!)).toEqual([4, 1, 0, 1, 2, 3, 4, 5]);
    expect(Array.from(c.x.subarray(8, 12))).toEqual(Array.from(ex.x.subarray(0, 4)));
    expect(() => selectExamples(ex, [6])).toThrow(ArgumentError);
    expect(() => concatExamples(ex, { ...ex, features: 2, x: new Float32Array(12) })).toThrow(/features/);
  });
});

describe('batches', () => {
  const ex = toExamples(images(10));
  const rowOf = (x: Float32Array, r: number): number => Math.round(x[r * 4]! * 255) / 4;

  it('covers every example exactly once per epoch, in ⌈count/batchSize⌉ batches with the remainder last', () => {
    const source = batches(ex, { batchSize: 4, seed: 1 });
    expect(source).toMatchObject({ length: 3, batchSize: 4, count: 10 });
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of source) {
      sizes.push(b.size);
      expect(b.x.shape).toEqual([b.size, 4]);
      const x = b.x.dataSync() as Float32Array;
      const y = b.y!.dataSync();
      for (let r = 0; r < b.size; r++) {
        // Row r of the batch is source row indices[r], with its label.
        expect(rowOf(x, r)).toBe(b.indices[r]);
        expect(y[r]).toBe(ex.labels![b.indices[r]!]);
      }
      seen.push(...b.indices);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('draws a fresh order each epoch, the same orders for the same seed, and keeps the order without shuffle', () => {
    const orders = (seed: number, epochs: number): number[][] => {
      const source = batches(ex, { batchSize: 10, seed });
      return Array.from({ length: epochs }, () => [...source].flatMap((b) => [...b.indices]));
    };
    const a = orders(3, 3);
    expect(a).toEqual(orders(3, 3));
    expect(a[0]).not.toEqual(a[1]);
    expect(a[1]).not.toEqual(a[2]);
    expect(orders(4, 1)[0]).not.toEqual(a[0]);
    const plain = [...batches(ex, { batchSize: 3, shuffle: false })].flatMap((b) => [...b.indices]);
    expect(plain).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('gives one-hot float32 labels with oneHot, int32 labels without, none for unlabelled data', () => {
    const b = firstBatch(batches(ex, { batchSize: 3, shuffle: false, oneHot: 10 }));
    expect(b.y!.dtype).toBe('float32');
    expect(b.y!.shape).toEqual([3, 10]);
    expect(Array.from(b.y!.dataSync().slice(10, 20))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const c = firstBatch(batches(ex, { batchSize: 3, shuffle: false }));
    expect(c.y!.dtype).toBe('int32');
    const u = firstBatch(batches({ x: ex.x, count: ex.count, features: 4 }, { batchSize: 3, shuffle: false }));
    expect(u.y).toBeUndefined();
  });

  it('frees each batch when the next is drawn or the loop ends, also on break', () => {
    const before = tf.memory().numTensors;
    const source = batches(ex, { batchSize: 2, seed: 1, oneHot: 10 });
    for (const b of source) {
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(b.x.isDisposed).toBe(false);
    }
    expect(tf.memory().numTensors).toBe(before);
    let kept: tf.Tensor | undefined;
    for (const b of source) {
      kept = b.x;
      break;
    }
    expect(kept!.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(source.epochs).toBe(2);
  });

  it('rejects a batch size outside 1..count, a missing seed, labels out of range for oneHot, empty data', () => {
    expect(() => batches(ex, { batchSize: 0, seed: 1 })).toThrow(/batchSize = 0 .* 1\.\.10/);
    expect(() => batches(ex, { batchSize: 11, seed: 1 })).toThrow(/batchSize = 11 .* 1\.\.10/);
    expect(() => batches(ex, { batchSize: 2.5, seed: 1 })).toThrow(ArgumentError);
    expect(() => batches(ex, { batchSize: 2 })).toThrow(/seed/);
    expect(() => batches(ex, { batchSize: 2, seed: 1, oneHot: 5 })).toThrow(/out of range/);
    expect(() => batches({ x: new Float32Array(0), count: 0, features: 4 }, { batchSize: 1, seed: 1 })).toThrow(/empty/);
  });
});

describe('evaluation', () => {
  it('evaluateClassifier matches a float64 hand computation of mean cross-entropy and accuracy, whatever the chunk size', () => {
    // One dense layer 3 → 4 with known weights: logits = x·W + b.
    const W = [
      [0.5, -1, 2, 0],
      [1, 0.25, -0.5, 3],
      [-2, 1, 0, 0.5],
    ];
    const bias = [0.1, -0.2, 0, 0.3];
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4 })] });
    model.setWeights([tf.tensor2d(W), tf.tensor1d(bias)]);
    const rng = new Rng(5);
    const count = 7;
    const ex: Examples = {
      x: Float32Array.from(rng.normals(count * 3)),
      labels: Uint8Array.from({ length: count }, (_, i) => (i * 3) % 4),
      count,
      features: 3,
    };
    let loss = 0;
    let right = 0;
    for (let i = 0; i < count; i++) {
      const z = [0, 1, 2, 3].map((k) => bias[k]! + [0, 1, 2].reduce((s, f) => s + ex.x[i * 3 + f]! * W[f]![k]!, 0));
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      loss += lse - z[ex.labels![i]!]!;
      if (z.indexOf(Math.max(...z)) === ex.labels![i]) right++;
    }
    for (const chunk of [1, 3, 2000]) {
      const e = evaluateClassifier(model, ex, chunk);
      expect(e.loss).toBeCloseTo(loss / count, 5);
      expect(e.accuracy).toBe(right / count);
    }
    expect(meanCrossEntropy(model, ex)).toBeCloseTo(loss / count, 5);
    expect(accuracy(model, ex)).toBe(right / count);
    expect(() => evaluateClassifier(model, { ...ex, labels: undefined })).toThrow(/no labels/);
    model.dispose();
  });
});

describe('training loop', () => {
  const data = gaussianExamples(512, 8, 3, 11);

  it('trainStep lowers the loss, reports the data loss without the penalty, and runs the model in training mode', () => {
    const model = denseModel(8, 16, 3, 1);
    const optimizer = tf.train.sgd(0.1);
    const before = meanCrossEntropy(model, data);
    const source = batches(data, { batchSize: 64, seed: 2, oneHot: 3 });
    for (let e = 0; e < 5; e++) for (const b of source) trainStep(model, optimizer, b);
    expect(meanCrossEntropy(model, data)).toBeLessThan(0.6 * before);

    // The reported loss is the data term alone: a huge penalty does not change it.
    const b = firstBatch(batches(data, { batchSize: 64, shuffle: false, oneHot: 3 }));
    const clone = denseModel(8, 16, 3, 1);
    clone.setWeights(model.getWeights());
    const plain = trainStep(model, tf.train.sgd(1e-9), b).loss;
    const withPenalty = trainStep(clone, tf.train.sgd(1e-9), b, { penalty: () => tf.scalar(1000) }).loss;
    expect(withPenalty).toBeCloseTo(plain, 5);

    // Batch normalisation updates its moving mean only in training mode.
    const bn = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [8] }), tf.layers.dense({ units: 3 })] });
    const movingMean = (): Float32Array => bn.layers[0]!.getWeights()[2]!.dataSync() as Float32Array;
    expect(Math.max(...movingMean().map(Math.abs))).toBe(0);
    const shifted = firstBatch(batches({ ...data, x: data.x.map((v) => v + 3) }, { batchSize: 64, shuffle: false, oneHot: 3 }));
    trainStep(bn, tf.train.sgd(0.01), shifted);
    expect(Math.min(...movingMean())).toBeGreaterThan(0.01);
    for (const m of [model, clone, bn]) m.dispose();
  });

  it('train runs epochs of seeded batches reproducibly, records mean losses, reports every batch, and leaks no tensors', () => {
    const run = (seed: number): { records: ReturnType<typeof train>; weights: Float32Array[]; batchesSeen: number } => {
      const model = denseModel(8, 16, 3, 7);
      const optimizer = tf.train.adam(0.05);
      let batchesSeen = 0;
      const records = train({
        model,
        optimizer,
        data,
        epochs: 3,
        batchSize: 100,
        seed,
        numClasses: 3,
        validation: data,
        countCorrect: true,
        progress: false,
        onBatch: () => batchesSeen++,
      });
      const weights = weightsOf(model);
      model.dispose();
      optimizer.dispose();
      return { records, weights, batchesSeen };
    };
    const before = tf.memory().numTensors;
    const a = run(1);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.batchesSeen).toBe(3 * 6);
    expect(a.records.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(a.records[2]!.loss).toBeLessThan(a.records[0]!.loss);
    expect(a.records[2]!.valAcc).toBeGreaterThan(0.8);
    expect(a.records[2]!.acc).toBeGreaterThan(0.5);
    expect(run(1).weights).toEqual(a.weights);
    expect(run(2).weights).not.toEqual(a.weights);
  });
});

describe('seededDropout and withSeededMathRandom', () => {
  it('draws a fresh mask at every training call, the same sequence for the same seed, and is the identity in inference', () => {
    const make = (seed: number): tf.Sequential =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 64, kernelInitializer: 'ones' }), seededDropout({ rate: 0.5, seed })] });
    const a = make(3);
    const b = make(3);
    const c = make(4);
    const x = tf.ones([2, 4]);
    const run = (m: tf.LayersModel, training: boolean): Float32Array =>
      tf.tidy(() => (m.apply(x, { training }) as tf.Tensor).dataSync() as Float32Array);
    const a1 = run(a, true);
    const a2 = run(a, true);
    expect(a2).not.toEqual(a1);
    expect(run(b, true)).toEqual(a1);
    expect(run(b, true)).toEqual(a2);
    expect(run(c, true)).not.toEqual(a1);
    // Kept units are scaled by 1/(1 − rate); about half are dropped.
    expect(new Set(a1)).toEqual(new Set([0, 8]));
    expect(run(a, false)).toEqual(new Float32Array(128).fill(4));
    expect(() => seededDropout({ rate: 1, seed: 1 })).toThrow(ArgumentError);
    for (const m of [a, b, c]) m.dispose();
    x.dispose();
  });

  it('withSeededMathRandom makes Math.random reproducible inside, restores it after (also on throw), and refuses async functions', () => {
    const original = Math.random;
    const draw = (): number[] => [Math.random(), Math.random()];
    expect(withSeededMathRandom(5, draw)).toEqual(withSeededMathRandom(5, draw));
    expect(withSeededMathRandom(5, draw)).not.toEqual(withSeededMathRandom(6, draw));
    expect(Math.random).toBe(original);
    expect(() =>
      withSeededMathRandom(1, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Math.random).toBe(original);
    expect(() => withSeededMathRandom(1, () => Promise.resolve(1))).toThrow(/synchronous/);
    expect(Math.random).toBe(original);
  });
});
