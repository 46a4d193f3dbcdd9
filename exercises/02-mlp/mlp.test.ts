/**
 * Tests for exercise 02 (the MLP and its training, evaluation and parameter helpers).
 *
 * Exact checks compare with float64 computations done here by hand, to tolerances far above float32
 * rounding (≈ 1e-6 relative) and far below the size of the mistakes they are meant to catch; each
 * such test also checks that the usual wrong answer lies outside its tolerance. The one random check
 * (He initialisation) states its false-failure rate: 1e-6 per interval.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, take } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { batches, meanCrossEntropy, toExamples, type Batch, type Examples } from '#kit/train';
import { concat, expectAllClose, expectAtLeast, expectAtMost, expectClose } from '#kit/testing';
import { denseLayers, handForward, handLossAccuracy, predict, softmaxRow, trainable } from '#kit/testing/models';
import { buildMlp, computeLoss, evaluate, extractModelParams, loadParamsIntoModel, trainEpoch } from './mlp.ts';

beforeAll(async () => {
  await ready();
});

/** z for a two-sided interval with false-failure rate 1e-6. */
const Z = 4.8916;

// ---- helpers written independently of the student's code (shared: #kit/testing) ------------------

/** A small fixture: one Dense layer 4 → 3 with fixed weights, then dropout (identity at inference). */
function fixtureModel(dropout = 0): tf.Sequential {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 3 }),
      ...(dropout > 0 ? [tf.layers.dropout({ rate: dropout })] : []),
    ],
  });
  m.layers[0]!.setWeights([
    tf.tensor2d([
      [0.5, -1.2, 2],
      [1, 0.3, -0.7],
      [-2, 1.1, 0.4],
      [0.9, -0.5, 1.6],
    ]),
    tf.tensor1d([0.1, -0.3, 0.2]),
  ]);
  return m;
}

function fixtureData(count: number, seed: number): Examples {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from(rng.normals(count * 4)),
    labels: Uint8Array.from({ length: count }, () => rng.int(0, 2)),
    count,
    features: 4,
  };
}

let fashion: Examples | undefined;
/** 2,000 Fashion-MNIST training images, centred as in the homework (p/255 − 0.5). Loaded on first use. */
function fashionSubset(): Examples {
  fashion ??= toExamples(take(loadFashionMnist('train'), 2000, 7), { scale: 'centered' });
  return fashion;
}

function disposeAll(...models: tf.LayersModel[]): void {
  for (const m of models) m.dispose();
}

// ---- buildMlp ----------------------------------------------------------------------------------

