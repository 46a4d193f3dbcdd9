/**
 * Hidden tests for exercise 03: other fractions, strengths, optimizers and search limits than the
 * public suite. Never shipped to students. The student's module is imported after the dataset-read
 * watcher is in place, as in the public suite. Checks are exact (same seed, same numbers) or bounded
 * by float32 rounding; none is statistical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTestSplitFile, loadFashionMnist, take, watchDatasetReads, type DatasetFileRead } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';

type Tuning = typeof import('../../exercises/03-hyperparam-tuning/tuning.ts');
type MlpConfig = import('../../exercises/03-hyperparam-tuning/tuning.ts').MlpConfig;

const testSplitReads: DatasetFileRead[] = [];
const stop = watchDatasetReads((r) => {
  if (isTestSplitFile(r.file)) testSplitReads.push(r);
});
let mod: Tuning;

beforeAll(async () => {
  await ready();
  mod = await import('../../exercises/03-hyperparam-tuning/tuning.ts');
});
afterAll(() => {
  stop();
});

let fashion: Examples | undefined;
function fashionSubset(): Examples {
  fashion ??= toExamples(take(loadFashionMnist('train'), 1100, 61), { scale: 'centered' });
  return fashion;
}
const trainable = (m: tf.LayersModel): Float32Array[] => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);

describe('forkValidation (hidden)', () => {
  it('rounds valFraction × count to the nearest integer and keeps every row once', () => {
    const x = Float32Array.from({ length: 7 * 2 }, (_, i) => Math.floor(i / 2));
    const data: Examples = { x, labels: Uint8Array.from([0, 1, 2, 3, 4, 5, 6]), count: 7, features: 2 };
    const { train, val } = mod.forkValidation(data, 0.5, 123);
    expect(val.count).toBe(4);
    expect(train.count).toBe(3);
    const ids = [...Array.from({ length: 3 }, (_, i) => train.x[2 * i]!), ...Array.from({ length: 4 }, (_, i) => val.x[2 * i]!)];
    expect(ids.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(val.labels!)).toEqual(Array.from({ length: 4 }, (_, i) => val.x[2 * i]!));
  });
});

describe('l2Penalty (hidden)', () => {
  it('is exactly 0 for a model without weight matrices (a lone batch-norm layer)', () => {
    const model = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [3] })] });
    const p = mod.l2Penalty(model, 0.5);
    expect(p.dataSync()[0], 'l2Penalty of a model with no kernels: the sum over no kernels is 0').toBe(0);
    p.dispose();
    model.dispose();
  });

  it('on a 4-layer buildMlp network with random biases is (λ/2)·Σ‖W‖² over the 5 kernels', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [7], units: 6, biasInitializer: 'randomNormal' }),
        tf.layers.dense({ units: 6, biasInitializer: 'randomNormal' }),
        tf.layers.dense({ units: 2, biasInitializer: 'randomNormal' }),
      ],
    });
    const p = mod.l2Penalty(model, 2e-3);
    const value = p.dataSync()[0]!;
    p.dispose();
    const kernels = model.trainableWeights
      .filter((w) => w.shape.length === 2)
      .reduce((s, w) => s + (w.read().dataSync() as Float32Array).reduce((a, v) => a + v * v, 0), 0);
    expect(value).toBeCloseTo(1e-3 * kernels, 6);
    model.dispose();
  });
});

describe('trainConfig (hidden)', () => {
  it('with Adam, L2 leaves the biases where plain Adam puts them after one step, and changes the kernels', () => {
    const data = selectExamples(fashionSubset(), Array.from({ length: 50 }, (_, i) => i));
    const config: MlpConfig = { layers: 2, units: 12, learningRate: 0.01, batchSize: 50, epochs: 1, l2: 0, optimizer: 'adam' };
    const size = 784 * 12 + 12 + 12 * 12 + 12 + 12 * 10 + 10;
    const initial = Float32Array.from(new Rng(71).normals(size, 0, 0.2));
    const plain = mod.trainConfig(config, data, { seed: 72, initialParams: initial });
    const decayed = mod.trainConfig({ ...config, l2: 0.1 }, data, { seed: 72, initialParams: initial });
    const p = trainable(plain.model);
    const d = trainable(decayed.model);
    p.forEach((w, i) => {
      if (plain.model.trainableWeights[i]!.shape.length === 1) expect(d[i]).toEqual(w);
      else expect(d[i]).not.toEqual(w);
    });
    plain.model.dispose();
    decayed.model.dispose();
  });

  it('disposes its optimizer: Adam\'s moments (two tensors per weight) do not outlive the trial', () => {
    const data = selectExamples(fashionSubset(), Array.from({ length: 40 }, (_, i) => i));
    const config: MlpConfig = { layers: 2, units: 8, learningRate: 0.01, batchSize: 20, epochs: 1, l2: 0, optimizer: 'adam' };
    const before = tf.memory().numTensors;
    mod.trainConfig(config, data, { seed: 5 }).model.dispose();
    // 6 weights: a leaked Adam optimizer keeps at least 12 tensors; a stray tensor or two elsewhere is not this item's business.
    expect(tf.memory().numTensors - before, 'tensors left after trainConfig and model.dispose(): the optimizer must be disposed (optimizer.dispose())').toBeLessThan(6);
  });

  it('rejects a batch size larger than the training data', () => {
    const data = selectExamples(fashionSubset(), Array.from({ length: 20 }, (_, i) => i));
    const config: MlpConfig = { layers: 1, units: 4, learningRate: 0.1, batchSize: 20, epochs: 1, l2: 0 };
    mod.trainConfig(config, data, { seed: 1 }).model.dispose();
    expect(() => mod.trainConfig({ ...config, batchSize: 21 }, data, { seed: 1 })).toThrow(ArgumentError);
  });
});

type Search = ReturnType<Tuning['hyperparamTuning']> & { testReads: DatasetFileRead[] };
let search: Search | undefined;
/** A small search, once: 800 training / 300 validation images, maxTrials = 10, maxEpochs = 1. */
function smallSearch(): Search {
  if (search === undefined) {
    const all = fashionSubset();
    const order = new Rng(81).permutation(all.count);
    const train = selectExamples(all, order.subarray(0, 800));
    const val = selectExamples(all, order.subarray(800));
    const before = testSplitReads.length;
    const result = mod.hyperparamTuning(train, val, { seed: 82, maxEpochs: 1, maxTrials: 10, log: () => undefined });
    search = { ...result, testReads: testSplitReads.slice(before) };
  }
  return search;
}

