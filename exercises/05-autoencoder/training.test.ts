/**
 * Exercise 05, task 3: training. Small runs check what the loop reports and that it is reproducible;
 * one full-data run checks the reconstruction error on the 10,000 test images against a threshold set
 * from measurements (README, "How the threshold was set").
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadFashionMnist, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { ready, tf } from '#kit/tf';
import { batches, type Examples } from '#kit/train';
import { differing, expectAtLeast, expectAtMost, expectClose, stderrOf } from '#kit/testing';
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

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps ONE Adam optimizer with options.learningRate for the whole run: one step per mini-batch, ⌈count / batchSize⌉ steps an epoch', () => {
    // A spy on Adam's update (it calls through): each call's `this` is the optimizer that made the step.
    const adam = vi.spyOn(tf.AdamOptimizer.prototype, 'applyGradients');
    const { model } = standIn(6);
    trainAutoencoder(model, rows(train, 0, 100), { epochs: 3, batchSize: 32, learningRate: 0.02, seed: 3, progress: false });
    model.dispose();
    const steps = adam.mock.contexts as tf.AdamOptimizer[];
    expect(steps.length, 'Adam steps in 3 epochs of 100 rows in batches of 32 (4 an epoch: 32, 32, 32, 4); 0 means another optimizer than Adam').toBe(12);
    expect(new Set(steps).size, 'Adam optimizers that made the 12 steps: one for the whole run (a new one each epoch resets its moments and step count)').toBe(1);
    expectClose(steps[0]!.getConfig()['learningRate'], 0.02, 1e-12, "the optimizer's learning rate", {
      rule: 'Adam with options.learningRate', mistakes: [{ name: "Adam's default learning rate (options.learningRate ignored)", value: 1e-3 }],
    });
  });

  it('reports loss[e] as the mean of the batch MSEs weighted by batch size: with a learning rate too small to move the model, every loss[e] is the training MSE', () => {
    const { model } = standIn(7);
    const small = rows(train, 0, 100);
    const val = rows(test, 0, 50);
    // Per-row MSE of the untrained model, to state what the usual mistakes would report.
    const perRow = tf.tidy(() => {
      const x = tf.tensor2d(small.x, [100, 784]);
      return Array.from(tf.mean(tf.squaredDifference(model.predict(x) as tf.Tensor, x), 1).dataSync());
    });
    const trainMse = perRow.reduce((a, b) => a + b, 0) / 100;
    const valBefore = mse(model, val);
    const history = trainAutoencoder(model, small, { epochs: 2, batchSize: 32, learningRate: 1e-9, seed: 5, validation: val, progress: false });
    // The first epoch's batches (the same seeded order trainAutoencoder draws): 32, 32, 32 and 4 rows.
    const batchMeans: number[] = [];
    for (const b of batches(small, { batchSize: 32, seed: 5 })) batchMeans.push(Array.from(b.indices, (r) => perRow[r]!).reduce((a, c) => a + c, 0) / b.size);
    const unweighted = batchMeans.reduce((a, b) => a + b, 0) / batchMeans.length;
    expectAtLeast(Math.abs(unweighted / trainMse - 1), 1e-3, "the test's own check: the plain mean of the batch MSEs is far from the weighted one", { rule: 'power', strict: true });
    const rule = {
      rule: 'loss[e] = Σ (batch MSE × batch size) / count over the epoch\'s batches, a mean over all training pixels; here the model does not move, so it is the training MSE in every epoch',
      mistakes: [
        { name: 'the plain mean of the batch MSEs (the 4-row batch weighs as much as a 32-row one)', value: unweighted },
        { name: 'the last batch\'s MSE', value: batchMeans.at(-1)! },
        { name: 'a sum over the 784 pixels instead of a mean', value: 784 * trainMse },
        { name: 'a sum never reset between epochs', value: 2 * trainMse },
      ],
    };
    expectClose(history.loss[0], trainMse, 1e-4, 'loss[0]', rule);
    expectClose(history.loss[1], trainMse, 1e-4, 'loss[1]', rule);
    expectClose(history.valLoss[1], valBefore, 1e-4, 'valLoss[1]', { rule: 'valLoss[e] is the MSE on the validation set after epoch e; here the model does not move', mistakes: [{ name: 'the MSE on the training set', value: trainMse }] });
    model.dispose();
  });

  it('prints one line per epoch with its loss and val_loss under the options.progress title, and nothing with progress: false; at a terminal a live line with the running batch loss', () => {
    const { model } = standIn(8);
    const small = rows(train, 0, 40);
    const val = rows(test, 0, 20);
    const quiet = stderrOf('lines', () => trainAutoencoder(model, small, { epochs: 1, batchSize: 20, seed: 1, validation: val, progress: false }));
    expect(quiet, 'output with progress: false').toBe('');
    let h: ReturnType<typeof trainAutoencoder> | undefined;
    const shown = stderrOf('lines', () => (h = trainAutoencoder(model, small, { epochs: 2, batchSize: 20, seed: 1, validation: val, progress: 'probe-05' })));
    const lines = shown.split('\n').filter((l) => l.includes('probe-05'));
    expect(lines, 'progress lines titled probe-05: one per epoch').toHaveLength(2);
    lines.forEach((line, e) => {
      expect(line, `epoch ${String(e + 1)}'s line`).toContain(`epoch ${String(e + 1)}/2: loss ${h!.loss[e]!.toPrecision(4)}, val_loss ${h!.valLoss[e]!.toPrecision(4)}`);
    });
    // At a terminal, the live line shows the running mean of the batch losses from the first batch on.
    const live = stderrOf('tty', () => trainAutoencoder(model, small, { epochs: 1, batchSize: 20, seed: 1, progress: 'live-05' }));
    expect(live.split('\r').find((w) => w.includes('live-05  epoch 1/1')), 'the first live line (drawn after the first batch)').toMatch(/\] 1\/2 {2}loss \d/);
    model.dispose();
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
