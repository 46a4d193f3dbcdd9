/**
 * Exercise 05, task 3: training. Small runs check what the loop reports and that it is reproducible;
 * one full-data run checks the reconstruction error on the 10,000 test images against a threshold set
 * from measurements (README, "How the threshold was set").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { ready, tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { differing, expectAtLeast, expectAtMost } from '#kit/testing';
import { buildAutoencoder, trainAutoencoder } from './autoencoder.ts';

let train: ImageDataset;
let test: ImageDataset;

beforeAll(async () => {
  await ready();
  train = loadFashionMnist('train');
  test = loadFashionMnist('test');
});

/** Rows from..to of a dataset as [0, 1] pixels, scaled here (not by the student's prepareData). */
function rows(d: ImageDataset, from: number, to: number): Examples {
  return { x: Float32Array.from(d.images.subarray(from * 784, to * 784), (b) => b / 255), count: to - from, features: 784 };
}

/** MSE over all pixels of `ex`, predicted in chunks here. */
function mse(model: tf.LayersModel, ex: Examples): number {
  let sum = 0;
  for (let start = 0; start < ex.count; start += 2000) {
    const end = Math.min(ex.count, start + 2000);
    sum += tf.tidy(() => {
      const x = tf.tensor2d(ex.x.subarray(start * 784, end * 784), [end - start, 784]);
      return tf.sum(tf.squaredDifference(model.predict(x, { batchSize: 2000 }) as tf.Tensor, x)).dataSync()[0]!;
    });
  }
  return sum / (ex.count * ex.features);
}

/**
 * A small autoencoder built here (784-64-784, ReLU and sigmoid), so that the loop's checks do not depend on
 * task 2; the threshold run uses your buildAutoencoder.
 */
function standIn(seed: number): { model: tf.LayersModel } {
  const init = (s: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: s });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 64, inputShape: [784], activation: 'relu', kernelInitializer: init(seed) }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(seed + 100) }),
    ],
  });
  return { model };
}

/** The full-data run's budget and bound; the README's table shows the measurements behind them. */
const THRESHOLD_RUN = { epochs: 1, batchSize: 128, learningRate: 3e-3, seed: 1 } as const;
const MAX_TEST_MSE = 0.019;

describe('task 3: trainAutoencoder', () => {
  it('lowers the reconstruction error and reports the per-epoch MSE: a mean over pixels (not a sum), validation after each epoch', () => {
    const { model } = standIn(2);
    const small = rows(train, 0, 3000);
    const val = rows(test, 0, 1000);
    const before = mse(model, val);
    const history = trainAutoencoder(model, small, { epochs: 3, batchSize: 64, seed: 1, validation: val, progress: false });
    expect(history.loss).toHaveLength(3);
    expect(history.valLoss).toHaveLength(3);
    const after = mse(model, val);
    expectAtMost(after, 0.6 * before, `validation MSE after 3 epochs (before training: ${String(before)})`, {
      rule: 'training with the MSE loss lowers the reconstruction error below 0.6 × its start', strict: true,
    });
    expectAtMost(history.loss[2]!, history.loss[0]!, `training loss of epoch 3 (epoch 1: ${String(history.loss[0])})`, { rule: 'the training curve falls', strict: true });
    // valLoss is the validation MSE after the epoch (float32 sums differ in the 4th digit at most).
    expectAtMost(Math.abs(history.valLoss[2]! / after - 1), 2e-3, `|valLoss[2] / the validation MSE now − 1| (${String(history.valLoss[2])} vs ${String(after)})`, {
      rule: 'valLoss[e] is the MSE (mean over pixels and images) on the validation set after epoch e', strict: true,
    });
    // The reported training loss is the MSE on the training batches: close to the training set's MSE at the
    // end of the epoch (the model improved during it, so a little above), never a sum or another loss.
    const trainMse = mse(model, small);
    const trainRule = {
      rule: 'loss[e] is the mean of the batch MSEs over epoch e (a mean over pixels, not a sum), close to the training MSE at its end (a sum over the 784 pixels gives a ratio near 784)',
      strict: true,
    };
    expectAtLeast(history.loss[2]! / trainMse, 0.95, 'loss[2] / the training MSE now', trainRule);
    expectAtMost(history.loss[2]! / trainMse, 1.5, 'loss[2] / the training MSE now', trainRule);
    model.dispose();
  });

  it('is reproducible: the same seeds give the same weights, another batch seed other weights', () => {
    const run = (batchSeed: number): Float32Array => {
      const { model } = standIn(4);
      trainAutoencoder(model, rows(train, 0, 600), { epochs: 1, batchSize: 100, seed: batchSeed, progress: false });
      const w = model.weights[0]!.read().dataSync() as Float32Array;
      model.dispose();
      return w;
    };
    const a = run(1);
    expect(differing(run(1), a), 'weights that differ with the same seeds').toBe(0);
    expect(differing(run(2), a), 'weights that differ with another batch seed').toBeGreaterThan(0);
  });

  it('rejects bad options and images of the wrong size with an ArgumentError', () => {
    const { model } = standIn(5);
    const tiny = rows(train, 0, 10);
    expect(trainAutoencoder(model, tiny, { epochs: 1, batchSize: 5, seed: 1, progress: false }).loss).toHaveLength(1);
    for (const bad of [{ epochs: 0 }, { batchSize: 0 }, { learningRate: 0 }, { learningRate: -1e-3 }, { seed: 0.5 }]) {
      expect(() => trainAutoencoder(model, tiny, { epochs: 1, seed: 1, progress: false, ...bad }), JSON.stringify(bad)).toThrow(ArgumentError);
    }
    const cifarSized: Examples = { x: new Float32Array(4 * 3072), count: 4, features: 3072 };
    expect(() => trainAutoencoder(model, cifarSized, { epochs: 1, seed: 1, progress: false })).toThrow(ArgumentError);
    model.dispose();
  });

  it(`reaches a test MSE ≤ ${String(MAX_TEST_MSE)} on the 10,000 test images after ${String(THRESHOLD_RUN.epochs)} epoch(s) on all 60,000 training images (batch ${String(THRESHOLD_RUN.batchSize)}, Adam ${String(THRESHOLD_RUN.learningRate)})`, () => {
    const { model } = buildAutoencoder({ seed: THRESHOLD_RUN.seed });
    const history = trainAutoencoder(model, rows(train, 0, 60_000), { ...THRESHOLD_RUN, progress: false });
    const testMse = mse(model, rows(test, 0, 10_000));
    console.log(`05-autoencoder: test MSE ${testMse.toFixed(5)} after ${String(THRESHOLD_RUN.epochs)} epoch(s) (bound ${String(MAX_TEST_MSE)}); training loss ${history.loss.map((l) => l.toFixed(5)).join(', ')}`);
    expectAtMost(testMse, MAX_TEST_MSE, 'test MSE (mean over pixels and images)', {
      rule: 'the 784-128-64-128-784 autoencoder trained with Adam on the MSE of pixels in [0, 1] reaches the bound',
    });
    model.dispose();
  });
});
