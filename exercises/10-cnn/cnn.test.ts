/**
 * Exercise 10, part 2: the CNN's architecture, initialisation and training loop, on small data. The
 * architecture check is exact (layer kinds, kernel shapes, parameter count from the formula in the
 * README); the He-initialisation check is statistical, each interval with false-failure rate 1e-6; the
 * training loop is compared with the kit's own loop on the same seeds. The accuracy threshold is in
 * accuracy.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { expectAllClose, expectAtLeast, expectAtMost, expectClose, stderrOf } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { batches, selectExamples, toExamples, trainStep, type Examples } from '#kit/train';
import { buildCnn, predictClasses, trainCnn } from './cnn.ts';

/** z for a two-sided interval with false-failure rate 1e-6. */
const Z = 4.8916;

let train: Examples;

beforeAll(async () => {
  await ready();
  train = toExamples(loadMnist('train'), { scale: 'unit' });
});

const rows = (ex: Examples, n: number, from = 0): Examples => selectExamples(ex, Int32Array.from({ length: n }, (_, i) => from + i));

interface Arch {
  inputShape: [number, number, number];
  filters: [number, number];
  kernelSize: number;
  poolSize: number;
  classes: number;
}

/** Parameters of the architecture, from the sizes alone (README, "Counting parameters"). */
function expectedParams(a: Arch): number {
  const [h, w, c] = a.inputShape;
  const side = (n: number): number => Math.floor((Math.floor((n - a.kernelSize + 1) / a.poolSize) - a.kernelSize + 1) / a.poolSize);
  const conv1 = a.kernelSize ** 2 * c * a.filters[0] + a.filters[0];
  const conv2 = a.kernelSize ** 2 * a.filters[0] * a.filters[1] + a.filters[1];
  const dense = side(h) * side(w) * a.filters[1] * a.classes + a.classes;
  return conv1 + conv2 + dense;
}

/** What is wrong with `model` as the exercise's CNN for `a` (empty when nothing is). */
function architectureProblems(model: tf.LayersModel, a: Arch): string[] {
  const problems: string[] = [];
  const kinds = model.layers.map((l) => l.getClassName());
  const want = ['Reshape', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'];
  if (JSON.stringify(kinds) !== JSON.stringify(want)) problems.push(`layers ${kinds.join(', ')}; expected ${want.join(', ')}`);
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  const channels = [a.inputShape[2], a.filters[0]];
  convs.forEach((conv, i) => {
    const cfg = conv.getConfig();
    const shape = conv.getWeights()[0]?.shape;
    const expected = [a.kernelSize, a.kernelSize, channels[i], a.filters[i]];
    if (JSON.stringify(shape) !== JSON.stringify(expected)) problems.push(`convolution ${String(i + 1)} kernel ${JSON.stringify(shape)}, expected ${JSON.stringify(expected)}`);
    if (cfg.activation !== 'relu') problems.push(`convolution ${String(i + 1)} activation ${JSON.stringify(cfg.activation)}, expected relu`);
    if (JSON.stringify(cfg.strides) !== '[1,1]' || cfg.padding !== 'valid') problems.push(`convolution ${String(i + 1)}: strides ${JSON.stringify(cfg.strides)}, padding ${JSON.stringify(cfg.padding)}; expected 1 and 'valid'`);
  });
  for (const pool of model.layers.filter((l) => l.getClassName() === 'MaxPooling2D')) {
    const cfg = pool.getConfig();
    const p = [a.poolSize, a.poolSize];
    if (JSON.stringify(cfg.poolSize) !== JSON.stringify(p) || JSON.stringify(cfg.strides) !== JSON.stringify(p)) {
      problems.push(`max-pool ${JSON.stringify(cfg.poolSize)} stride ${JSON.stringify(cfg.strides)}, expected ${JSON.stringify(p)}`);
    }
  }
  const dense = model.layers.at(-1);
  if (dense?.getConfig().activation !== 'linear') problems.push(`the output layer's activation is ${JSON.stringify(dense?.getConfig().activation)}; the model must return logits`);
  if (JSON.stringify(model.inputs[0]?.shape) !== JSON.stringify([null, a.inputShape[0] * a.inputShape[1] * a.inputShape[2]])) {
    problems.push(`input shape ${JSON.stringify(model.inputs[0]?.shape)}: the model takes flat rows of h·w·c pixels`);
  }
  if (JSON.stringify(model.outputs[0]?.shape) !== JSON.stringify([null, a.classes])) problems.push(`output shape ${JSON.stringify(model.outputs[0]?.shape)}`);
  if (model.countParams() !== expectedParams(a)) problems.push(`${String(model.countParams())} parameters, expected ${String(expectedParams(a))}`);
  // Every layer's output shape, from part 1's sizes: 'valid' k×k convolutions remove k − 1, the pools divide and floor.
  const shapes = expectedShapes(a);
  model.layers.forEach((l, i) => {
    const got = JSON.stringify(l.outputShape);
    if (i < shapes.length && got !== JSON.stringify(shapes[i])) {
      problems.push(`layer ${String(i + 1)} (${l.getClassName()}) outputs ${got}, expected ${JSON.stringify(shapes[i])}${i === 0 ? ': the reshape turns a row of h·w·c pixels into an h × w × c image (height first)' : ''}`);
    }
  });
  return problems;
}

/** The output shape of every layer of the architecture (README, part 2's diagram). */
function expectedShapes(a: Arch): (number | null)[][] {
  const [h, w, c] = a.inputShape;
  const conv = (n: number): number => n - a.kernelSize + 1;
  const pool = (n: number): number => Math.floor(n / a.poolSize);
  const [h1, w1] = [conv(h), conv(w)];
  const [h2, w2] = [pool(h1), pool(w1)];
  const [h3, w3] = [conv(h2), conv(w2)];
  const [h4, w4] = [pool(h3), pool(w3)];
  return [
    [null, h, w, c],
    [null, h1, w1, a.filters[0]],
    [null, h2, w2, a.filters[0]],
    [null, h3, w3, a.filters[1]],
    [null, h4, w4, a.filters[1]],
    [null, h4 * w4 * a.filters[1]],
    [null, a.classes],
  ];
}

const DEFAULTS: Arch = { inputShape: [28, 28, 1], filters: [16, 32], kernelSize: 3, poolSize: 2, classes: 10 };

/** Kernels with their fan-in: k·k·c_in for a convolution, the input size for the dense layer. */
function kernels(model: tf.LayersModel): { w: Float32Array; fanIn: number; name: string }[] {
  return model.layers
    .filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'Dense')
    .map((l) => {
      const k = l.getWeights()[0]!;
      const fanIn = k.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return { w: k.dataSync() as Float32Array, fanIn, name: `${l.getClassName()} ${k.shape.join('×')}` };
    });
}