describe('buildMlp', () => {
  it('has nLayers ReLU hidden Dense layers of hiddenUnits and a linear output of outputDim (the logits): outputs match a hand-computed forward pass', () => {
    const model = buildMlp(6, 3, 5, 4, { seed: 3 });
    expect(denseLayers(model), 'buildMlp(6, 3, 5, 4): Dense layers = nLayers (3 hidden) + 1 output; 3 means nLayers counted the output layer').toHaveLength(4);
    expect(denseLayers(model).map((l) => (l.getWeights()[1] ?? tf.zeros([0])).shape[0]), 'units per Dense layer: hiddenUnits for each hidden layer, outputDim last (no bias means a missing bias)').toEqual([5, 5, 5, 4]);
    expect(model.inputs[0]!.shape, 'input shape: [null, inputDim]').toEqual([null, 6]);
    expect(model.outputs[0]!.shape, 'output shape: [null, outputDim]').toEqual([null, 4]);
    // Random biases so that the bias and the ReLU cut both matter.
    const rng = new Rng(4);
    for (const layer of denseLayers(model)) {
      const [kernel, bias] = layer.getWeights();
      layer.setWeights([kernel!, tf.tensor1d(Float32Array.from(rng.normals(bias!.shape[0], 0, 0.5)))]);
    }
    const x = Float32Array.from(rng.normals(8 * 6));
    const got = predict(model, x, 6);
    expectAllClose(got, handForward(model, x, 6), 1e-4, 'buildMlp(6, 3, 5, 4): outputs against a forward pass computed by hand', {
      rule: 'z = W·h + b in every Dense layer, ReLU after each hidden layer, the output layer linear (the logits; the softmax lives in the loss)',
      mistakes: [
        { name: 'a softmax on the output layer (the loss then applies a second one)', value: handForward(model, x, 6, { outputRow: softmaxRow }) },
        { name: 'a ReLU on the output layer', value: handForward(model, x, 6, { output: (z) => Math.max(0, z) }) },
        { name: 'no ReLU between the hidden layers', value: handForward(model, x, 6, { hidden: (z) => z }) },
      ],
    });
    // Logits, not probabilities: some are negative and rows do not sum to 1.
    expectAtMost(Math.min(...got), 0, 'the smallest output', { rule: 'outputs are logits, so some are negative; a softmax or a ReLU on the output never is', strict: true });
    model.dispose();
  });

  it.each([
    [784, 3, 256, 10, 335_114],
    [784, 3, 40, 10, 35_090],
    [784, 5, 30, 10, 27_580],
    [784, 4, 50, 10, 47_410],
    [10, 1, 1, 2, 15],
  ])('buildMlp(%i, %i, %i, %i) has %i parameters in nLayers + 1 Dense layers', (inputDim, nLayers, units, outputDim, params) => {
    const model = buildMlp(inputDim, nLayers, units, outputDim, { seed: 1 });
    const withoutBiases = params - (nLayers * units + outputDim);
    const outputCounted = params - (units * units + units);
    expect(model.countParams(), `parameters = Σ over the nLayers + 1 Dense layers of fan-in × units + units${
      model.countParams() === withoutBiases ? ' (this count leaves out the biases)' : model.countParams() === outputCounted && nLayers > 1 ? ' (this count has one hidden layer too few: nLayers counted the output layer)' : ''}`).toBe(params);
    expect(denseLayers(model), 'Dense layers: nLayers hidden + 1 output').toHaveLength(nLayers + 1);
    expect(model.trainableWeights, 'trainable tensors: a kernel and a bias per Dense layer').toHaveLength(2 * (nLayers + 1));
    model.dispose();
  });

  it(`is He-initialised: every kernel is zero-mean with variance 2/fan-in (tfjs's heNormal, truncated at ±2σ, has 0.774 × 2/fan-in; both pass), intervals at α = 1e-6`, () => {
    const model = buildMlp(64, 3, 128, 10, { seed: 11 });
    // E[z²] and E[z⁴] of a standard normal truncated to [−2, 2].
    const a = 2;
    const phi = Math.exp(-a * a / 2) / Math.sqrt(2 * Math.PI);
    const mass = 0.9544997361036416; // 2Φ(2) − 1
    const m2 = 1 - (2 * a * phi) / mass;
    const m4 = 3 - (2 * (a ** 3 + 3 * a) * phi) / mass;
    for (const layer of denseLayers(model)) {
      const kernel = layer.getWeights()[0]!;
      const [fanIn] = kernel.shape as [number, number];
      const w = kernel.dataSync();
      const n = w.length;
      const sigma2 = 2 / fanIn;
      let sum = 0;
      let sq = 0;
      for (const v of w) {
        sum += v;
        sq += v * v;
      }
      // Ratio of the mean square to 2/fan-in: 1 for N(0, 2/n) (χ²: ±Z·√(2/n)), m2 for the truncated
      // normal (CLT on bounded draws: ±Z·√(m4 − m2²)/√n). Glorot (tf's Dense default) gives
      // 0.5 on the square layers, LeCun 1/n gives 0.5, fan-out instead of fan-in 12.8 on the output layer.
      const ratio = sq / n / sigma2;
      const exact = Math.abs(ratio - 1) <= Z * Math.sqrt(2 / n);
      const truncated = Math.abs(ratio - m2) <= (Z * Math.sqrt(m4 - m2 * m2)) / Math.sqrt(n);
      expect(exact || truncated, `kernel ${kernel.shape.join('×')}: mean square = ${ratio.toFixed(3)} × 2/fan-in. Rule: He initialisation, ` +
        `Var[w] = 2/fan-in: 1 for N(0, 2/fan-in), ${m2.toFixed(3)} for tfjs's truncated heNormal. Usual mistakes: Glorot (tfjs's Dense default) or LeCun ` +
        'give about 0.5 on square layers, fan-out instead of fan-in 12.8 on the output layer').toBe(true);
      expectAtMost(Math.abs(sum / n), Z * Math.sqrt(sigma2 / n), `kernel ${kernel.shape.join('×')}: |mean weight|`, {
        rule: 'He initialisation draws zero-mean weights (interval at α = 1e-6)', strict: true,
      });
    }
    model.dispose();
  });

  it('is reproducible from its seed: the same seed builds the same weights, another seed other weights', () => {
    const a = buildMlp(20, 2, 8, 3, { seed: 5 });
    const b = buildMlp(20, 2, 8, 3, { seed: 5 });
    const c = buildMlp(20, 2, 8, 3, { seed: 6 });
    expect(concat(trainable(a)), 'the same seed must build the same weights (an unseeded initialiser, or seed: 0, draws from Math.random)').toEqual(concat(trainable(b)));
    expect(concat(trainable(a)), 'another seed must build other weights (the seed is not passed to the initialisers)').not.toEqual(concat(trainable(c)));
    // Each layer gets its own seed: two square hidden layers are not copies of each other.
    const [k1, k2] = denseLayers(buildMlp(8, 2, 8, 3, { seed: 5 })).slice(0, 2).map((l) => l.getWeights()[0]!.dataSync());
    expect(Array.from(k1!).slice(0, 24), 'two 8 × 8 hidden kernels are equal: one seed reused for every layer (draw a fresh rng.seed() per layer)').not.toEqual(Array.from(k2!).slice(0, 24));
    disposeAll(a, b, c);
  });

  it('rejects layer counts and sizes that are not integers ≥ 1 with an ArgumentError naming the argument', () => {
    buildMlp(4, 1, 2, 3).dispose();
    expect(() => buildMlp(4, 0, 2, 3)).toThrow(/nLayers = 0 .*integer ≥ 1/);
    expect(() => buildMlp(4, 2.5, 2, 3)).toThrow(/nLayers/);
    expect(() => buildMlp(4, 2, 0, 3)).toThrow(/hiddenUnits = 0/);
    expect(() => buildMlp(4, 2, -3, 3)).toThrow(ArgumentError);
    expect(() => buildMlp(0, 2, 2, 3)).toThrow(/inputDim/);
    expect(() => buildMlp(4, 2, 2, 1.5)).toThrow(/outputDim/);
  });
});

