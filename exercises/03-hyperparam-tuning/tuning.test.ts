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
import { concat, expectAllClose, expectAtLeast, expectAtMost, expectClose } from '#kit/testing';
import { accuracy, batches, selectExamples, toExamples, type Examples } from '#kit/train';

type Tuning = typeof import('./tuning.ts');
type Mlp = typeof import('../02-mlp/mlp.ts');
type MlpConfig = import('./tuning.ts').MlpConfig;
type TuningResult = import('./tuning.ts').TuningResult;

const testSplitReads: DatasetFileRead[] = [];
const stopWatching = watchDatasetReads((read) => {
  if (isTestSplitFile(read.file)) testSplitReads.push(read);
});
let mod: Tuning;
let mlp: Mlp;

beforeAll(async () => {
  await ready();
  // Imported here, after the watcher: a module that loads the test split when imported is caught too.
  mod = await import('./tuning.ts');
  mlp = await import('../02-mlp/mlp.ts');
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
    expect(val.count, 'val rows: round(valFraction × count) = round(0.2 × 100)').toBe(20);
    expect(train.count, 'train rows: the other 80').toBe(80);
    const ids = [...rowIds(train), ...rowIds(val)].sort((a, b) => a - b);
    expect(ids, 'train and val together hold every row exactly once').toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Labels travel with their rows.
    expect(Array.from(val.labels!), 'each label travels with its row').toEqual(rowIds(val).map((i) => i % 10));
    expect(rowIds(mod.forkValidation(data, 0.2, 7).val), 'the same seed gives the same split').toEqual(rowIds(val));
    expect(rowIds(mod.forkValidation(data, 0.2, 8).val), 'another seed gives another split (the seed is used)').not.toEqual(rowIds(val));
    // Random, not the first or last rows.
    const sortedVal = [...rowIds(val)].sort((a, b) => a - b);
    expect(sortedVal, 'val is the first 20 rows: the split must be a seeded random permutation, not the head').not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(sortedVal, 'val is the last 20 rows: the split must be a seeded random permutation, not the tail').not.toEqual(Array.from({ length: 20 }, (_, i) => 80 + i));
  });

  it('rejects a fraction outside (0, 1) and an empty dataset (ArgumentError)', () => {
    const data = numberedRows(10);
    expect(mod.forkValidation(data, 0.3, 1).val.count, 'val rows: round(0.3 × count)').toBe(3);
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
    // The usual mistakes land far from the answer (checked, so the test keeps its power).
    expectAtLeast(0.15 * others, 0.1, "the test's own check: the biases' share is large", { strict: true, rule: 'power against L2 on the biases' });
    expectAtLeast(0.15 * kernels, 0.1, "the test's own check: the kernels' share is large", { strict: true, rule: 'power against a missing ½' });
    const sizes = model.trainableWeights.filter((w) => w.shape.length >= 2).map((w) => w.read().size);
    expectClose(value, 0.15 * kernels, 1e-4, 'l2Penalty(model, 0.3)', {
      rule: 'R = (λ/2)·Σ‖W‖² summed over the kernels (trainable weights of rank ≥ 2) only',
      mistakes: [
        { name: 'the biases and batch-norm γ, β penalised too', value: 0.15 * (kernels + others) },
        { name: 'λ·Σ‖W‖² (the ½ missing)', value: 0.3 * kernels },
        { name: 'λ/2 · Σ of the MEAN squares', value: 0.15 * model.trainableWeights.filter((w) => w.shape.length >= 2).reduce((s2, w, i) => s2 + (w.read().dataSync() as Float32Array).reduce((a, v) => a + v * v, 0) / sizes[i]!, 0) },
      ],
    });
    const zero = mod.l2Penalty(model, 0);
    expectClose(zero.dataSync()[0], 0, 0, 'l2Penalty(model, 0)', { rule: 'λ = 0 gives a zero penalty' });
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
      expectAllClose(g, want, 1e-5, `∂R/∂(${w.name})`, {
        rule: w.shape.length >= 2 ? 'the gradient of (λ/2)‖W‖² is λ·W' : 'a bias or γ/β is not penalised: zero gradient',
        mistakes: [{ name: 'the gradient of λ‖W‖² (the ½ missing)', value: want.map((v) => 2 * v) }],
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
    expect(trainable(a.model), 'the same seed must train the same parameters (every draw seeded from options.seed)').toEqual(trainable(b.model));
    expect(trainable(a.model), 'another seed must train other parameters (the seed is used)').not.toEqual(trainable(c.model));
    for (const t of [a, b, c]) t.model.dispose();
  });

  it('trains config.epochs epochs of mini-batches of config.batchSize with the chosen optimizer, reporting every batch and every epoch loss', () => {
    const data = selectExamples(fashionSplit().train, Array.from({ length: 200 }, (_, i) => i));
    const sizes: number[] = [];
    const weighted: number[] = [];
    const epochs: [number, number][] = [];
    const { model, epochLosses } = mod.trainConfig({ ...SMALL, batchSize: 64, epochs: 3 }, data, {
      seed: 1,
      onBatch: (loss, batch) => {
        sizes.push(batch.size);
        weighted.push(loss * batch.size);
      },
      onEpoch: (epoch, loss) => epochs.push([epoch, loss]),
    });
    expect(sizes, 'batch sizes of 3 epochs over 200 examples in batches of 64: 64, 64, 64 and the rest, 8, each epoch').toEqual([64, 64, 64, 8, 64, 64, 64, 8, 64, 64, 64, 8]);
    expect(epochLosses, 'epochLosses: one mean loss per epoch').toHaveLength(3);
    expect(epochs.map(([e]) => e), 'onEpoch is called after each epoch with its index, from 0').toEqual([0, 1, 2]);
    for (let e = 0; e < 3; e++) {
      // Epoch e's loss is the mean over ITS 200 examples: its own four batches, not the run so far or the last batch.
      const own = weighted.slice(4 * e, 4 * e + 4).reduce((a, b) => a + b, 0) / 200;
      expectClose(epochLosses[e], own, 1e-6, `epochLosses[${String(e)}]`, {
        rule: "each epoch's loss is trainEpoch's mean over that epoch's examples",
        mistakes: [
          { name: "the previous epoch's loss", value: e === 0 ? NaN : weighted.slice(4 * e - 4, 4 * e).reduce((a, b) => a + b, 0) / 200 },
          { name: "the last batch's loss", value: weighted[4 * e + 3]! / 8 },
        ],
      });
      expect(epochs[e]![1], `onEpoch(${String(e)}, loss): the same loss as epochLosses[${String(e)}]`).toBe(epochLosses[e]);
    }
    expectAtMost(epochLosses[2], epochLosses[0]!, 'the third epoch\'s loss', { rule: 'training lowers the loss from epoch to epoch', strict: true });
    const adam = mod.trainConfig({ ...SMALL, batchSize: 64, epochs: 3, optimizer: 'adam', learningRate: 0.05 }, data, { seed: 1 });
    // Same seed, same start and batches: only the optimizer differs.
    expect(trainable(adam.model), "optimizer: 'adam' trained the same parameters as SGD: makeOptimizer(config) must be used").not.toEqual(trainable(model));
    model.dispose();
    adam.model.dispose();
  });

  it('follows its recipe bit for bit: buildMlp with rng.seed(), makeOptimizer, ONE batches(…, seed: rng.seed()) source and ONE optimizer kept across config.epochs trainEpoch calls, the L2 penalty in every step', () => {
    const data = selectExamples(fashionSplit().train, Array.from({ length: 96 }, (_, i) => i));
    // Adam, so that an optimizer made anew each epoch (its moments reset) gives other parameters; 3 epochs, so
    // that batches re-made each epoch (the same order every epoch) do too.
    const config: MlpConfig = { layers: 2, units: 8, learningRate: 0.01, batchSize: 32, epochs: 3, l2: 0.01, optimizer: 'adam' };
    const { model, epochLosses } = mod.trainConfig(config, data, { seed: 77 });
    // The documented recipe, written out here with the same functions.
    const rng = new Rng(77);
    const ref = mlp.buildMlp(data.features, config.layers, config.units, 10, { seed: rng.seed() });
    const optimizer = mod.makeOptimizer(config);
    const source = batches(data, { batchSize: config.batchSize, seed: rng.seed(), oneHot: 10 });
    const refLosses: number[] = [];
    for (let e = 0; e < config.epochs; e++) {
      refLosses.push(mlp.trainEpoch(ref, source, optimizer, { penalty: () => mod.l2Penalty(ref, config.l2) }).loss);
    }
    optimizer.dispose();
    expect(epochLosses, 'epoch losses against the recipe (an optimizer or a batch order made anew each epoch, another seed order, or a missing penalty changes them)').toEqual(refLosses);
    expect(concat(trainable(model)), 'parameters after 3 epochs against the recipe').toEqual(concat(trainable(ref)));
    model.dispose();
    ref.dispose();
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
    expect(p.map((w) => w.length), "the test's own check: a 784-16-16-16-10 network").toEqual(shapes.map((s) => s.reduce((a, b) => a * b, 1)));
    let offset = 0;
    for (const [i, shape] of shapes.entries()) {
      const w0 = initial.subarray(offset, offset + p[i]!.length);
      offset += p[i]!.length;
      if (shape.length === 1) {
        expect(d[i], `bias ${String(i)} moved under weight decay: L2 must penalise the kernels only, never the biases`).toEqual(p[i]);
      } else {
        let maxErr = 0;
        let maxShift = 0;
        for (let j = 0; j < w0.length; j++) {
          const shift = -config.learningRate * lambda * w0[j]!;
          maxErr = Math.max(maxErr, Math.abs(d[i]![j]! - p[i]![j]! - shift));
          maxShift = Math.max(maxShift, Math.abs(shift));
        }
        // float32 rounding of weights of size ~0.5 is ~3e-8; the shift is ~1e-3 (½ missing: twice that).
        expectAtMost(maxErr, 1e-6, `kernel ${String(i)}: max |decayed − plain − (−lr·λ·W₀)|`, {
          strict: true, rule: 'L2 = weight decay on the kernels: one SGD step moves each kernel by −lr·λ·W₀ more than plain SGD (twice that without the ½, none when the penalty is ignored)',
        });
        expectAtLeast(maxShift, 1e-4, "the test's own check: the decay is far above float32 rounding", { strict: true, rule: 'power' });
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
    expect(trials.length, 'trials: at least 10 settings').toBeGreaterThanOrEqual(10);
    expect(trials.length, 'trials: at most maxTrials').toBeLessThanOrEqual(MAX_TRIALS);
    const key = (c: MlpConfig): string => JSON.stringify([c.layers, c.units, c.learningRate, c.batchSize, c.epochs, c.l2, c.optimizer ?? 'sgd']);
    expect(new Set(trials.map((t) => key(t.config))).size, 'distinct settings: no setting tried twice').toBe(trials.length);
    const values = (f: (c: MlpConfig) => unknown): Set<unknown> => new Set(trials.map((t) => f(t.config)));
    expect([...values((c) => c.layers)].sort(), 'hidden layers: 3, 4 and 5 must all be tried').toEqual(expect.arrayContaining([3, 4, 5]));
    for (const [name, f] of [
      ['units', (c: MlpConfig) => c.units],
      ['learningRate', (c: MlpConfig) => c.learningRate],
      ['batchSize', (c: MlpConfig) => c.batchSize],
      ['l2', (c: MlpConfig) => c.l2],
      ['epochs', (c: MlpConfig) => c.epochs],
    ] as const) {
      expect(values(f).size, `${name} is never varied`).toBeGreaterThan(1);
    }
    expect(new Set(trials.map((t) => t.seed)).size, 'every trial trains with its own seed (drawn from options.seed)').toBe(trials.length);
    for (const t of trials) {
      expect(() => {
        mod.checkConfig(t.config, fashionSplit().train.count);
      }).not.toThrow();
      expect(t.config.epochs, 'a trial trains longer than maxEpochs').toBeLessThanOrEqual(MAX_EPOCHS);
      expect(t.valAccuracy, 'a trial\'s valAccuracy: above chance (0.1) for a trained network, a fraction of the validation rows').toBeGreaterThan(0.1);
      expect(t.valAccuracy, 'a trial\'s valAccuracy is a fraction ≤ 1').toBeLessThanOrEqual(1);
    }
  });

  it('returns as best the arg-max of the recorded validation accuracies (the first on ties)', () => {
    const { best, trials } = tuning();
    const max = Math.max(...trials.map((t) => t.valAccuracy));
    expect(best.valAccuracy, 'best: the trial with the highest validation accuracy (not the last, not by training accuracy)').toBe(max);
    expect(best, 'best: the FIRST trial of the highest validation accuracy, as recorded in trials').toEqual(trials.find((t) => t.valAccuracy === max));
    // A search worth its name finds a decent network even on 4,000 images and ≤ 2 epochs.
    expect(best.valAccuracy, 'the best validation accuracy of a search over ≤ 2 epochs on 4,000 images should pass 0.75').toBeGreaterThan(0.75);
  });

  it('scores on the validation part and is reproducible: retraining the best configuration with its seed gives its valAccuracy on valSet', () => {
    const { best } = tuning();
    const { train, val } = fashionSplit();
    const { model, epochLosses } = mod.trainConfig(best.config, train, { seed: best.seed });
    expect(accuracy(model, val), 'best.valAccuracy against its configuration retrained with best.seed, scored on valSet (scoring on the training part gives another number)').toBe(best.valAccuracy);
    expect(best.trainLoss, 'best.trainLoss: the mean training loss of the trial\'s LAST epoch').toBe(epochLosses.at(-1));
    model.dispose();
    // A trial of two epochs (the search varies the epochs), so that its last epoch is not its first.
    const twoEpochs = tuning().trials.find((t) => t.config.epochs === MAX_EPOCHS);
    if (twoEpochs === undefined) throw new Error(`no trial of ${String(MAX_EPOCHS)} epochs: the search must vary the epochs up to maxEpochs`);
    const again = mod.trainConfig(twoEpochs.config, train, { seed: twoEpochs.seed });
    expectClose(twoEpochs.trainLoss, again.epochLosses.at(-1)!, 0, `trainLoss of a ${String(MAX_EPOCHS)}-epoch trial`, {
      rule: "a trial's trainLoss is the mean training loss of its last epoch",
      mistakes: [{ name: 'the first epoch\'s loss', value: again.epochLosses[0]! }],
    });
    expect(accuracy(again.model, val), `valAccuracy of a ${String(MAX_EPOCHS)}-epoch trial, retrained`).toBe(twoEpochs.valAccuracy);
    again.model.dispose();
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
