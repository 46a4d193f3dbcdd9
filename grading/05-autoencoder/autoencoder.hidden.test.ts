/**
 * Hidden tests for exercise 05: the public checks on other fixtures, seeds, chunk sizes and indices, so
 * that code fitted to the public tests' inputs does not pass. Never shipped to students. Each test calls
 * the student's function first. No full-dataset training: the public suite has the threshold run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { parameterCounts } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import { train, type Examples, type LossFn } from '#kit/train';
import { differing } from '#kit/testing';
import { tensorMaxAbsDiff } from '#kit/testing/models';
import { buildAutoencoder, prepareData, reconstruct, trainAutoencoder } from '../../exercises/05-autoencoder/autoencoder.ts';
import { reconstructionPanel } from '../../exercises/05-autoencoder/reconstructions.ts';

let test: ImageDataset;

beforeAll(async () => {
  await ready();
  test = loadFashionMnist('test');
});

const rows = (from: number, to: number): Examples => ({
  x: Float32Array.from(test.images.subarray(from * 784, to * 784), (b) => b / 255),
  count: to - from,
  features: 784,
});

function standIn(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [784], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

describe('task 1 (hidden): prepareData', () => {
  it('scales a 3-image 5×5 grayscale fixture with 0 and 255 in it exactly, in order', () => {
    const images = Uint8Array.from({ length: 75 }, (_, i) => (i === 0 ? 255 : (i * 101) % 256));
    const d: ImageDataset = { images, labels: Uint8Array.from([1, 2, 3]), count: 3, rows: 5, cols: 5, channels: 1 };
    const ex = prepareData(d);
    expect([ex.count, ex.features, ex.x.length]).toEqual([3, 25, 75]);
    expect(ex.x[0]).toBe(1);
    expect(Array.from(ex.x)).toEqual(Array.from(images, (b) => Math.fround(b / 255)));
  });
});

describe('task 2 (hidden): buildAutoencoder', () => {
  it('seed 7: 218,192 parameters, a 64-unit ReLU code, sigmoid outputs, and the halves composed give the model', () => {
    const ae = buildAutoencoder({ seed: 7 });
    expect(parameterCounts(ae.model).total).toBe(218_192);
    const x = tf.randomNormal<tf.Rank.R2>([10, 784], 0.5, 2, 'float32', 3);
    const code = ae.encoder.predict(x) as tf.Tensor;
    expect(code.shape).toEqual([10, 64]);
    expect(code.min().dataSync()[0]!).toBeGreaterThanOrEqual(0);
    const out = ae.model.predict(x) as tf.Tensor;
    const again = ae.decoder.predict(code) as tf.Tensor;
    expect(tf.tidy(() => out.sub(again).abs().max().dataSync()[0]!)).toBeLessThan(1e-6);
    const values = out.dataSync();
    expect(Math.min(...values)).toBeGreaterThan(0);
    expect(Math.max(...values)).toBeLessThan(1);
    tf.dispose([x, code, out, again]);
    ae.model.dispose();
  });
});

describe('task 3 (hidden): trainAutoencoder', () => {
  it('batch 50, learning rate 2e-3, seed 9: two epochs lower the MSE; same seeds, same weights; valLoss is the validation MSE', () => {
    const run = (): { w: number[]; loss: number[]; val: number[] } => {
      const { model } = buildAutoencoder({ seed: 9 });
      const h = trainAutoencoder(model, rows(0, 800), { epochs: 2, batchSize: 50, learningRate: 2e-3, seed: 9, validation: rows(800, 1000), progress: false });
      const w = Array.from(model.weights[6]!.read().dataSync());
      model.dispose();
      return { w, loss: h.loss, val: h.valLoss };
    };
    const a = run();
    expect(a.loss).toHaveLength(2);
    expect(a.val).toHaveLength(2);
    expect(a.loss[1]!).toBeLessThan(a.loss[0]!);
    expect(a.val[1]!).toBeLessThan(a.val[0]!);
    expect(a.val[1]!).toBeLessThan(0.1);
    expect(differing(run().w, a.w), 'weights that differ with the same seeds').toBe(0);
  });

  it('follows the recipe step for step: ONE batches(train, { batchSize, seed }) source and ONE Adam(learningRate) across 3 epochs, one trainStep on the MSE per batch, loss[e] weighted by batch size', () => {
    const data = rows(200, 300);
    const val = rows(300, 340);
    const options = { epochs: 3, batchSize: 30, learningRate: 0.01, seed: 13 };
    const model = standIn(11);
    const h = trainAutoencoder(model, data, { ...options, validation: val, progress: false });
    // The documented recipe is the kit's own epoch loop (#kit/train's train) with one Adam and the MSE.
    const ref = standIn(11);
    const optimizer = tf.train.adam(options.learningRate);
    const loss: LossFn = (batch, output) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(batch.x, output);
    const refLoss = train({ model: ref, optimizer, data, epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, loss, progress: false }).map((r) => r.loss);
    optimizer.dispose();
    expect(h.loss).toHaveLength(3);
    h.loss.forEach((l, e) => {
      expect(Math.abs(l / refLoss[e]! - 1), `loss[${String(e)}] ${String(l)} against the recipe's ${String(refLoss[e])} (a batch order or an optimizer made anew each epoch, another seed, or an unweighted mean changes it)`).toBeLessThan(1e-5);
    });
    const worst = Math.max(...model.weights.map((w, i) => tensorMaxAbsDiff(w.read(), ref.weights[i]!.read())));
    expect(worst, 'largest difference of a weight from the recipe\'s after 3 epochs').toBeLessThan(1e-5);
    model.dispose();
    ref.dispose();
  });

  it('rejects images that are not 784 pixels, and a NaN learning rate', () => {
    const { model } = buildAutoencoder({ seed: 1 });
    expect(() => trainAutoencoder(model, { x: new Float32Array(2 * 100), count: 2, features: 100 }, { epochs: 1, seed: 1, progress: false })).toThrow(ArgumentError);
    expect(() => trainAutoencoder(model, rows(0, 4), { epochs: 1, seed: 1, learningRate: Number.NaN, progress: false })).toThrow(ArgumentError);
    model.dispose();
  });
});

describe('task 4 (hidden): reconstructions', () => {
  it('reconstruct with chunk 7 on 30 rows equals model.predict', () => {
    const model = standIn(4);
    const ex = rows(100, 130);
    const y = reconstruct(model, ex, 7);
    const out = tf.tidy(() => model.predict(tf.tensor2d(ex.x, [30, 784]), { batchSize: 30 }) as tf.Tensor);
    const expected = out.dataSync();
    out.dispose();
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - expected[i]!));
    expect(y.length).toBe(30 * 784);
    expect(worst).toBeLessThan(1e-6);
    model.dispose();
  });

  it('a panel of three images [9, 2, 5]: three columns, originals then reconstructions in the same order', () => {
    const model = standIn(6);
    const ex = rows(0, 12);
    const panel = reconstructionPanel(model, ex, [9, 2, 5]);
    expect(panel.columns).toBe(3);
    expect(panel.images).toHaveLength(6);
    const rebuilt = reconstruct(model, ex);
    [9, 2, 5].forEach((i, k) => {
      expect(Array.from(panel.images[k]!.pixels)).toEqual(Array.from(ex.x.subarray(i * 784, (i + 1) * 784)));
      const r = panel.images[3 + k]!.pixels;
      let worst = 0;
      for (let j = 0; j < 784; j++) worst = Math.max(worst, Math.abs(r[j]! - rebuilt[i * 784 + j]!));
      expect(worst).toBeLessThan(1e-6);
      expect(panel.images[k]!.label).toContain(String(i));
      expect(panel.images[3 + k]!.label).toContain(String(i));
    });
    model.dispose();
  });
});