// ---- evaluate and computeLoss ------------------------------------------------------------------

describe('evaluate', () => {
  it('is the fraction of examples whose largest logit is the label (hand computation), in inference mode (dropout off), in any chunk size', () => {
    const model = fixtureModel(0.9);
    const data = fixtureData(11, 1);
    const acc = evaluate(model, data);
    const want = handLossAccuracy(handForward(model, data.x, 4), data.labels!, 3).acc;
    const rule = { rule: 'accuracy = (rows whose largest logit is at the label) / rows, in inference mode (dropout off)' };
    expectClose(acc, want, 1e-12, 'evaluate on 11 examples (dropout 0.9 in the model: training mode would change the logits)', rule);
    expectClose(evaluate(model, data, 3), want, 1e-12, 'evaluate in chunks of 3 (every chunk counted, the last one of 2 too)', rule);
    expectClose(evaluate(model, data, 1), want, 1e-12, 'evaluate in chunks of 1', rule);
    model.dispose();
  });

  it('agrees with a reference on 2,000 Fashion-MNIST images and a freshly built network', () => {
    const model = buildMlp(784, 2, 32, 10, { seed: 2 });
    const data = fashionSubset();
    const logits = predict(model, data.x, 784);
    expectClose(evaluate(model, data), handLossAccuracy(logits, data.labels!, 10).acc, 1e-12, 'evaluate on 2,000 Fashion-MNIST images', {
      rule: 'accuracy = (rows whose largest logit is at the label) / rows',
    });
    model.dispose();
  });

  it('rejects an empty dataset, labels out of range and a feature count the model does not take (ArgumentError)', () => {
    const model = fixtureModel();
    const data = fixtureData(5, 2);
    expectAtLeast(evaluate(model, data), 0, 'evaluate on valid data', { rule: 'an accuracy is a fraction in [0, 1]' });
    expect(() => evaluate(model, { x: new Float32Array(0), labels: new Uint8Array(0), count: 0, features: 4 })).toThrow(/empty/);
    expect(() => evaluate(model, { ...data, labels: Uint8Array.from([0, 1, 2, 3, 0]) })).toThrow(/labels\[3\] = 3 is out of range/);
    expect(() => evaluate(model, { x: new Float32Array(15), labels: data.labels!, count: 5, features: 3 })).toThrow(/features/);
    model.dispose();
  });
});

