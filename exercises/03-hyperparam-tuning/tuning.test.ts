/**
 * Tests for exercise 03 (hyper-parameter search on a validation split).
 *
 * The student's module is imported only after a watcher on every dataset file read is in place
 * (`watchDatasetReads` from #kit/data), so a test-split read anywhere — at import time, in a helper,
 * during the search — is seen. The training and validation sets handed to the search record every
 * read of their pixels and labels. The checks here are exact (same seed, same numbers) or bounded by
 * float32 rounding; none is statistical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTestSplitFile, loadFashionMnist, take, watchDatasetReads, type DatasetFileRead } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { accuracy, selectExamples, toExamples, type Examples } from '#kit/train';

type Tuning = typeof import('./tuning.ts');
type MlpConfig = import('./tuning.ts').MlpConfig;
type TuningResult = import('./tuning.ts').TuningResult;

const testSplitReads: DatasetFileRead[] = [];
const stopWatching = watchDatasetReads((read) => {
  if (isTestSplitFile(read.file)) testSplitReads.push(read);
});
let mod: Tuning;

beforeAll(async () => {
  await ready();
  // Imported here, after the watcher: a module that loads the test split when imported is caught too.
  mod = await import('./tuning.ts');
});

afterAll(() => {
  stopWatching();
});

// ---- data ----------------------------------------------------------------------------------------

/** Examples whose row i is filled with the number i, so rows can be traced through a split. */
function numberedRows(count: number, features = 3): Examples {
  const x = new Float32Array(count * features);
  for (let i = 0; i < count; i++) x.fill(i, i * features, (i + 1) * features);
  return { x, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, features };
}
const rowIds = (ex: Examples): number[] => Array.from({ length: ex.count }, (_, i) => ex.x[i * ex.features]!);

let fashion: { train: Examples; val: Examples } | undefined;
/**
 * 5,000 Fashion-MNIST training images (centred, p/255 − 0.5), split here 4,000 / 1,000 with the kit's
 * own seeded permutation, independent of the student's forkValidation.
 */
function fashionSplit(): { train: Examples; val: Examples } {
  if (fashion === undefined) {
    const all = toExamples(take(loadFashionMnist('train'), 5000, 31), { scale: 'centered' });
    const order = new Rng(32).permutation(all.count);
    fashion = { val: selectExamples(all, order.subarray(0, 1000)), train: selectExamples(all, order.subarray(1000)) };
  }
  return fashion;
}

/** `ex` behind getters that note in `reads` whenever its pixels or labels are read. */
function recording(ex: Examples, name: string, reads: Set<string>): Examples {
  return {
    get x(): Float32Array {
      reads.add(name);
      return ex.x;
    },
    get labels(): Uint8Array | undefined {
      reads.add(name);
      return ex.labels;
    },
    count: ex.count,
    features: ex.features,
  };
}

const trainable = (m: tf.LayersModel): Float32Array[] => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);

// ---- forkValidation -------------------------------------------------------------------------------

describe('forkValidation', () => {
  it('forks off a seeded random valFraction of the rows: disjoint parts that cover every row once, reproducible from the seed', () => {
    const data = numberedRows(100);
    const { train, val } = mod.forkValidation(data, 0.2, 7);
    expect(val.count).toBe(20);
    expect(train.count).toBe(80);
    const ids = [...rowIds(train), ...rowIds(val)].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Labels travel with their rows.
    expect(Array.from(val.labels!)).toEqual(rowIds(val).map((i) => i % 10));
    expect(rowIds(mod.forkValidation(data, 0.2, 7).val)).toEqual(rowIds(val));
    expect(rowIds(mod.forkValidation(data, 0.2, 8).val)).not.toEqual(rowIds(val));
    // Random, not the first or last rows.
    const sortedVal = [...rowIds(val)].sort((a, b) => a - b);
    expect(sortedVal).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(sortedVal).not.toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
  });

  it('rejects a fraction outside (0, 1) and an empty dataset (ArgumentError)', () => {
    const data = numberedRows(10);
    expect(mod.forkValidation(data, 0.3, 1).val.count).toBe(3);
    expect(() => mod.forkValidation(data, 0, 1)).toThrow(/valFraction/);
    expect(() => mod.forkValidation(data, 1, 1)).toThrow(ArgumentError);
    expect(() => mod.forkValidation({ ...data, count: 0, x: new Float32Array(0) }, 0.2, 1)).toThrow(/empty/);
  });
});