describe('hyperparamTuning (hidden)', () => {
  it('with maxTrials = 10 and maxEpochs = 1 on 800 / 300 images: exactly 10 distinct one-epoch trials over 3–5 layers, the arg-max as best', () => {
    const { best, trials } = smallSearch();
    expect(trials).toHaveLength(10);
    expect(new Set(trials.map((t) => JSON.stringify(t.config))).size).toBe(10);
    expect(new Set(trials.map((t) => t.config.layers))).toEqual(new Set([3, 4, 5]));
    for (const t of trials) expect(t.config.epochs).toBe(1);
    expect(best.valAccuracy).toBe(Math.max(...trials.map((t) => t.valAccuracy)));
  });
});

describe('hyperparamTuning (hidden): ties', () => {
  it('on a one-image validation set (every accuracy 0 or 1, so the top is almost surely shared) returns the FIRST trial of the highest accuracy', () => {
    const all = fashionSubset();
    const train = selectExamples(all, Array.from({ length: 300 }, (_, i) => i));
    const val = selectExamples(all, [1000]);
    const { best, trials } = mod.hyperparamTuning(train, val, { seed: 91, maxEpochs: 1, maxTrials: 10, log: () => undefined });
    const max = Math.max(...trials.map((t) => t.valAccuracy));
    expect(trials.indexOf(best), 'best is the first trial with the highest validation accuracy (a ≥ comparison takes the last of a tie)').toBe(trials.findIndex((t) => t.valAccuracy === max));
  });
});

describe('test-split hygiene (hidden)', () => {
  it('the small search read no test-split file, and nothing else in this file did', () => {
    expect(smallSearch().testReads).toEqual([]);
    expect(testSplitReads).toEqual([]);
  });
});
