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
import { buildMlp, computeLoss, evaluate, extractModelParams, loadParamsIntoModel, trainEpoch } from './mlp.ts';

beforeAll(async () => {
  await ready();
});

/** z for a two-sided interval with false-failure rate 1e-6. */
const Z = 4.8916;

// ---- helpers written independently of the student's code ----------------------------------------

/** Dense layers in order, whatever other layers (activations, dropout) sit between them. */
const denseLayers = (m: tf.LayersModel): tf.layers.Layer[] => m.layers.filter((l) => l.getClassName() === 'Dense');

/** The model's trainable tensors in `trainableWeights` order, copied out. */
const trainable = (m: tf.LayersModel): Float32Array[] => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);

const concat = (parts: Float32Array[]): Float32Array => {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const predict = (m: tf.LayersModel, x: Float32Array, features: number): Float32Array =>
  tf.tidy(() => (m.predict(tf.tensor2d(x, [x.length / features, features])) as tf.Tensor).dataSync() as Float32Array);

/** Forward pass in float64: ReLU after every Dense layer but the last, which stays linear. */
function handForward(m: tf.LayersModel, x: Float32Array, features: number): Float64Array {
  const layers = denseLayers(m);
  let h = Float64Array.from(x);
  let width = features;
  layers.forEach((layer, li) => {
    const [kernel, bias] = layer.getWeights().map((w) => w.dataSync());
    const units = bias!.length;
    const rows = h.length / width;
    const next = new Float64Array(rows * units);
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < units; u++) {
        let z = bias![u]!;
        for (let f = 0; f < width; f++) z += h[r * width + f]! * kernel![f * units + u]!;
        next[r * units + u] = li < layers.length - 1 ? Math.max(0, z) : z;
      }
    }
    h = next;
    width = units;
  });
  return h;
}