describe('computeLoss', () => {
  it('is the MEAN softmax cross-entropy of the logits (hand computation), not the sum, not softmax applied twice, in inference mode', () => {
    const model = fixtureModel(0.9);
    const data = fixtureData(7, 3);
    const loss = computeLoss(model, data);
    const logits = handForward(model, data.x, 4);
    const want = handLossAccuracy(logits, data.labels!, 3);
    const probs = handForward(model, data.x, 4, { outputRow: softmaxRow });
    const twice = handLossAccuracy(probs, data.labels!, 3).loss;
    // The usual mistakes are far outside the tolerance (checked here, so the test keeps its power).
    expectAtLeast(Math.abs(want.loss * data.count - want.loss), 1, "the test's own check: the sum is far from the mean", { strict: true, rule: 'power against the sum' });
    expectAtLeast(Math.abs(twice - want.loss), 0.05, "the test's own check: softmax twice is far from the answer", { strict: true, rule: 'power against a second softmax' });
    expectClose(loss, want.loss, 1e-5, 'computeLoss on 7 examples (dropout 0.9 in the model)', {
      rule: 'f_CE = (1/n) Σᵢ (log Σₖ e^zₖ − z_yᵢ) of the logits z, in inference mode',
      mistakes: [
        { name: 'the sum over examples instead of the mean', value: want.loss * data.count },
        { name: 'a softmax applied to the logits before the loss (softmax twice)', value: twice },
      ],
    });
    model.dispose();
  });

  it('weights each chunk by its size: the same value for every batchSize, although the mean of chunk means differs', () => {
    const model = fixtureModel();
    const data = fixtureData(7, 4);
    const loss = computeLoss(model, data, 3);
    const { loss: want, perExample } = handLossAccuracy(handForward(model, data.x, 4), data.labels!, 3);
    const chunkMeans = [perExample.slice(0, 3), perExample.slice(3, 6), perExample.slice(6)].map((c) => c.reduce((a, b) => a + b, 0) / c.length);
    const meanOfMeans = chunkMeans.reduce((a, b) => a + b, 0) / 3;
    expectAtLeast(Math.abs(meanOfMeans - want), 1e-3, "the test's own check: the mean of chunk means is another number", { strict: true, rule: 'power against the mean of chunk means' });
    const rule = {
      rule: 'f_CE over all n examples: Σ over chunks of (chunk mean × chunk size) / n',
      mistakes: [{ name: 'the mean of the chunk means (chunks of 3, 3 and 1 weighted alike)', value: meanOfMeans }],
    };
    expectClose(loss, want, 1e-5, 'computeLoss(model, 7 examples, batchSize 3)', rule);
    expectClose(computeLoss(model, data, 1), want, 1e-5, 'computeLoss(model, 7 examples, batchSize 1)', rule);
    model.dispose();
  });

  it('updates nothing, and rejects an empty dataset or labels out of range (ArgumentError)', () => {
    const model = buildMlp(784, 2, 16, 10, { seed: 4 });
    const data = fashionSubset();
    const before = concat(trainable(model));
    const loss = computeLoss(model, data);
    expectClose(loss, meanCrossEntropy(model, data), 1e-4, 'computeLoss on 2,000 images against #kit/train\'s meanCrossEntropy', {
      rule: 'f_CE = (1/n) Σᵢ (log Σₖ e^zₖ − z_yᵢ) of the logits',
    });
    expect(concat(trainable(model)), 'computeLoss changed the parameters: it must only evaluate (no optimizer, no minimize)').toEqual(before);
    expect(() => computeLoss(model, { ...data, count: 0, x: new Float32Array(0) })).toThrow(/empty/);
    const bad = { ...data, labels: data.labels!.map((l, i) => (i === 5 ? 10 : l)) };
    expect(() => computeLoss(model, bad)).toThrow(ArgumentError);
    model.dispose();
  });
});