// ---- l2Penalty ----------------------------------------------------------------------------------

describe('l2Penalty', () => {
  /** Two Dense layers with random non-zero biases and a batch-norm layer (rank-1 γ, β). */
  function modelWithBiases(): tf.Sequential {
    const rng = new Rng(3);
    const m = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [5], units: 4, activation: 'relu' }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 3 }),
      ],
    });
    m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from(rng.normals(w.size, 0.3, 1)), w.shape)));
    return m;
  }

  it('is (λ/2)·Σ‖W‖² over the weight matrices only (hand computation): no biases, no batch-norm γ/β, not the mean, not without ½', () => {
    const model = modelWithBiases();
    const penalty = mod.l2Penalty(model, 0.3);
    const value = penalty.dataSync()[0]!;
    penalty.dispose();
    let kernels = 0;
    let others = 0;
    for (const w of model.trainableWeights) {
      const ss = (w.read().dataSync() as Float32Array).reduce((s, v) => s + v * v, 0);
      if (w.shape.length >= 2) kernels += ss;
      else others += ss;
    }
    expect(value).toBeCloseTo(0.15 * kernels, 4);
    // The usual mistakes land far from it.
    expect(0.15 * others).toBeGreaterThan(0.1);
    expect(0.15 * kernels).toBeGreaterThan(0.1);
    const zero = mod.l2Penalty(model, 0);
    expect(zero.dataSync()[0]).toBe(0);
    zero.dispose();
    model.dispose();
  });

  it('has zero gradient with respect to every bias and λ·W with respect to every kernel; a negative λ is an ArgumentError', () => {
    const model = modelWithBiases();
    // LayerVariable.read() is the tf.Variable the layer trains.
    const vars = model.trainableWeights.map((w) => w.read() as unknown as tf.Variable);
    const { grads, value } = tf.variableGrads(() => mod.l2Penalty(model, 0.5), vars);
    for (const [i, w] of model.trainableWeights.entries()) {
      const g = grads[vars[i]!.name]?.dataSync() ?? new Float32Array(w.read().size);
      const want = w.shape.length >= 2 ? (w.read().dataSync() as Float32Array).map((v) => 0.5 * v) : new Float32Array(g.length);
      g.forEach((v, j) => {
        expect(v).toBeCloseTo(want[j]!, 5);
      });
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(() => mod.l2Penalty(model, -1)).toThrow(ArgumentError);
    model.dispose();
  });
});

// ---- trainConfig ----------------------------------------------------------------------------------

const SMALL: MlpConfig = { layers: 3, units: 16, learningRate: 0.05, batchSize: 32, epochs: 2, l2: 0, optimizer: 'sgd' };

