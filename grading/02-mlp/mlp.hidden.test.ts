/**
 * Hidden tests for exercise 02: the public checks on other shapes, seeds, fixtures and optimizers, so
 * that code fitted to the public tests' inputs does not pass. Never shipped to students. Each test
 * calls the student's function first. All checks are exact up to float32 rounding (tolerances far
 * above it and far below the mistakes they catch); none is statistical.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { batches, meanCrossEntropy, type Examples } from '#kit/train';
import { denseLayers, flatTrainable, handForward } from '#kit/testing/models';
import {
  buildMlp,
  computeLoss,
  evaluate,
  extractModelParams,
  loadParamsIntoModel,
  trainEpoch,
} from '../../exercises/02-mlp/mlp.ts';

beforeAll(async () => {
  await ready();
});

const handLogits = (m: tf.LayersModel, x: Float32Array, features: number): Float64Array => handForward(m, x, features);

function handLoss(logits: Float64Array, labels: Uint8Array, classes: number): { loss: number; acc: number } {
  let loss = 0;
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from(logits.subarray(i * classes, (i + 1) * classes));
    const max = Math.max(...row);
    loss += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[labels[i]!]!;
    if (row.indexOf(max) === labels[i]) right++;
  }
  return { loss: loss / labels.length, acc: right / labels.length };
}

function randomData(count: number, features: number, classes: number, seed: number): Examples {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from(rng.normals(count * features)),
    labels: Uint8Array.from({ length: count }, () => rng.int(0, classes - 1)),
    count,
    features,
  };
}

/** Random non-zero biases, so that every part of the forward pass matters. */
function randomiseBiases(m: tf.LayersModel, seed: number): void {
  const rng = new Rng(seed);
  for (const layer of denseLayers(m)) {
    const [kernel, bias] = layer.getWeights();
    layer.setWeights([kernel!, tf.tensor1d(Float32Array.from(rng.normals(bias!.shape[0], 0, 0.3)))]);
  }
}

describe('buildMlp (hidden)', () => {
  it('a 4-layer network with 7 outputs computes ReLU hidden layers and linear logits (hand-computed forward pass)', () => {
    const model = buildMlp(9, 4, 6, 7, { seed: 21 });
    expect(denseLayers(model)).toHaveLength(5);
    randomiseBiases(model, 22);
    const x = Float32Array.from(new Rng(23).normals(6 * 9));
    const got = tf.tidy(() => (model.predict(tf.tensor2d(x, [6, 9])) as tf.Tensor).dataSync());
    const want = handLogits(model, x, 9);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    model.dispose();
  });

  it('has the right parameter counts for other shapes and is seeded', () => {
    const a = buildMlp(100, 2, 20, 5, { seed: 77 });
    expect(a.countParams()).toBe(100 * 20 + 20 + 20 * 20 + 20 + 20 * 5 + 5);
    expect(buildMlp(3, 6, 4, 2, { seed: 1 }).countParams()).toBe(3 * 4 + 4 + 5 * (4 * 4 + 4) + 4 * 2 + 2);
    const b = buildMlp(100, 2, 20, 5, { seed: 77 });
    expect(flatTrainable(b)).toEqual(flatTrainable(a));
    expect(() => buildMlp(100, 2, 20, 0)).toThrow(ArgumentError);
    a.dispose();
    b.dispose();
  });
});

describe('evaluate (hidden)', () => {
  it('matches a hand computation on a 5-class model with random weights in chunks of 2', () => {
    const model = buildMlp(6, 2, 8, 5, { seed: 31 });
    const data = randomData(13, 6, 5, 32);
    const acc = evaluate(model, data, 2);
    expect(acc).toBe(handLoss(handLogits(model, data.x, 6), data.labels!, 5).acc);
    model.dispose();
  });
});

describe('computeLoss (hidden)', () => {
  it('matches a hand computation on a 5-class model, and labels beyond the outputs are an ArgumentError', () => {
    const model = buildMlp(6, 2, 8, 5, { seed: 33 });
    randomiseBiases(model, 34);
    const data = randomData(9, 6, 5, 35);
    expect(computeLoss(model, data, 4)).toBeCloseTo(handLoss(handLogits(model, data.x, 6), data.labels!, 5).loss, 5);
    expect(() => computeLoss(model, { ...data, labels: data.labels!.map(() => 5) })).toThrow(ArgumentError);
    model.dispose();
  });
});

describe('trainEpoch (hidden)', () => {
  it('with batch size 1 and Adam: the mean over examples, parameters after the epoch, every tensor moved, loss lowered', () => {
    const model = buildMlp(6, 2, 8, 3, { seed: 41 });
    const data = randomData(30, 6, 3, 42);
    const before = meanCrossEntropy(model, data);
    const seen: number[] = [];
    const { loss, params } = trainEpoch(model, batches(data, { batchSize: 1, seed: 43, oneHot: 3 }), tf.train.adam(0.01), {
      onBatch: (l) => seen.push(l),
    });
    expect(seen).toHaveLength(30);
    expect(loss).toBeCloseTo(seen.reduce((a, b) => a + b, 0) / 30, 5);
    expect(params).toEqual(flatTrainable(model));
    expect(meanCrossEntropy(model, data)).toBeLessThan(before);
    model.dispose();
  });

  it('with a learning rate of 1e-12 the loss is that of the starting network, batches of 7, 7 and 3', () => {
    const model = buildMlp(5, 1, 4, 3, { seed: 44 });
    randomiseBiases(model, 45);
    const data = randomData(17, 5, 3, 46);
    const { loss } = trainEpoch(model, batches(data, { batchSize: 7, seed: 47, oneHot: 3 }), tf.train.sgd(1e-12));
    expect(loss).toBeCloseTo(handLoss(handLogits(model, data.x, 5), data.labels!, 3).loss, 5);
    model.dispose();
  });
});

describe('extractModelParams and loadParamsIntoModel (hidden)', () => {
  it('round-trips a 5-layer network exactly and loads parameters from another network of the same shape', () => {
    const a = buildMlp(12, 5, 9, 4, { seed: 51 });
    const b = buildMlp(12, 5, 9, 4, { seed: 52 });
    const x = tf.tensor2d(Float32Array.from(new Rng(53).normals(7 * 12)), [7, 12]);
    const out = (m: tf.LayersModel): Float32Array => tf.tidy(() => (m.predict(x) as tf.Tensor).dataSync() as Float32Array);
    const pa = extractModelParams(a);
    expect(pa).toEqual(flatTrainable(a));
    loadParamsIntoModel(b, pa);
    expect(out(b)).toEqual(out(a));
    expect(() => {
      loadParamsIntoModel(b, new Float32Array(pa.length + 1));
    }).toThrow(ArgumentError);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});