/** The mean square of `w` is 2/fan-in (N(0, 2/n)) or 0.774 × that (tfjs's heNormal, truncated at ±2σ), at α = 1e-6. */
function isHe(w: Float32Array, fanIn: number): { ok: boolean; ratio: number } {
  const a = 2;
  const phi = Math.exp(-a * a / 2) / Math.sqrt(2 * Math.PI);
  const mass = 0.9544997361036416;
  const m2 = 1 - (2 * a * phi) / mass;
  const m4 = 3 - (2 * (a ** 3 + 3 * a) * phi) / mass;
  let sq = 0;
  let sum = 0;
  for (const v of w) {
    sq += v * v;
    sum += v;
  }
  const n = w.length;
  const ratio = sq / n / (2 / fanIn);
  const exact = Math.abs(ratio - 1) <= Z * Math.sqrt(2 / n);
  const truncated = Math.abs(ratio - m2) <= (Z * Math.sqrt(m4 - m2 * m2)) / Math.sqrt(n);
  const centred = Math.abs(sum / n) <= Z * Math.sqrt(2 / fanIn / n);
  return { ok: (exact || truncated) && centred, ratio };
}

describe('buildCnn', () => {
  it('is conv → ReLU → pool → conv → ReLU → pool → dense with the default sizes: 12,810 parameters', () => {
    const model = buildCnn({ seed: 1 });
    expect(architectureProblems(model, DEFAULTS)).toEqual([]);
    expect(model.countParams(), 'parameters: Σ (k·k·c_in + 1)·filters over the two convolutions + (flattened size + 1)·classes for the dense layer').toBe(12_810);
    model.dispose();
  });

  it('follows its options: 20×24×3 images, filters 6 and 10, 5×5 kernels, 2×2 pools, 4 classes', () => {
    const a: Arch = { inputShape: [20, 24, 3], filters: [6, 10], kernelSize: 5, poolSize: 2, classes: 4 };
    const model = buildCnn({ seed: 2, ...a });
    expect(architectureProblems(model, a)).toEqual([]);
    model.dispose();
  });

  it('He-initialises every kernel (variance 2/fan-in, fan-in k·k·c_in for a convolution; intervals at α = 1e-6) with zero biases', () => {
    const model = buildCnn({ seed: 3, filters: [32, 64] });
    for (const { w, fanIn, name } of kernels(model)) {
      const { ok, ratio } = isHe(w, fanIn);
      expect(ok, `${name}: mean square ${ratio.toFixed(3)} × 2/fan-in`).toBe(true);
    }
    for (const l of model.layers) {
      const bias = l.getWeights()[1];
      if (bias !== undefined) expect(Array.from(bias.dataSync()).every((v) => v === 0), `${l.name} bias`).toBe(true);
    }
    model.dispose();
    // The dense layer too: 10×10 images leave 1×1×8 = 8 inputs for 64 classes, where Glorot's 2/(fan-in + fan-out) = 2/72
    // is far from He's 2/8 (with 10 classes and 800 inputs the two are almost the same).
    const wide = buildCnn({ seed: 4, inputShape: [10, 10, 1], filters: [4, 8], classes: 64 });
    const dense = kernels(wide).at(-1)!;
    expect(dense.fanIn, 'the dense layer of 10×10 images, filters [4, 8]: fan-in 1·1·8').toBe(8);
    const { ok, ratio } = isHe(dense.w, dense.fanIn);
    expect(ok, `${dense.name}: mean square ${ratio.toFixed(3)} × 2/fan-in; Rule: the dense kernel is He-initialised too (heNormal); Glorot (tfjs's default) gives about 0.11 × 2/fan-in here`).toBe(true);
    wide.dispose();
  });

  it('is reproducible from its seed, with a different draw for every layer', () => {
    const weights = (m: tf.LayersModel): number[] => m.trainableWeights.flatMap((w) => Array.from(w.read().dataSync()));
    const opts = { inputShape: [12, 12, 4], filters: [4, 4], kernelSize: 3, poolSize: 2 } as const;
    const [a, b, c] = [5, 5, 6].map((seed) => buildCnn({ seed, ...opts }));
    expect(weights(a!)).toEqual(weights(b!));
    expect(weights(a!)).not.toEqual(weights(c!));
    const [k1, k2] = a!.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => Array.from(l.getWeights()[0]!.dataSync()));
    expect(k1, 'the two 3×3×4×4 kernels are copies: one seed used twice').not.toEqual(k2);
    for (const m of [a, b, c]) m!.dispose();
  });

  it('rejects options it cannot build with an ArgumentError', () => {
    // The smallest image two 3×3 convolutions and 2×2 pools accept: 10×10 → 8 → 4 → 2 → 1.
    const smallest = buildCnn({ seed: 1, inputShape: [10, 10, 1], filters: [2, 2] });
    expect(smallest.outputs[0]!.shape).toEqual([null, 10]);
    smallest.dispose();
    expect(() => buildCnn({ seed: 1.5 })).toThrow(ArgumentError);
    expect(() => buildCnn({ seed: 1, inputShape: [8, 8, 1], kernelSize: 5 })).toThrow(ArgumentError);
    expect(() => buildCnn({ seed: 1, filters: [0, 8] })).toThrow(ArgumentError);
  });
});