describe('trainConfig', () => {
  it('is reproducible from its seed: the same seed trains the same parameters, another seed others', () => {
    const data = fashionSplit().train;
    const small = selectExamples(data, Array.from({ length: 300 }, (_, i) => i));
    const a = mod.trainConfig({ ...SMALL, epochs: 1 }, small, { seed: 5 });
    const b = mod.trainConfig({ ...SMALL, epochs: 1 }, small, { seed: 5 });
    const c = mod.trainConfig({ ...SMALL, epochs: 1 }, small, { seed: 6 });
    expect(trainable(a.model)).toEqual(trainable(b.model));
    expect(trainable(a.model)).not.toEqual(trainable(c.model));
    for (const t of [a, b, c]) t.model.dispose();
  });

  it('trains config.epochs epochs of mini-batches of config.batchSize with the chosen optimizer, reporting every batch and every epoch loss', () => {
    const data = selectExamples(fashionSplit().train, Array.from({ length: 200 }, (_, i) => i));
    const sizes: number[] = [];
    const { model, epochLosses } = mod.trainConfig({ ...SMALL, batchSize: 64, epochs: 3 }, data, {
      seed: 1,
      onBatch: (_loss, batch) => sizes.push(batch.size),
    });
    expect(sizes).toEqual([64, 64, 64, 8, 64, 64, 64, 8, 64, 64, 64, 8]);
    expect(epochLosses).toHaveLength(3);
    expect(epochLosses[2]).toBeLessThan(epochLosses[0]!);
    const adam = mod.trainConfig({ ...SMALL, batchSize: 64, epochs: 3, optimizer: 'adam', learningRate: 0.05 }, data, { seed: 1 });
    // Same seed, same start and batches: only the optimizer differs.
    expect(trainable(adam.model)).not.toEqual(trainable(model));
    model.dispose();
    adam.model.dispose();
  });

  it('applies L2 to kernels only: one SGD step with weight decay λ from non-zero biases leaves every bias where plain SGD puts it and moves every kernel by −lr·λ·W₀ more', () => {
    const data = selectExamples(fashionSplit().train, Array.from({ length: 64 }, (_, i) => i));
    const config: MlpConfig = { ...SMALL, batchSize: 64, epochs: 1, learningRate: 0.1 };
    const lambda = 0.05;
    // Start from random parameters with non-zero biases (zero biases would hide a decay on them).
    const shapes = [[784, 16], [16], [16, 16], [16], [16, 16], [16], [16, 10], [10]];
    const initial = Float32Array.from(new Rng(9).normals(shapes.reduce((n, s) => n + s.reduce((p, d) => p * d, 1), 0), 0, 0.1));
    const plain = mod.trainConfig(config, data, { seed: 3, initialParams: initial });
    const decayed = mod.trainConfig({ ...config, l2: lambda }, data, { seed: 3, initialParams: initial });
    const p = trainable(plain.model);
    const d = trainable(decayed.model);
    expect(p.map((w) => w.length)).toEqual(shapes.map((s) => s.reduce((a, b) => a * b, 1)));
    let offset = 0;
    for (const [i, shape] of shapes.entries()) {
      const w0 = initial.subarray(offset, offset + p[i]!.length);
      offset += p[i]!.length;
      if (shape.length === 1) {
        expect(d[i], `bias ${String(i)} moved under weight decay`).toEqual(p[i]);
      } else {
        let maxErr = 0;
        let maxShift = 0;
        for (let j = 0; j < w0.length; j++) {
          const shift = -config.learningRate * lambda * w0[j]!;
          maxErr = Math.max(maxErr, Math.abs(d[i]![j]! - p[i]![j]! - shift));
          maxShift = Math.max(maxShift, Math.abs(shift));
        }
        // float32 rounding of weights of size ~0.5 is ~3e-8; the shift is ~1e-3 (½ missing: twice that).
        expect(maxErr, `kernel ${String(i)}`).toBeLessThan(1e-6);
        expect(maxShift).toBeGreaterThan(1e-4);
      }
    }
    plain.model.dispose();
    decayed.model.dispose();
  });

  it('rejects each out-of-range setting with an ArgumentError naming it (layers, units, learning rate, batch size, epochs, l2, optimizer) and bad data', () => {
    const data = numberedRows(50, 784);
    mod.trainConfig({ ...SMALL, epochs: 1 }, data, { seed: 1 }).model.dispose();
    const bad: [Partial<MlpConfig>, RegExp][] = [
      [{ layers: 0 }, /config\.layers = 0/],
      [{ layers: 2.5 }, /config\.layers/],
      [{ units: 0 }, /config\.units = 0/],
      [{ learningRate: 0 }, /config\.learningRate = 0 .*> 0/],
      [{ learningRate: -0.1 }, /config\.learningRate/],
      [{ batchSize: 0 }, /config\.batchSize = 0 .*1\.\.50/],
      [{ batchSize: 51 }, /config\.batchSize = 51 .*1\.\.50/],
      [{ epochs: 0 }, /config\.epochs = 0/],
      [{ l2: -1e-4 }, /config\.l2/],
      [{ optimizer: 'rmsprop' as 'sgd' }, /config\.optimizer/],
    ];
    for (const [change, message] of bad) {
      expect(() => mod.trainConfig({ ...SMALL, ...change }, data, { seed: 1 }), JSON.stringify(change)).toThrow(message);
    }
    expect(() => mod.trainConfig(SMALL, { ...data, count: 0, x: new Float32Array(0) }, { seed: 1 })).toThrow(/empty/);
    expect(() => mod.trainConfig(SMALL, { ...data, labels: data.labels!.map((l) => l + 1) }, { seed: 1 })).toThrow(/out of range/);
  });
});