/** Mean cross-entropy and accuracy of logits (rows of `classes`) in float64. */
function handLossAccuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): { loss: number; acc: number; perExample: number[] } {
  const perExample: number[] = [];
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from({ length: classes }, (_, k) => logits[i * classes + k]!);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    perExample.push(lse - row[labels[i]!]!);
    if (row.indexOf(max) === labels[i]) right++;
  }
  return { loss: perExample.reduce((a, b) => a + b, 0) / labels.length, acc: right / labels.length, perExample };
}

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
    expect(denseLayers(model)).toHaveLength(4);
    expect(denseLayers(model).map((l) => (l.getWeights()[1] ?? tf.zeros([0])).shape[0])).toEqual([5, 5, 5, 4]);
    expect(model.inputs[0]!.shape).toEqual([null, 6]);
    expect(model.outputs[0]!.shape).toEqual([null, 4]);
    // Random biases so that the bias and the ReLU cut both matter.
    const rng = new Rng(4);
    for (const layer of denseLayers(model)) {
      const [kernel, bias] = layer.getWeights();
      layer.setWeights([kernel!, tf.tensor1d(Float32Array.from(rng.normals(bias!.shape[0], 0, 0.5)))]);
    }
    const x = Float32Array.from(rng.normals(8 * 6));
    const got = predict(model, x, 6);
    const want = handForward(model, x, 6);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    // Logits, not probabilities: some are negative and rows do not sum to 1.
    expect(Math.min(...got)).toBeLessThan(0);
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
    expect(model.countParams()).toBe(params);
    expect(denseLayers(model)).toHaveLength(nLayers + 1);
    expect(model.trainableWeights).toHaveLength(2 * (nLayers + 1));
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
      expect(exact || truncated, `kernel ${kernel.shape.join('×')}: mean square = ${ratio.toFixed(3)} × 2/fan-in`).toBe(true);
      expect(Math.abs(sum / n)).toBeLessThan(Z * Math.sqrt(sigma2 / n));
    }
    model.dispose();
  });

  it('is reproducible from its seed: the same seed builds the same weights, another seed other weights', () => {
    const a = buildMlp(20, 2, 8, 3, { seed: 5 });
    const b = buildMlp(20, 2, 8, 3, { seed: 5 });
    const c = buildMlp(20, 2, 8, 3, { seed: 6 });
    expect(concat(trainable(a))).toEqual(concat(trainable(b)));
    expect(concat(trainable(a))).not.toEqual(concat(trainable(c)));
    // Each layer gets its own seed: two square hidden layers are not copies of each other.
    const [k1, k2] = denseLayers(buildMlp(8, 2, 8, 3, { seed: 5 })).slice(0, 2).map((l) => l.getWeights()[0]!.dataSync());
    expect(Array.from(k1!).slice(0, 24)).not.toEqual(Array.from(k2!).slice(0, 24));
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
    expect(acc).toBe(want);
    expect(evaluate(model, data, 3)).toBe(want);
    expect(evaluate(model, data, 1)).toBe(want);
    model.dispose();
  });

  it('agrees with a reference on 2,000 Fashion-MNIST images and a freshly built network', () => {
    const model = buildMlp(784, 2, 32, 10, { seed: 2 });
    const data = fashionSubset();
    const logits = predict(model, data.x, 784);
    expect(evaluate(model, data)).toBe(handLossAccuracy(logits, data.labels!, 10).acc);
    model.dispose();
  });

  it('rejects an empty dataset, labels out of range and a feature count the model does not take (ArgumentError)', () => {
    const model = fixtureModel();
    const data = fixtureData(5, 2);
    expect(evaluate(model, data)).toBeGreaterThanOrEqual(0);
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
    expect(loss).toBeCloseTo(want.loss, 5);
    // The usual mistakes are far outside that tolerance.
    expect(Math.abs(want.loss * data.count - want.loss)).toBeGreaterThan(1);
    const probs = Array.from({ length: data.count }, (_, i) => {
      const row = Array.from(logits.slice(i * 3, i * 3 + 3));
      const e = row.map((v) => Math.exp(v));
      return e.map((v) => v / e.reduce((s, u) => s + u, 0));
    }).flat();
    expect(Math.abs(handLossAccuracy(probs, data.labels!, 3).loss - want.loss)).toBeGreaterThan(0.05);
    model.dispose();
  });

  it('weights each chunk by its size: the same value for every batchSize, although the mean of chunk means differs', () => {
    const model = fixtureModel();
    const data = fixtureData(7, 4);
    const loss = computeLoss(model, data, 3);
    const { loss: want, perExample } = handLossAccuracy(handForward(model, data.x, 4), data.labels!, 3);
    expect(loss).toBeCloseTo(want, 5);
    expect(computeLoss(model, data, 1)).toBeCloseTo(want, 5);
    const chunkMeans = [perExample.slice(0, 3), perExample.slice(3, 6), perExample.slice(6)].map((c) => c.reduce((a, b) => a + b, 0) / c.length);
    expect(Math.abs(chunkMeans.reduce((a, b) => a + b, 0) / 3 - want)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('updates nothing, and rejects an empty dataset or labels out of range (ArgumentError)', () => {
    const model = buildMlp(784, 2, 16, 10, { seed: 4 });
    const data = fashionSubset();
    const before = concat(trainable(model));
    const loss = computeLoss(model, data);
    expect(loss).toBeCloseTo(meanCrossEntropy(model, data), 4);
    expect(concat(trainable(model))).toEqual(before);
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
    expect(loss).toBeCloseTo(want, 5);
    expect(params).toBeInstanceOf(Float32Array);
    expect(params).toEqual(concat(trainable(model)));
    // The mean of the three batch means (4, 4 and 2 examples, in the order the epoch drew) is another number.
    const batchMeans = [...batches(data, { batchSize: 4, seed: 9 })].map(
      (b) => [...b.indices].reduce((sum, i) => sum + perExample[i]!, 0) / b.size,
    );
    expect(batchMeans).toHaveLength(3);
    expect(Math.abs(batchMeans.reduce((a, b) => a + b, 0) / 3 - want)).toBeGreaterThan(1e-3);
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
    expect(meanCrossEntropy(model, data)).toBeLessThan(0.7 * lossBefore);
    expect(loss).toBeLessThan(lossBefore);
    expect(params).toEqual(concat(after));
    after.forEach((w, i) => {
      const moved = w.some((v, j) => v !== before[i]![j]);
      expect(moved, `trainable tensor ${String(i)} (${model.trainableWeights[i]!.name}) did not change`).toBe(true);
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
    expect(seen).toHaveLength(3);
    expect(seen.reduce((s, v) => s + v, 0) / 12).toBeCloseTo(resultA.loss, 5);

    // Same start, same batch, one step: a penalty on the first kernel changes the update, not the reported loss.
    const b = fixtureModel();
    const c = fixtureModel();
    const batch = firstBatch(batches(data, { batchSize: 12, shuffle: false, oneHot: 3 }));
    const kernel = c.trainableWeights[0]!.read();
    const plain = trainEpoch(b, [batch], tf.train.sgd(0.1));
    const penalised = trainEpoch(c, [batch], tf.train.sgd(0.1), { penalty: () => tf.mul(10, tf.sum(tf.square(kernel))) });
    expect(penalised.loss).toBeCloseTo(plain.loss, 6);
    expect(penalised.params).not.toEqual(plain.params);
    disposeAll(a, b, c);
  });

  it('trains in training mode: batch-normalisation moving averages move', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 6 }), tf.layers.batchNormalization(), tf.layers.dense({ units: 3 })],
    });
    const bn = model.layers[1]!;
    const movingMean = (): Float32Array => bn.getWeights()[2]!.dataSync() as Float32Array;
    const data = fixtureData(16, 7);
    trainEpoch(model, batches({ ...data, x: data.x.map((v) => v + 2) }, { batchSize: 8, seed: 1, oneHot: 3 }), tf.train.sgd(0.01));
    expect(Math.max(...movingMean().map(Math.abs))).toBeGreaterThan(1e-3);
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
    expect(flat).toBeInstanceOf(Float32Array);
    expect(flat).toHaveLength(12 * 7 + 7 + 7 * 3 + 3);
    expect(flat).toEqual(concat(trainable(model)));
    // Batch-norm moving averages are not trainable and stay out.
    const bnModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4 }), tf.layers.batchNormalization()] });
    expect(extractModelParams(bnModel)).toHaveLength(3 * 4 + 4 + 4 + 4);
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
    expect(concat(trainable(model))).toEqual(other);
    expect(predict(model, x, 784)).not.toEqual(outputs);
    loadParamsIntoModel(model, saved);
    expect(predict(model, x, 784)).toEqual(outputs);
    expect(extractModelParams(model)).toEqual(saved);
    // The model holds its own copy: changing the array afterwards changes nothing.
    saved.fill(0);
    expect(predict(model, x, 784)).toEqual(outputs);
    model.dispose();
  });

  it('rejects a parameter vector of the wrong length (ArgumentError naming the expected length)', () => {
    const model = fixtureModel();
    const params = concat(trainable(model));
    loadParamsIntoModel(model, params);
    expect(params).toHaveLength(4 * 3 + 3);
    expect(() => {
      loadParamsIntoModel(model, new Float32Array(14));
    }).toThrow(/expected a Float32Array of 15 numbers/);
    expect(() => {
      loadParamsIntoModel(model, Array.from(params) as unknown as Float32Array);
    }).toThrow(ArgumentError);
    model.dispose();
  });
});