/** A small CNN built here, so that the training checks do not depend on buildCnn. */
function standIn(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const he = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: rng.seed() });
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: he() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: he() }),
    ],
  });
}

const weightsOf = (m: tf.LayersModel): Float32Array[] => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => {
    for (let j = 0; j < x.length; j++) d = Math.max(d, Math.abs(x[j]! - b[i]![j]!));
  });
  return d;
}

/** The fraction of `ex` whose largest output is the label, computed here. */
function ownAccuracy(m: tf.LayersModel, ex: Examples): number {
  const predicted = tf.tidy(() => (m.predict(tf.tensor2d(ex.x, [ex.count, ex.features])) as tf.Tensor).argMax(-1).dataSync());
  let right = 0;
  for (let i = 0; i < ex.count; i++) if (predicted[i] === ex.labels![i]) right++;
  return right / ex.count;
}

describe('trainCnn', () => {
  it("takes the same steps as the kit's loop (Adam, softmax cross-entropy, batches(train, { batchSize, seed, oneHot: 10 })) and reports the epoch's weighted mean loss", () => {
    const data = rows(train, 500);
    const options = { seed: 3, epochs: 2, batchSize: 64, learningRate: 4e-3 };
    const theirs = standIn(7);
    const history = trainCnn(theirs, data, { ...options, progress: false });

    const ours = standIn(7);
    const optimizer = tf.train.adam(options.learningRate);
    const source = batches(data, { batchSize: options.batchSize, seed: options.seed, oneHot: 10 });
    const losses: number[] = [];
    for (let e = 0; e < options.epochs; e++) {
      let sum = 0;
      for (const batch of source) sum += trainStep(ours, optimizer, batch).loss * batch.size;
      losses.push(sum / data.count);
    }
    optimizer.dispose();
    expectAtMost(maxDifference(weightsOf(theirs), weightsOf(ours)), 1e-4, 'largest weight difference from the kit loop', {
      rule: 'trainCnn is Adam at options.learningRate on the seeded batches of options.batchSize, one trainStep per batch', strict: true,
    });
    expect(history.loss).toHaveLength(2);
    history.loss.forEach((l, e) => {
      expectAtMost(Math.abs(l - losses[e]!), 1e-4, `|epoch ${String(e)} loss ${String(l)} − the kit loop's ${String(losses[e])}|`, {
        rule: 'history.loss[e] is the mean batch loss over epoch e, each batch weighted by its size', strict: true,
      });
    });
    expect(history.valAccuracy).toEqual([]);
    theirs.dispose();
    ours.dispose();
  });

  it('learns, reports the validation accuracy after every epoch, and another batch seed gives other weights', () => {
    const data = rows(train, 1000);
    const val = rows(train, 500, 7000);
    const a = standIn(8);
    const history = trainCnn(a, data, { seed: 1, epochs: 2, batchSize: 50, validation: val, progress: false });
    expect(history.valAccuracy).toHaveLength(2);
    expectClose(history.valAccuracy[1], ownAccuracy(a, val), 0.5e-10, 'valAccuracy[1]', {
      rule: 'the validation accuracy after each epoch = (rows whose largest output is the label) / rows, with the weights at the end of that epoch',
    });
    expectAtLeast(history.valAccuracy[1]!, 0.6, 'validation accuracy after 2 short epochs', { rule: 'training on 1,000 digits for 2 epochs takes the accuracy well above chance (0.1)', strict: true });
    expectAtMost(history.loss[1]!, history.loss[0]!, `history.loss[1] (epoch 0: ${String(history.loss[0])})`, { rule: 'the training loss falls from the first epoch to the second', strict: true });
    const b = standIn(8);
    trainCnn(b, data, { seed: 2, epochs: 1, batchSize: 50, progress: false });
    const c = standIn(8);
    trainCnn(c, data, { seed: 1, epochs: 1, batchSize: 50, progress: false });
    // c is a's first epoch again (same start, batch seed and size): valAccuracy[0] comes from those weights.
    expectClose(history.valAccuracy[0], ownAccuracy(c, val), 0.5e-10, 'valAccuracy[0]', {
      rule: 'valAccuracy[e] is measured after epoch e with the weights of that moment (not the final weights for every epoch, not before the epoch trains)',
      mistakes: [{ name: 'the final accuracy recorded for every epoch', value: history.valAccuracy[1]! }],
    });
    expectAtLeast(maxDifference(weightsOf(b), weightsOf(c)), 0, 'largest weight difference between batch seeds 2 and 1', {
      rule: 'the batch order is drawn from options.seed, so another seed trains other weights', strict: true,
    });
    for (const m of [a, b, c]) m.dispose();
  });

  it("shows #kit/progress's display: the live line with the running loss, one summary per epoch titled options.progress with the validation accuracy; nothing with progress: false", () => {
    const model = standIn(12);
    const tiny = rows(train, 20);
    // As at a terminal: the live line is drawn after the first batch (then at most ten times a second).
    const shown = stderrOf('tty', () => trainCnn(model, tiny, { seed: 1, epochs: 2, batchSize: 10, validation: tiny, progress: 'cnn progress probe' }));
    const quiet = stderrOf('tty', () => trainCnn(model, tiny, { seed: 1, epochs: 1, batchSize: 10, progress: false }));
    const rule = 'Rule: bar = progress({ title: options.progress, epochs, batchesPerEpoch }) from #kit/progress; bar.batch({ loss }) after every step, bar.epoch({ loss, valAcc }) after every epoch, bar.done() at the end; nothing when progress is false';
    const lines = shown.split(/[\r\n]/);
    const summaries = lines.filter((l) => /cnn progress probe {2}epoch \d\/2:/.test(l));
    expect(summaries, `${rule}. The epoch summaries`).toHaveLength(2);
    expect(summaries[1], `${rule}. The summary shows the validation accuracy (valAcc) when there is validation`).toContain('val_acc');
    expect(lines.some((l) => l.startsWith('cnn progress probe  epoch 1/2') && l.includes('[') && /loss \d/.test(l)), `${rule}. The live line shows the running batch loss`).toBe(true);
    expect(quiet, `${rule}. With progress: false`).not.toContain('epoch');
    model.dispose();
  });

  it('rejects bad options and images of the wrong size with an ArgumentError, and leaves no tensors behind', () => {
    const model = standIn(9);
    const tiny = rows(train, 20);
    trainCnn(model, tiny, { seed: 1, epochs: 1, batchSize: 10, progress: false });
    const before = tf.memory().numTensors;
    trainCnn(model, tiny, { seed: 1, epochs: 2, batchSize: 10, progress: false });
    expect(tf.memory().numTensors).toBe(before);
    for (const bad of [{ epochs: 0 }, { batchSize: 0 }, { learningRate: 0 }, { seed: 0.5 }]) {
      expect(() => trainCnn(model, tiny, { seed: 1, epochs: 1, progress: false, ...bad }), JSON.stringify(bad)).toThrow(ArgumentError);
    }
    const wrong: Examples = { x: new Float32Array(4 * 100), count: 4, features: 100, labels: new Uint8Array(4) };
    expect(() => trainCnn(model, wrong, { seed: 1, progress: false })).toThrow(ArgumentError);
    model.dispose();
  });
});