// ---- hyperparamTuning -----------------------------------------------------------------------------

const MAX_EPOCHS = 2;
const MAX_TRIALS = 12;
const reads = new Set<string>();
let tuned: TuningResult | undefined;
let testReadsDuringTuning: DatasetFileRead[] = [];

/** The search, run once for all the tests below: 4,000 training / 1,000 validation images. */
function tuning(): TuningResult {
  if (tuned === undefined) {
    const { train, val } = fashionSplit();
    const before = testSplitReads.length;
    tuned = mod.hyperparamTuning(recording(train, 'train', reads), recording(val, 'val', reads), {
      seed: 2024,
      maxEpochs: MAX_EPOCHS,
      maxTrials: MAX_TRIALS,
    });
    testReadsDuringTuning = testSplitReads.slice(before);
  }
  return tuned;
}

describe('hyperparamTuning', () => {
  it(`tries at least 10 distinct settings (at most maxTrials = ${String(MAX_TRIALS)}), covering 3, 4 and 5 hidden layers and varying units, learning rate, batch size, epochs and L2`, () => {
    const { trials } = tuning();
    expect(trials.length).toBeGreaterThanOrEqual(10);
    expect(trials.length).toBeLessThanOrEqual(MAX_TRIALS);
    const key = (c: MlpConfig): string => JSON.stringify([c.layers, c.units, c.learningRate, c.batchSize, c.epochs, c.l2, c.optimizer ?? 'sgd']);
    expect(new Set(trials.map((t) => key(t.config))).size).toBe(trials.length);
    const values = (f: (c: MlpConfig) => unknown): Set<unknown> => new Set(trials.map((t) => f(t.config)));
    expect([...values((c) => c.layers)].sort()).toEqual(expect.arrayContaining([3, 4, 5]));
    for (const [name, f] of [
      ['units', (c: MlpConfig) => c.units],
      ['learningRate', (c: MlpConfig) => c.learningRate],
      ['batchSize', (c: MlpConfig) => c.batchSize],
      ['l2', (c: MlpConfig) => c.l2],
    ] as const) {
      expect(values(f).size, `${name} is never varied`).toBeGreaterThan(1);
    }
    for (const t of trials) {
      expect(() => {
        mod.checkConfig(t.config, fashionSplit().train.count);
      }).not.toThrow();
      expect(t.config.epochs, 'a trial trains longer than maxEpochs').toBeLessThanOrEqual(MAX_EPOCHS);
      expect(t.valAccuracy).toBeGreaterThan(0.1);
      expect(t.valAccuracy).toBeLessThanOrEqual(1);
    }
  });

  it('returns as best the arg-max of the recorded validation accuracies (the first on ties)', () => {
    const { best, trials } = tuning();
    const max = Math.max(...trials.map((t) => t.valAccuracy));
    expect(best.valAccuracy).toBe(max);
    expect(best).toEqual(trials.find((t) => t.valAccuracy === max));
    // A search worth its name finds a decent network even on 4,000 images and ≤ 2 epochs.
    expect(best.valAccuracy).toBeGreaterThan(0.75);
  });

  it('scores on the validation part and is reproducible: retraining the best configuration with its seed gives its valAccuracy on valSet', () => {
    const { best } = tuning();
    const { train, val } = fashionSplit();
    const { model } = mod.trainConfig(best.config, train, { seed: best.seed });
    expect(accuracy(model, val)).toBe(best.valAccuracy);
    model.dispose();
  });

  it('reads the training and the validation sets it was given', () => {
    tuning();
    expect([...reads].sort()).toEqual(['train', 'val']);
  });
});

describe('test-split hygiene', () => {
  it('never reads the test split: no test-split file was read while the module was imported or the search ran', () => {
    tuning();
    const where = (rs: DatasetFileRead[]): string => rs.map((r) => r.path).join(', ');
    expect(testReadsDuringTuning, `the search read the test split: ${where(testReadsDuringTuning)}`).toEqual([]);
    expect(testSplitReads, `the test split was read: ${where(testSplitReads)}`).toEqual([]);
  });
});
