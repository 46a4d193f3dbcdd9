/**
 * Exercise 07, parts 1 and 3: the data split and the training loop with a validation curve. The loop is
 * checked on a small stand-in model built here, so these points do not depend on parts 2 and 5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCifarBatch, loadFashionMnist, parseCifarBatch, trainValSplit, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { differing, expectAtLeast, expectAtMost } from '#kit/testing';
import { fit, reconstructionSplit } from './train.ts';

let fashion: ImageDataset;

beforeAll(async () => {
  await ready();
  fashion = loadFashionMnist('test');
});

function standIn(inputSize: number, seed: number): tf.LayersModel {
  const init = (s: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: s });
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, inputShape: [inputSize], activation: 'relu', kernelInitializer: init(seed) }),
      tf.layers.dense({ units: inputSize, kernelInitializer: init(seed + 1) }),
    ],
  });
}

function mse(model: tf.LayersModel, ex: Examples): number {
  return tf.tidy(() => {
    const x = tf.tensor2d(ex.x, [ex.count, ex.features]);
    return tf.mean(tf.squaredDifference(model.predict(x, { batchSize: ex.count }) as tf.Tensor, x)).dataSync()[0]!;
  });
}

const rows = (d: ImageDataset, from: number, to: number): Examples => ({
  x: Float32Array.from(d.images.subarray(from * 784, to * 784), (b) => b / 255),
  count: to - from,
  features: 784,
});

describe('parts 1 and 3: data and training with a validation curve', () => {
  it('reconstructionSplit: 70 % / 30 % with trainValSplit, pixels byte / 255 (no normalisation), one row per image', () => {
    const { train, val } = reconstructionSplit(fashion, { seed: 3 });
    expect([train.count, val.count]).toEqual([7000, 3000]);
    expect([train.features, val.features]).toEqual([784, 784]);
    const expected = trainValSplit(fashion, { valFraction: 0.3, seed: 3 });
    for (const [got, want] of [[train, expected.train], [val, expected.val]] as const) {
      expect(got.x.length).toBe(want.count * 784);
      let wrong = 0;
      for (let i = 0; i < got.x.length; i++) if (got.x[i] !== Math.fround(want.images[i]! / 255)) wrong++;
      expect(wrong, 'pixels that are not byte / 255 of the split\'s images').toBe(0);
    }
    const other = reconstructionSplit(fashion, { seed: 4, valFraction: 0.5 });
    expect(other.val.count).toBe(5000);
  });

  it('reconstructionSplit handles CIFAR-format colour images (3,072 values per image, NHWC)', () => {
    const rng = new Rng(1);
    const n = 20;
    const images = Uint8Array.from({ length: n * 3072 }, () => rng.int(0, 255));
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const d: ImageDataset = { ...parseCifarBatch(encodeCifarBatch(images, labels), 'fixture.bin', ''), rows: 32, cols: 32, channels: 3 };
    const { train, val } = reconstructionSplit(d, { seed: 1 });
    expect([train.count, val.count, train.features]).toEqual([14, 6, 3072]);
    const expected = trainValSplit(d, { valFraction: 0.3, seed: 1 });
    expect(differing(val.x.subarray(0, 3072), Float32Array.from(expected.val.images.subarray(0, 3072), (b) => b / 255))).toBe(0);
  });

  describe('fit', () => {
    let model: tf.LayersModel;
    beforeAll(() => {
      model = standIn(784, 1);
    });
    afterAll(() => {
      model.dispose();
    });

    it('returns train and validation MSE for every epoch, the validation value measured after the epoch, and lowers it', () => {
      const train = rows(fashion, 0, 2000);
      const val = rows(fashion, 2000, 2500);
      const before = mse(model, val);
      const curves = fit(model, { train, val }, { seed: 1, epochs: 3, batchSize: 64, progress: false });
      expect(curves.train).toHaveLength(3);
      expect(curves.val).toHaveLength(3);
      const after = mse(model, val);
      expectAtMost(Math.abs(curves.val[2]! / after - 1), 2e-3, `|last validation value / the validation MSE now − 1| (${String(curves.val[2])} vs ${String(after)})`, {
        rule: 'the validation value of an epoch is the MSE (mean over pixels and images) on the validation set after that epoch', strict: true,
      });
      expectAtMost(after, 0.7 * before, `validation MSE after 3 epochs (before: ${String(before)})`, { rule: '3 epochs of training lower the validation MSE below 0.7 × its start', strict: true });
      expectAtMost(curves.val[2]!, curves.val[0]!, `validation MSE after epoch 3 (after epoch 1: ${String(curves.val[0])})`, { rule: 'the validation curve falls', strict: true });
      // The training curve is the MSE on the training batches (a mean over pixels), close to the training MSE.
      const ratio = curves.train[2]! / mse(model, train);
      const trainRule = { rule: 'the training value of an epoch is the mean of its batches\' MSE (a mean over pixels, not a sum), close to the training MSE at its end', strict: true };
      expectAtLeast(ratio, 0.95, 'last training value / the training MSE now', trainRule);
      expectAtMost(ratio, 1.5, 'last training value / the training MSE now', trainRule);
    });

    it('is reproducible, and rejects a wrong input size or bad options with an ArgumentError', () => {
      const train = rows(fashion, 0, 300);
      const val = rows(fashion, 300, 400);
      const run = (seed: number): number[] => {
        const m = standIn(784, 5);
        fit(m, { train, val }, { seed, epochs: 1, batchSize: 50, progress: false });
        const w = Array.from(m.weights[0]!.read().dataSync());
        m.dispose();
        return w;
      };
      const a = run(1);
      expect(differing(run(1), a), 'weights that differ with the same seed').toBe(0);
      expect(differing(run(2), a), 'weights that differ with another seed').toBeGreaterThan(0);
      const cifarSized: Examples = { x: new Float32Array(3 * 3072), count: 3, features: 3072 };
      expect(() => fit(model, { train: cifarSized, val }, { seed: 1, epochs: 1, progress: false })).toThrow(ArgumentError);
      expect(() => fit(model, { train, val }, { seed: 1, epochs: 0, progress: false })).toThrow(ArgumentError);
      expect(() => fit(model, { train, val }, { seed: 1, epochs: 1, learningRate: 0, progress: false })).toThrow(ArgumentError);
    });
  });
});