describe('predictClasses', () => {
  it("is the arg-max of the logits in inference mode, in the examples' order, with no tensors left behind", () => {
    const model = standIn(10);
    const ex = rows(train, 2500);
    const before = tf.memory().numTensors;
    const predicted = predictClasses(model, ex);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.getPrototypeOf(predicted)).toBe(Int32Array.prototype);
    const want = tf.tidy(() => (model.predict(tf.tensor2d(ex.x, [ex.count, 784]), { batchSize: 2500 }) as tf.Tensor).argMax(-1).dataSync());
    expect(Array.from(predicted)).toEqual(Array.from(want));
    model.dispose();
  });

  it('gives a tie to the lower class, and predicts with dropout off (inference mode)', () => {
    // A dense layer with zero kernel: every row's logits are the bias, tied at classes 2, 4 and 5.
    const tie = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [4], kernelInitializer: 'zeros' })] });
    tie.layers[0]!.setWeights([tf.zeros([4, 6]), tf.tensor1d([0, 1, 3, 0, 3, 3])]);
    const ex: Examples = { x: Float32Array.from({ length: 5 * 4 }, (_, i) => (i % 7) / 7), count: 5, features: 4 };
    expectAllClose(predictClasses(tie, ex), [2, 2, 2, 2, 2], 0, 'predicted classes, logits [0, 1, 3, 0, 3, 3] on every row', {
      rule: 'the arg-max takes the first (lowest) of tied classes, like argMax', mistakes: [{ name: '≥ in the comparison: the last of tied classes', value: [5, 5, 5, 5, 5] }],
    });
    tie.dispose();
    // Half the features dropped in training mode would change many of the 400 predictions.
    const rng = new Rng(11);
    const he = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: rng.seed() });
    const withDropout = tf.sequential({
      layers: [
        tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: he() }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5, seed: 3 }),
        tf.layers.dense({ units: 10, kernelInitializer: he() }),
      ],
    });
    const digits = rows(train, 400);
    const want = tf.tidy(() => (withDropout.predict(tf.tensor2d(digits.x, [digits.count, 784])) as tf.Tensor).argMax(-1).dataSync());
    const got = predictClasses(withDropout, digits);
    let differ = 0;
    for (let i = 0; i < digits.count; i++) if (got[i] !== want[i]) differ++;
    expectAtMost(differ, 0, 'predictions that differ from model.predict (dropout off) on 400 digits', {
      rule: 'predictClasses runs the model in inference mode (model.predict, training false): dropout passes every unit',
    });
    withDropout.dispose();
  });
});
