/**
 * Hidden tests of exercise 10: other sizes, strides, paddings and seeds than the public tests, and a
 * check that the architecture test rejects a network whose convolutions are dense layers. Exact, except
 * the He-initialisation interval (false-failure rate 1e-6 per kernel).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { loadMnist } from '#kit/data';
import { batches, selectExamples, toExamples, trainStep, type Examples } from '#kit/train';
import { buildCnn, trainCnn } from '../../exercises/10-cnn/cnn.ts';
import { confusionMatrix, mostConfusedPairs } from '../../exercises/10-cnn/confusion.ts';
import { convOutputSize, poolOutputSize, torchLikeLayer } from '../../exercises/10-cnn/shapes.ts';

beforeAll(async () => {
  await ready();
});

describe('shapes: convOutputSize and poolOutputSize', () => {
  it('gives PyTorch\'s sizes on other inputs, strides, paddings and dilations', () => {
    const got = [
      convOutputSize(224, 7, 2, 3),
      convOutputSize(64, 5, 3, 2),
      convOutputSize(17, 4, 2, 'valid'),
      convOutputSize(33, 3, 4, 'same'),
      convOutputSize(40, 5, 1, 4, 2),
      poolOutputSize(112, 3, 2, 1),
      poolOutputSize(13, 3),
      poolOutputSize(100, 4, 3, 2),
    ];
    expect(got.every((v) => typeof v === 'number')).toBe(true);
    expect(got).toEqual([112, 22, 7, 9, 40, 56, 4, 34]);
    expect(() => convOutputSize(6, 4, 1, 0, 3)).toThrow(ArgumentError);
    expect(() => poolOutputSize(3, 6, 1, 1)).toThrow(ArgumentError);
  });
});

describe('shapes: torchLikeLayer', () => {
  it('pads explicitly for a 3-channel 31×17 input, conv k5 s2 p2 with 6 filters, and max-pool k3 s3 p1', () => {
    const conv = torchLikeLayer({ kind: 'conv', kernel: 5, stride: 2, padding: 2, filters: 6 }, [31, 17, 3]);
    expect(conv.layers.map((l) => l.getClassName())).toEqual(['ZeroPadding2D', 'Conv2D']);
    expect(conv.outputs[0]!.shape).toEqual([null, 16, 9, 6]);
    const pool = torchLikeLayer({ kind: 'maxPool', kernel: 3, stride: 3, padding: 1 }, [31, 17, 3]);
    expect(pool.outputs[0]!.shape).toEqual([null, 11, 6, 3]);
    conv.dispose();
    pool.dispose();
  });
});

interface Arch {
  inputShape: [number, number, number];
  filters: [number, number];
  kernelSize: number;
  poolSize: number;
  classes: number;
}

function expectedParams(a: Arch): number {
  const [h, w, c] = a.inputShape;
  const side = (n: number): number => Math.floor((Math.floor((n - a.kernelSize + 1) / a.poolSize) - a.kernelSize + 1) / a.poolSize);
  return a.kernelSize ** 2 * c * a.filters[0] + a.filters[0] + a.kernelSize ** 2 * a.filters[0] * a.filters[1] + a.filters[1] +
    side(h) * side(w) * a.filters[1] * a.classes + a.classes;
}

/** The architecture check (the public one's rules): layer kinds, kernel shapes, ReLU, pools, parameter count. */
function architectureProblems(model: tf.LayersModel, a: Arch): string[] {
  const problems: string[] = [];
  const kinds = model.layers.map((l) => l.getClassName());
  const want = ['Reshape', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense'];
  if (JSON.stringify(kinds) !== JSON.stringify(want)) problems.push(`layers ${kinds.join(', ')}`);
  const channels = [a.inputShape[2], a.filters[0]];
  model.layers.filter((l) => l.getClassName() === 'Conv2D').forEach((conv, i) => {
    const cfg = conv.getConfig();
    const shape = conv.getWeights()[0]?.shape;
    if (JSON.stringify(shape) !== JSON.stringify([a.kernelSize, a.kernelSize, channels[i], a.filters[i]])) problems.push(`conv ${String(i)} kernel ${JSON.stringify(shape)}`);
    if (cfg.activation !== 'relu') problems.push(`conv ${String(i)} activation`);
  });
  for (const pool of model.layers.filter((l) => l.getClassName() === 'MaxPooling2D')) {
    if (JSON.stringify(pool.getConfig().poolSize) !== JSON.stringify([a.poolSize, a.poolSize])) problems.push('pool size');
  }
  if (model.layers.at(-1)?.getConfig().activation !== 'linear') problems.push('output activation');
  if (JSON.stringify(model.outputs[0]?.shape) !== JSON.stringify([null, a.classes])) problems.push('output shape');
  if (model.countParams() !== expectedParams(a)) problems.push(`${String(model.countParams())} parameters, expected ${String(expectedParams(a))}`);
  return problems;
}

describe('buildCnn', () => {
  it('builds 32×32×3 images, filters 8 and 12, 3×3 kernels, 3×3 pools, 7 classes, seed 23', () => {
    const a: Arch = { inputShape: [32, 32, 3], filters: [8, 12], kernelSize: 3, poolSize: 3, classes: 7 };
    const model = buildCnn({ seed: 23, ...a });
    expect(architectureProblems(model, a)).toEqual([]);
    model.dispose();
  });

  it('and the architecture check rejects a CNN whose convolutions are replaced by dense layers', () => {
    const a: Arch = { inputShape: [28, 28, 1], filters: [16, 32], kernelSize: 3, poolSize: 2, classes: 10 };
    const model = buildCnn({ seed: 24 });
    expect(architectureProblems(model, a)).toEqual([]);
    const dense = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, activation: 'relu', inputShape: [784] }),
        tf.layers.dense({ units: 32, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    expect(architectureProblems(dense, a).length).toBeGreaterThan(0);
    // Dense "convolutions" on the image (channels-last), pooled: same kinds of pools, same output, other weights.
    const imageDense = tf.sequential({
      layers: [
        tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
        tf.layers.dense({ units: 16, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dense({ units: 32, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10 }),
      ],
    });
    expect(architectureProblems(imageDense, a).length).toBeGreaterThan(0);
    for (const m of [model, dense, imageDense]) m.dispose();
  });

  it('He-initialises 5×5 kernels with seed 31 (interval at α = 1e-6) and is reproducible from the seed', () => {
    const opts = { seed: 31, inputShape: [24, 24, 2], filters: [12, 24], kernelSize: 5 } as const;
    const model = buildCnn(opts);
    const again = buildCnn(opts);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
    const w = convs[1]!.getWeights()[0]!.dataSync();
    const fanIn = 5 * 5 * 12;
    let sq = 0;
    for (const v of w) sq += v * v;
    const ratio = sq / w.length / (2 / fanIn);
    // Truncated (tfjs heNormal, 0.774) or exact (1) He; Glorot gives 2/(fan-in + fan-out)·… ≈ 0.33 here.
    const a = 2;
    const phi = Math.exp(-a * a / 2) / Math.sqrt(2 * Math.PI);
    const m2 = 1 - (2 * a * phi) / 0.9544997361036416;
    const m4 = 3 - (2 * (a ** 3 + 3 * a) * phi) / 0.9544997361036416;
    const z = 4.8916;
    const ok = Math.abs(ratio - 1) <= z * Math.sqrt(2 / w.length) || Math.abs(ratio - m2) <= (z * Math.sqrt(m4 - m2 * m2)) / Math.sqrt(w.length);
    expect(ok, `mean square ${ratio.toFixed(3)} × 2/fan-in`).toBe(true);
    expect(Array.from(again.layers.filter((l) => l.getClassName() === 'Conv2D')[1]!.getWeights()[0]!.dataSync())).toEqual(Array.from(w));
    model.dispose();
    again.dispose();
  });
});

describe('confusion: confusionMatrix', () => {
  it('matches counts made here on 1,000 random labels and predictions over 7 classes', () => {
    const rng = new Rng(77);
    const labels = Int32Array.from({ length: 1000 }, () => rng.int(0, 6));
    const predictions = Int32Array.from(labels, (l) => (rng.uniform() < 0.7 ? l : rng.int(0, 6)));
    const m = confusionMatrix(labels, predictions, 7);
    const want = Array.from({ length: 7 }, () => new Array<number>(7).fill(0));
    labels.forEach((l, i) => {
      want[l]![predictions[i]!]! += 1;
    });
    expect(m).toEqual(want);
  });
});

describe('confusion: mostConfusedPairs', () => {
  it('ranks the pairs of a 5-class matrix with ties and one-way mistakes', () => {
    const m = [
      [9, 0, 2, 0, 1],
      [0, 9, 0, 3, 0],
      [1, 0, 9, 0, 0],
      [0, 0, 0, 9, 0],
      [2, 0, 0, 0, 9],
    ];
    expect(mostConfusedPairs(m, 3)).toEqual([
      { a: 0, b: 2, count: 3, aAsB: 2, bAsA: 1 },
      { a: 0, b: 4, count: 3, aAsB: 1, bAsA: 2 },
      { a: 1, b: 3, count: 3, aAsB: 3, bAsA: 0 },
    ]);
  });
});

describe('trainCnn', () => {
  it('takes the number of classes from the model: a 3-class CNN on the digits 0–2 steps like the kit loop with oneHot: 3', () => {
    const all = toExamples(loadMnist('train'), { scale: 'unit' });
    const keep: number[] = [];
    for (let i = 0; i < all.count && keep.length < 90; i++) if (all.labels![i]! < 3) keep.push(i);
    const data: Examples = selectExamples(all, Int32Array.from(keep));
    const val: Examples = selectExamples(all, Int32Array.from(keep.slice(0, 30)));
    const make = (): tf.Sequential => {
      const rng = new Rng(41);
      return tf.sequential({
        layers: [
          tf.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
          tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }),
          tf.layers.maxPooling2d({ poolSize: 4 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }),
        ],
      });
    };
    const theirs = make();
    const history = trainCnn(theirs, data, { seed: 6, epochs: 2, batchSize: 16, learningRate: 1e-2, validation: val, progress: false });
    const ours = make();
    const optimizer = tf.train.adam(1e-2);
    const source = batches(data, { batchSize: 16, seed: 6, oneHot: 3 });
    const losses: number[] = [];
    for (let e = 0; e < 2; e++) {
      let sum = 0;
      for (const batch of source) sum += trainStep(ours, optimizer, batch).loss * batch.size;
      losses.push(sum / data.count);
    }
    optimizer.dispose();
    let diff = 0;
    theirs.trainableWeights.forEach((w, i) => {
      const a = w.read().dataSync();
      const b = ours.trainableWeights[i]!.read().dataSync();
      for (let j = 0; j < a.length; j++) diff = Math.max(diff, Math.abs(a[j]! - b[j]!));
    });
    expect(diff, 'largest weight difference from the kit loop with oneHot: 3').toBeLessThanOrEqual(1e-4);
    expect(history.loss).toHaveLength(2);
    history.loss.forEach((l, e) => {
      expect(Math.abs(l - losses[e]!), `epoch ${String(e)} loss`).toBeLessThanOrEqual(1e-4);
    });
    expect(history.valAccuracy).toHaveLength(2);
    theirs.dispose();
    ours.dispose();
  });
});