// ---- trainEpoch --------------------------------------------------------------------------------

/** The first batch of a fresh epoch, cloned so it outlives the loop. */
function firstBatch(source: Iterable<Batch>): Batch {
  for (const b of source) return { ...b, x: b.x.clone(), ...(b.y === undefined ? {} : { y: b.y.clone() }) };
  throw new Error('no batches');
}

describe('trainEpoch', () => {
  it('returns the mean loss over the EXAMPLES (each batch mean weighted by its size) and the flattened parameters after the epoch', () => {
    // A learning rate so small that the parameters do not move in float32: the epoch's loss is then
    // the loss of the starting network, computable by hand.
    const model = fixtureModel();
    const data = fixtureData(10, 5);
    const source = batches(data, { batchSize: 4, seed: 9, oneHot: 3 });
    const { loss, params } = trainEpoch(model, source, tf.train.sgd(1e-12));
    const { loss: want, perExample } = handLossAccuracy(handForward(model, data.x, 4), data.labels!, 3);
    // The mean of the three batch means (4, 4 and 2 examples, in the order the epoch drew) is another number.
    const batchMeans = [...batches(data, { batchSize: 4, seed: 9 })].map(
      (b) => [...b.indices].reduce((sum, i) => sum + perExample[i]!, 0) / b.size,
    );
    expect(batchMeans, "the test's own check: batches of 4, 4 and 2").toHaveLength(3);
    const meanOfMeans = batchMeans.reduce((a, b) => a + b, 0) / 3;
    expectAtLeast(Math.abs(meanOfMeans - want), 1e-3, "the test's own check: the mean of batch means is another number", { strict: true, rule: 'power against the mean of batch means' });
    expectClose(loss, want, 1e-5, 'trainEpoch loss (10 examples in batches of 4, 4, 2; learning rate 1e-12, so the network does not move)', {
      rule: 'the mean over the epoch\'s examples: Σ over batches of (batch mean × batch size) / examples',
      mistakes: [
        { name: 'the mean of the batch means (a batch of 2 weighted like one of 4)', value: meanOfMeans },
        { name: 'the last batch\'s loss instead of the epoch\'s mean', value: batchMeans[2]! },
        { name: 'the sum of the batch means', value: batchMeans.reduce((a, b) => a + b, 0) },
      ],
    });
    expect(params, 'params: extractModelParams(model) after the epoch, a Float32Array').toBeInstanceOf(Float32Array);
    expect(params, 'params: every trainable tensor in trainableWeights order, after the epoch').toEqual(concat(trainable(model)));
    model.dispose();
  });

  it('lowers the training loss on Fashion-MNIST and changes every trainable tensor', () => {
    const model = buildMlp(784, 3, 64, 10, { seed: 8 });
    const optimizer = tf.train.sgd(0.05);
    const data = fashionSubset();
    const before = trainable(model);
    const lossBefore = meanCrossEntropy(model, data);
    const { loss, params } = trainEpoch(model, batches(data, { batchSize: 32, seed: 1, oneHot: 10 }), optimizer);
    const after = trainable(model);
    expectAtMost(meanCrossEntropy(model, data), 0.7 * lossBefore, `training loss after one epoch of SGD(0.05) (before: ${lossBefore.toFixed(3)})`, {
      rule: 'one optimizer.minimize step per batch on the batch\'s mean cross-entropy cuts the loss below 70 % of its start', strict: true,
    });
    expectAtMost(loss, lossBefore, 'the epoch\'s mean training loss', { rule: 'the mean of the losses seen while training lies below the starting loss', strict: true });
    expect(params, 'params: every trainable tensor after the epoch').toEqual(concat(after));
    after.forEach((w, i) => {
      const moved = w.some((v, j) => v !== before[i]![j]);
      expect(moved, `trainable tensor ${String(i)} (${model.trainableWeights[i]!.name}) did not change: minimize must update every trainable tensor (a varList that misses the biases, or no training step)`).toBe(true);
    });
    model.dispose();
    optimizer.dispose();
  });

  it('calls onBatch after every step with that batch loss; minimises the penalty without reporting it', () => {
    const data = fixtureData(12, 6);
    const a = fixtureModel();
    const seen: number[] = [];
    const resultA = trainEpoch(a, batches(data, { batchSize: 5, seed: 2, oneHot: 3 }), tf.train.sgd(0.1), {
      onBatch: (loss, batch) => seen.push(loss * batch.size),
    });
    expect(seen, 'onBatch calls: one after each of the 3 steps (12 examples in batches of 5, 5, 2)').toHaveLength(3);
    expectClose(seen.reduce((s, v) => s + v, 0) / 12, resultA.loss, 1e-5, 'Σ (onBatch loss × batch size) / 12 against the returned loss', {
      rule: 'onBatch gets each batch\'s mean loss; the epoch\'s loss is their mean weighted by batch size',
    });

    // Same start, same batch, one step: a penalty on the first kernel changes the update, not the reported loss.
    const b = fixtureModel();
    const c = fixtureModel();
    const batch = firstBatch(batches(data, { batchSize: 12, shuffle: false, oneHot: 3 }));
    const kernel = c.trainableWeights[0]!.read();
    const penaltyAtStart = tf.tidy(() => tf.mul(10, tf.sum(tf.square(kernel))).dataSync()[0]!);
    const plain = trainEpoch(b, [batch], tf.train.sgd(0.1));
    const penalised = trainEpoch(c, [batch], tf.train.sgd(0.1), { penalty: () => tf.mul(10, tf.sum(tf.square(kernel))) });
    expectClose(penalised.loss, plain.loss, 1e-6, 'the loss reported with a penalty', {
      rule: 'the penalty is minimised but not reported: the loss stays the plain mean cross-entropy',
      mistakes: [{ name: 'the penalty added to the reported loss', value: plain.loss + penaltyAtStart }],
    });
    expect(penalised.params, 'the parameters after a step with a penalty equal those without: the penalty was not added to the minimised cost').not.toEqual(plain.params);
    disposeAll(a, b, c);
  });

  it('rejects batches without labels and an epoch without examples (ArgumentError)', () => {
    const model = fixtureModel();
    const data = fixtureData(6, 8);
    trainEpoch(model, batches(data, { batchSize: 3, seed: 1, oneHot: 3 }), tf.train.sgd(0.1));
    // Unlabelled data gives batches without y: nothing to train on.
    const x = tf.tensor2d(data.x, [6, 4]);
    expect(() => trainEpoch(model, [{ x, indices: Int32Array.from([0, 1, 2, 3, 4, 5]), size: 6, index: 0 }], tf.train.sgd(0.1))).toThrow(/no labels/);
    x.dispose();
    expect(() => trainEpoch(model, [], tf.train.sgd(0.1))).toThrow(ArgumentError);
    expect(() => trainEpoch(model, [], tf.train.sgd(0.1))).toThrow(/no examples/);
    model.dispose();
  });

  it('trains in training mode: batch-normalisation moving averages move', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 6 }), tf.layers.batchNormalization(), tf.layers.dense({ units: 3 })],
    });
    const bn = model.layers[1]!;
    const movingMean = (): Float32Array => bn.getWeights()[2]!.dataSync() as Float32Array;
    const data = fixtureData(16, 7);
    trainEpoch(model, batches({ ...data, x: data.x.map((v) => v + 2) }, { batchSize: 8, seed: 1, oneHot: 3 }), tf.train.sgd(0.01));
    expectAtLeast(Math.max(...movingMean().map(Math.abs)), 1e-3, 'largest |batch-norm moving mean| after an epoch on inputs shifted by 2', {
      rule: 'trainEpoch runs the model in training mode (model.apply(x, { training: true })), which updates the moving averages', strict: true,
      mistakes: [{ name: 'model.predict or training: false in trainEpoch (the moving mean stays 0)', value: 0 }],
    });
    model.dispose();
  });
});

