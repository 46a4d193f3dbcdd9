/**
 * Exercise 07, parts 1 and 3: the data split and the training loop with a validation curve. The loop is
 * checked on a small stand-in model built here, so these points do not depend on parts 2 and 5.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeCifarBatch, loadFashionMnist, parseCifarBatch, trainValSplit, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { batches, type Examples } from '#kit/train';
import { differing, expectAtLeast, expectAtMost, expectClose, stderrOf } from '#kit/testing';
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

    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('keeps ONE Adam optimizer for the whole run, one step per mini-batch; defaults batchSize 128 and learningRate 1e-3', () => {
      const train = rows(fashion, 0, 300);
      const val = rows(fashion, 300, 320);
      // A spy on Adam's update (it calls through): each call's `this` is the optimizer that made the step.
      const adam = vi.spyOn(tf.AdamOptimizer.prototype, 'applyGradients');
      const m = standIn(784, 7);
      fit(m, { train, val }, { seed: 2, epochs: 2, batchSize: 100, learningRate: 0.02, progress: false });
      let steps = adam.mock.contexts as tf.AdamOptimizer[];
      expect(steps.length, 'Adam steps in 2 epochs of 300 rows in batches of 100; 0 means another optimizer than Adam').toBe(6);
      expect(new Set(steps).size, 'Adam optimizers that made the 6 steps: one for the whole run (a new one each epoch resets its moments)').toBe(1);
      expectClose(steps[0]!.getConfig()['learningRate'], 0.02, 1e-12, "the optimizer's learning rate", {
        rule: 'Adam with options.learningRate', mistakes: [{ name: 'the default learning rate (options.learningRate ignored)', value: 1e-3 }],
      });
      adam.mockClear();
      fit(m, { train, val }, { seed: 2, epochs: 1, progress: false });
      steps = adam.mock.contexts as tf.AdamOptimizer[];
      expect(steps.length, 'Adam steps in 1 epoch of 300 rows with the default batchSize 128 (⌈300 / 128⌉ = 3)').toBe(3);
      expectClose(steps[0]!.getConfig()['learningRate'], 1e-3, 1e-12, "the default learning rate", { rule: 'learningRate defaults to 1e-3' });
      m.dispose();
    });

    it('reports each epoch\'s training value as the batch MSEs weighted by batch size: with a learning rate too small to move the model, it is the training MSE every epoch', () => {
      const m = standIn(784, 8);
      const train = rows(fashion, 0, 100);
      const val = rows(fashion, 100, 150);
      const perRow = tf.tidy(() => {
        const x = tf.tensor2d(train.x, [100, 784]);
        return Array.from(tf.mean(tf.squaredDifference(m.predict(x) as tf.Tensor, x), 1).dataSync());
      });
      const trainMse = perRow.reduce((a, b) => a + b, 0) / 100;
      const valBefore = mse(m, val);
      const curves = fit(m, { train, val }, { seed: 4, epochs: 2, batchSize: 32, learningRate: 1e-9, progress: false });
      // The first epoch's batches in fit's seeded order: 32, 32, 32 and 4 rows.
      const batchMeans: number[] = [];
      for (const b of batches(train, { batchSize: 32, seed: 4 })) batchMeans.push(Array.from(b.indices, (r) => perRow[r]!).reduce((a, c) => a + c, 0) / b.size);
      const unweighted = batchMeans.reduce((a, b) => a + b, 0) / batchMeans.length;
      expectAtLeast(Math.abs(unweighted / trainMse - 1), 2e-4, "the test's own check: the plain mean of the batch MSEs is far from the weighted one", { rule: 'power', strict: true });
      const rule = {
        rule: 'train[e] = Σ (batch MSE × batch size) / count over the epoch\'s batches; here the model does not move, so it is the training MSE in every epoch',
        mistakes: [
          { name: 'the plain mean of the batch MSEs (the 4-row batch weighs as much as a 32-row one)', value: unweighted },
          { name: 'the last batch\'s MSE', value: batchMeans.at(-1)! },
          { name: 'a sum over the 784 pixels instead of a mean', value: 784 * trainMse },
          { name: 'a sum never reset between epochs', value: 2 * trainMse },
        ],
      };
      expectClose(curves.train[0], trainMse, 2e-5, 'train[0]', rule);
      expectClose(curves.train[1], trainMse, 2e-5, 'train[1]', rule);
      expectClose(curves.val[1], valBefore, 2e-5, 'val[1]', { rule: 'val[e] is the MSE on the validation set after epoch e; here the model does not move', mistakes: [{ name: 'the MSE on the training set', value: trainMse }] });
      m.dispose();
    });

    it('prints one line per epoch with its loss and val_loss (titled options.progress, or a title of its own by default), nothing with progress: false; at a terminal a live line with the running batch loss', () => {
      const m = standIn(784, 9);
      const train = rows(fashion, 0, 40);
      const val = rows(fashion, 40, 60);
      const quiet = stderrOf('lines', () => fit(m, { train, val }, { seed: 1, epochs: 1, batchSize: 20, progress: false }));
      expect(quiet, 'output with progress: false').toBe('');
      let c: ReturnType<typeof fit> | undefined;
      const shown = stderrOf('lines', () => (c = fit(m, { train, val }, { seed: 1, epochs: 2, batchSize: 20, progress: 'probe-07' })));
      const lines = shown.split('\n').filter((l) => l.includes('probe-07'));
      expect(lines, 'progress lines titled probe-07: one per epoch').toHaveLength(2);
      lines.forEach((line, e) => {
        expect(line, `epoch ${String(e + 1)}'s line`).toContain(`epoch ${String(e + 1)}/2: loss ${c!.train[e]!.toPrecision(4)}, val_loss ${c!.val[e]!.toPrecision(4)}`);
      });
      // Without a progress option it still reports, under a title of its own.
      const untitled = stderrOf('lines', () => fit(m, { train, val }, { seed: 1, epochs: 1, batchSize: 20 })).split('\n').find((l) => l.includes('epoch 1/1: loss'));
      expect(untitled, 'the epoch line printed without a progress option: progress is on by default, under a non-empty title').toMatch(/^\S+ {2}epoch 1\/1: loss/);
      // At a terminal, the live line shows the running mean of the batch losses from the first batch on.
      const live = stderrOf('tty', () => fit(m, { train, val }, { seed: 1, epochs: 1, batchSize: 20, progress: 'live-07' }));
      expect(live.split('\r').find((w) => w.includes('live-07  epoch 1/1')), 'the first live line (drawn after the first batch)').toMatch(/\] 1\/2 {2}loss \d/);
      m.dispose();
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