// ---- extractModelParams / loadParamsIntoModel -------------------------------------------------

describe('extractModelParams and loadParamsIntoModel', () => {
  it('extracts every trainable tensor in model.trainableWeights order, flattened row-major (kernel₁, bias₁, …), and nothing else', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [12], units: 7, activation: 'relu', biasInitializer: 'randomNormal' }),
        tf.layers.dense({ units: 3, biasInitializer: 'randomNormal' }),
      ],
    });
    const flat = extractModelParams(model);
    expect(flat, 'extractModelParams returns a Float32Array').toBeInstanceOf(Float32Array);
    expect(flat, 'length = Σ of the trainable tensors\' sizes: 12·7 + 7 + 7·3 + 3').toHaveLength(12 * 7 + 7 + 7 * 3 + 3);
    expect(flat, 'order and layout: model.trainableWeights in that order (kernel₁, bias₁, kernel₂, bias₂), each row-major').toEqual(concat(trainable(model)));
    // Batch-norm moving averages are not trainable and stay out.
    const bnModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4 }), tf.layers.batchNormalization()] });
    expect(extractModelParams(bnModel), 'a Dense 3 → 4 and batch-norm: 12 + 4 + γ 4 + β 4 trainable; 8 more means the moving averages (model.weights) were included').toHaveLength(3 * 4 + 4 + 4 + 4);
    disposeAll(model, bnModel);
  });

  it('round trip: loading extracted parameters restores exactly the outputs the model computed then', () => {
    const model = buildMlp(784, 3, 32, 10, { seed: 13 });
    const x = fashionSubset().x.subarray(0, 50 * 784);
    const saved = extractModelParams(model);
    const outputs = predict(model, x, 784);
    const rng = new Rng(14);
    const other = Float32Array.from(rng.normals(saved.length, 0, 0.05));
    loadParamsIntoModel(model, other);
    expect(concat(trainable(model)), 'after loadParamsIntoModel, the trainable tensors hold the given numbers in trainableWeights order').toEqual(other);
    expect(predict(model, x, 784), 'other parameters loaded, yet the outputs did not change').not.toEqual(outputs);
    loadParamsIntoModel(model, saved);
    expect(predict(model, x, 784), 'round trip: the saved parameters loaded back must give the same outputs bit for bit').toEqual(outputs);
    expect(extractModelParams(model), 'round trip: extract after load gives the loaded numbers').toEqual(saved);
    // The model holds its own copy: changing the array afterwards changes nothing.
    saved.fill(0);
    expect(predict(model, x, 784), 'the model must hold its own copy (slice, not subarray): zeroing the array afterwards changed its outputs').toEqual(outputs);
    model.dispose();
  });

  it('the model holds its own copy on every backend: on tfjs\'s cpu backend, which keeps the array a tensor is made from, changing the array afterwards changes nothing (slice, not subarray)', async () => {
    const previous = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const model = fixtureModel();
      const params = Float32Array.from({ length: 4 * 3 + 3 }, (_, i) => (i - 7) / 10);
      loadParamsIntoModel(model, params);
      const loaded = concat(trainable(model));
      params.fill(0);
      expect(concat(trainable(model)), 'the parameters changed with the caller\'s array after loadParamsIntoModel: copy each slice (flat.slice) before making its tensor').toEqual(loaded);
      model.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });

  it('rejects a parameter vector of the wrong length (ArgumentError naming the expected length)', () => {
    const model = fixtureModel();
    const params = concat(trainable(model));
    loadParamsIntoModel(model, params);
    expect(params, "the test's own fixture: 4·3 + 3 parameters").toHaveLength(4 * 3 + 3);
    expect(() => {
      loadParamsIntoModel(model, new Float32Array(14));
    }).toThrow(/expected a Float32Array of 15 numbers/);
    expect(() => {
      loadParamsIntoModel(model, Array.from(params) as unknown as Float32Array);
    }).toThrow(ArgumentError);
    model.dispose();
  });
});
