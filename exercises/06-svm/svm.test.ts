/**
 * Exercise 06, parts 1–3: the hinge loss, the labels, the data. Exact checks (hand-computed values,
 * float32 arithmetic compared far above rounding error); training is in train.test.ts and
 * fashion-mnist.test.ts / cifar.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCifarBatch, loadFashionMnist, parseCifarBatch, subset, trainValSplit, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { differing, expectAtMost, expectClose } from '#kit/testing';
import {
  channelStats,
  normalize,
  predictTargets,
  prepareSvmData,
  selectClasses,
  SVMLoss,
  svmLoss,
  svmTargets,
} from './svm.ts';

beforeAll(async () => {
  await ready();
});

const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};
const loss = (C: number, prediction: number[] | number[][], target: number[]): number =>
  tf.tidy(() => value(new SVMLoss(C).apply(tf.tensor(prediction), tf.tensor1d(target))));

/** Per-channel mean and population std of the [0, 1]-scaled pixels, in float64, computed here. */
function stats(x: ArrayLike<number>, channels: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    let s = 0;
    let n = 0;
    for (let i = c; i < x.length; i += channels) {
      s += x[i]!;
      n++;
    }
    const m = s / n;
    let ss = 0;
    for (let i = c; i < x.length; i += channels) ss += (x[i]! - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(ss / n));
  }
  return { mean, std };
}

/** A small colour dataset whose three channels have clearly different statistics, labels cycling 5, 6, 7. */
function colourFixture(count: number, rows = 4, cols = 4, seed = 1): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * rows * cols * 3);
  for (let i = 0; i < images.length; i++) {
    const c = i % 3;
    images[i] = c === 0 ? rng.int(0, 255) : c === 1 ? rng.int(100, 140) : rng.int(0, 60);
  }
  const labels = Uint8Array.from({ length: count }, (_, i) => 5 + (i % 3));
  return { images, labels, count, rows, cols, channels: 3 };
}

/** toBeCloseTo(v, d) is |Δ| < 0.5·10⁻ᵈ; the kit's tolerance is relative to max(1, |v|). */
const closeTo = (v: number, digits: number): number => (0.5 * 10 ** -digits) / Math.max(1, Math.abs(v));
const HINGE = 'L = C · mean over the batch of max(0, 1 − y·ŷ)';
const POP_STD = 'per channel, the mean and the population standard deviation (divide by n, not n − 1) of byte / 255';
const NORMALIZED = 'normalize maps each channel to 0.25 + 0.25·(x − mean_c)/std_c, so mean 0.25 and std 0.25 on the data the statistics came from';

describe('SVMLoss: C · mean(max(0, 1 − y·ŷ))', () => {
  it('matches hand-computed values', () => {
    // Margins y·ŷ = 2, 0.5, −1, 0 → hinge 0, 0.5, 2, 1 → mean 0.875.
    expectClose(loss(1, [2, 0.5, -1, 0], [1, 1, 1, -1]), 0.875, closeTo(0.875, 6), 'SVMLoss(1) on margins y·ŷ = 2, 0.5, −1, 0', {
      rule: `${HINGE}: hinges 0, 0.5, 2, 1`,
      mistakes: [
        { name: 'a sum instead of a mean', value: 3.5 },
        { name: 'max(0, −y·ŷ), without the 1', value: 0.25 },
        { name: 'max(0, 1 − (y − ŷ)), y − ŷ for y·ŷ', value: 1.125 },
      ],
    });
    // Right side of the margin everywhere: no loss.
    expectClose(loss(1, [1, 3, -1, -2.5], [1, 1, -1, -1]), 0, 0, 'SVMLoss(1) with every margin y·ŷ ≥ 1', { rule: `${HINGE}: 0 when every y·ŷ ≥ 1` });
    // One example exactly on the wrong side: 1 − (−1)(0.25) = 1.25.
    expectClose(loss(1, [0.25], [-1]), 1.25, closeTo(1.25, 6), 'SVMLoss(1) at y = −1, ŷ = 0.25', {
      rule: `${HINGE}: 1 − (−1)(0.25) = 1.25`,
      mistakes: [{ name: 'max(0, −y·ŷ), without the 1', value: 0.25 }],
    });
  });

  it('takes the model\'s [n, 1] output as well as [n] (no n × n broadcast)', () => {
    // The broadcast mistake (prediction [n, 1] times target [n]) averages all 16 pairs yⱼ·ŷᵢ: 1.0 here.
    expectClose(loss(1, [[2], [0.5], [-1], [0]], [1, 1, 1, -1]), 0.875, closeTo(0.875, 6), 'SVMLoss(1) on a [4, 1] prediction', {
      rule: `${HINGE}, the [n, 1] prediction flattened to [n] first`,
      mistakes: [{ name: 'the [n, 1] × [n] broadcast (all n² pairs yⱼ·ŷᵢ averaged)', value: 1 }],
    });
  });

  it('is a mean, not a sum: repeating the batch leaves the loss unchanged', () => {
    const once = loss(1, [0.3, -0.2, 1.5], [1, 1, -1]);
    const twice = loss(1, [0.3, -0.2, 1.5, 0.3, -0.2, 1.5], [1, 1, -1, 1, 1, -1]);
    const want = (0.7 + 1.2 + 2.5) / 3;
    expectClose(once, want, closeTo(want, 6), 'SVMLoss(1) on 3 examples', { rule: `${HINGE}: (0.7 + 1.2 + 2.5)/3`, mistakes: [{ name: 'a sum instead of a mean', value: 4.4 }] });
    expectClose(twice, once, closeTo(once, 6), 'SVMLoss(1) on the same 3 examples twice', { rule: `${HINGE}: a mean does not change when the batch is repeated`, mistakes: [{ name: 'a sum instead of a mean', value: 2 * once }] });
  });

  it('scales linearly with C, and svmLoss(C) computes the same as new SVMLoss(C).apply', () => {
    const base = loss(1, [0.3, -0.2, 1.5], [1, 1, -1]);
    const scaled = (C: number): { rule: string; mistakes: { name: string; value: number }[] } => ({
      rule: `${HINGE}: C times the loss at C = 1`,
      mistakes: [{ name: 'C ignored', value: base }, { name: 'C applied twice', value: C * C * base }],
    });
    for (const C of [0.01, 0.1, 2, 10]) expectClose(loss(C, [0.3, -0.2, 1.5], [1, 1, -1]), C * base, closeTo(C * base, 5), `SVMLoss(${String(C)})`, scaled(C));
    const f = svmLoss(0.5);
    expectClose(tf.tidy(() => value(f(tf.tensor1d([0.3, -0.2, 1.5]), tf.tensor1d([1, 1, -1])))), 0.5 * base, closeTo(0.5 * base, 6), 'svmLoss(0.5)(ŷ, y)', scaled(0.5));
    expect(new SVMLoss(0.5).C).toBe(0.5);
  });

  it('has the analytic sub-gradient: ∂/∂ŷᵢ = −C·yᵢ/n where yᵢŷᵢ < 1, else 0; ∂/∂w = −(C/n) Σ yᵢxᵢ over those (tf.grad)', () => {
    const rng = new Rng(11);
    const n = 50;
    const d = 7;
    const C = 0.7;
    // Scores away from the kink y·ŷ = 1, so the sub-gradient is the gradient.
    const yhat = Array.from({ length: n }, () => {
      let v = rng.normal(0, 1.5);
      while (Math.abs(Math.abs(v) - 1) < 0.05) v = rng.normal(0, 1.5);
      return v;
    });
    const y = Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
    const grad = tf.tidy(() => tf.grad((p: tf.Tensor) => new SVMLoss(C).apply(p, tf.tensor1d(y)))(tf.tensor1d(yhat)).dataSync());
    for (let i = 0; i < n; i++) {
      const expected = y[i]! * yhat[i]! < 1 ? (-C * y[i]!) / n : 0;
      expectClose(grad[i]!, expected, closeTo(expected, 6), `∂L/∂ŷ[${String(i)}] (y·ŷ = ${(y[i]! * yhat[i]!).toFixed(3)})`, {
        rule: '∂L/∂ŷᵢ = −C·yᵢ/n where yᵢŷᵢ < 1, else 0',
        mistakes: expected === 0 ? [] : [{ name: 'a sum instead of a mean (no 1/n)', value: -C * y[i]! }, { name: 'y − ŷ in the hinge', value: C / n }],
      });
    }
    // Through a linear model ŷ = Xw: the gradient with respect to w.
    const X = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal(0, 1)));
    const w = Array.from({ length: d }, () => rng.normal(0, 0.5));
    const gw = tf.tidy(() =>
      tf.grad((wt: tf.Tensor) => new SVMLoss(C).apply(tf.matMul(tf.tensor2d(X), wt.reshape([d, 1])), tf.tensor1d(y)))(tf.tensor1d(w)).dataSync(),
    );
    for (let j = 0; j < d; j++) {
      let expected = 0;
      for (let i = 0; i < n; i++) {
        const score = X[i]!.reduce((s, xij, k) => s + xij * w[k]!, 0);
        if (y[i]! * score < 1) expected -= (C * y[i]! * X[i]![j]!) / n;
      }
      expectClose(gw[j]!, expected, closeTo(expected, 5), `∂L/∂w[${String(j)}] through ŷ = Xw`, {
        rule: '∂L/∂w = −(C/n) Σ yᵢxᵢ over the examples with yᵢŷᵢ < 1',
        mistakes: [{ name: 'a sum instead of a mean (no 1/n)', value: expected * n }],
      });
    }
  });

  it('rejects C ≤ 0 or not finite, targets outside {−1, +1} and mismatched shapes with an ArgumentError', () => {
    expectClose(loss(1, [0], [1]), 1, 0, 'SVMLoss(1) at y = 1, ŷ = 0', { rule: `${HINGE}: max(0, 1 − 0) = 1` });
    for (const C of [0, -1, Number.NaN, Infinity]) expect(() => new SVMLoss(C)).toThrow(ArgumentError);
    expect(() => svmLoss(0)).toThrow(ArgumentError);
    expect(() => loss(1, [0.5, 0.5], [1, 0])).toThrow(ArgumentError);
    expect(() => loss(1, [0.5, 0.5], [6, 7])).toThrow(ArgumentError);
    expect(() => loss(1, [0.5, 0.5, 0.5], [1, -1])).toThrow(ArgumentError);
    expect(() => loss(1, [[0.5, 0.5]], [1, -1])).toThrow(ArgumentError);
  });
});

describe('labels and data', () => {
  it('svmTargets maps 6 (frog) → −1 and 7 (horse) → +1, or any [negative, positive] pair', () => {
    expect(Array.from(svmTargets(Uint8Array.from([6, 7, 7, 6, 6])))).toEqual([-1, 1, 1, -1, -1]);
    expect(Array.from(svmTargets([2, 4, 4], [2, 4]))).toEqual([-1, 1, 1]);
    expect(Array.from(svmTargets([2, 4, 4], [4, 2]))).toEqual([1, -1, -1]);
    expect(svmTargets([6])).toBeInstanceOf(Float32Array);
  });

  it('svmTargets rejects any other label (naming it) and a pair that is not two different classes', () => {
    expect(svmTargets([7]).length).toBe(1);
    expect(() => svmTargets([6, 7, 3])).toThrow(ArgumentError);
    expect(() => svmTargets([6, 7, 3])).toThrow(/3/);
    expect(() => svmTargets([-1, 1])).toThrow(ArgumentError);
    expect(() => svmTargets([6], [6, 6])).toThrow(ArgumentError);
  });

  it('predictTargets: a score > 0 is +1, a score ≤ 0 is −1', () => {
    expect(Array.from(predictTargets([2.5, -0.1, 0, 1e-6, -3]))).toEqual([1, -1, -1, 1, -1]);
  });

  it('selectClasses keeps exactly the examples of the two classes, in their order, images included', () => {
    const test = loadFashionMnist('test');
    const d = selectClasses(test, [2, 4]);
    expect(d.count).toBe(2000);
    expect([d.rows, d.cols, d.channels]).toEqual([28, 28, 1]);
    const rows: number[] = [];
    for (let i = 0; i < test.count; i++) if (test.labels[i] === 2 || test.labels[i] === 4) rows.push(i);
    expect(Array.from(d.labels)).toEqual(rows.map((i) => test.labels[i]));
    for (const k of [0, 999, 1999]) {
      expect(Array.from(d.images.subarray(k * 784, (k + 1) * 784))).toEqual(Array.from(test.images.subarray(rows[k]! * 784, (rows[k]! + 1) * 784)));
    }
  });

  it('channelStats: per-channel mean and population standard deviation of byte / 255 (NHWC)', () => {
    const d = colourFixture(30);
    const s = channelStats(d);
    const expected = stats(Array.from(d.images, (b) => b / 255), 3);
    const n = d.count * d.rows * d.cols; // values per channel
    const allMean = (expected.mean[0]! + expected.mean[1]! + expected.mean[2]!) / 3;
    for (let c = 0; c < 3; c++) {
      expectClose(s.mean[c]!, expected.mean[c]!, closeTo(expected.mean[c]!, 10), `mean of channel ${String(c)}`, {
        rule: POP_STD,
        mistakes: [{ name: 'statistics over all channels at once', value: allMean }, { name: 'bytes not divided by 255', value: expected.mean[c]! * 255 }],
      });
      expectClose(s.std[c]!, expected.std[c]!, closeTo(expected.std[c]!, 10), `standard deviation of channel ${String(c)}`, {
        rule: POP_STD,
        mistakes: [{ name: 'the sample standard deviation (divided by n − 1; off by √(n/(n − 1)))', value: expected.std[c]! * Math.sqrt(n / (n - 1)) }],
      });
    }
    // A channel of constant 51 has mean 0.2 and standard deviation 0.
    const flat: ImageDataset = { images: new Uint8Array(8).fill(51), labels: new Uint8Array(2), count: 2, rows: 2, cols: 2, channels: 1 };
    expectClose(channelStats(flat).mean[0], 0.2, closeTo(0.2, 12), 'mean of a channel of constant 51', { rule: POP_STD, mistakes: [{ name: 'bytes not divided by 255', value: 51 }] });
    expectAtMost(channelStats(flat).std[0], 1e-6, 'standard deviation of a channel of constant 51', { rule: `${POP_STD}: 0 for a constant channel`, strict: true });
  });

  it('normalize gives every channel mean 0.25 and std 0.25 on the data the statistics came from (not (x − 0.25)/0.25)', () => {
    const d = colourFixture(40);
    const ex = normalize(d, channelStats(d));
    expect(ex.count).toBe(40);
    expect(ex.features).toBe(4 * 4 * 3);
    expect(ex.x.length).toBe(40 * 48);
    expect(Array.from(ex.labels ?? [])).toEqual(Array.from(d.labels));
    const s = stats(ex.x, 3);
    const raw = stats(Array.from(d.images, (b) => b / 255), 3);
    for (let c = 0; c < 3; c++) {
      expectClose(s.mean[c]!, 0.25, closeTo(0.25, 5), `mean of channel ${String(c)} after normalize`, {
        rule: NORMALIZED,
        mistakes: [{ name: 'normalising with (x − 0.25)/0.25', value: (raw.mean[c]! - 0.25) / 0.25 }],
      });
      expectClose(s.std[c]!, 0.25, closeTo(0.25, 5), `std of channel ${String(c)} after normalize`, {
        rule: NORMALIZED,
        mistakes: [{ name: 'normalising with (x − 0.25)/0.25', value: raw.std[c]! / 0.25 }],
      });
    }
  });

  it('normalize applies the given statistics unchanged to other data (validation and test use the training part\'s)', () => {
    const train = colourFixture(40, 4, 4, 1);
    const other = colourFixture(10, 4, 4, 2);
    const st = channelStats(train);
    const ex = normalize(other, st);
    for (const i of [0, 1, 2, 77, 478, 479]) {
      const c = i % 3;
      const want = 0.25 + (0.25 * (other.images[i]! / 255 - st.mean[c]!)) / st.std[c]!;
      expectClose(ex.x[i]!, want, closeTo(want, 5), `x[${String(i)}] of other data normalised with the training statistics`, {
        rule: `${NORMALIZED}, with the statistics given (the training part's), not the data's own`,
        mistakes: [{ name: 'normalising with (x − 0.25)/0.25', value: (other.images[i]! / 255 - 0.25) / 0.25 }],
      });
    }
  });

  it('prepareSvmData normalises the validation and test parts with the training part\'s statistics, not their own', () => {
    const train = colourFixture(60, 3, 3, 4);
    const test = colourFixture(21, 3, 3, 5);
    const data = prepareSvmData(train, test, { seed: 2, classes: [6, 7] });
    // The same parts, picked and split here (rows of classes 6 and 7 in order, then trainValSplit with the seed).
    const pick = (d: ImageDataset): ImageDataset => subset(d, Array.from({ length: d.count }, (_, i) => i).filter((i) => d.labels[i] === 6 || d.labels[i] === 7));
    const split = trainValSplit(pick(train), { valFraction: 0.3, seed: 2 });
    const parts: [string, ImageDataset, Float32Array][] = [['validation', split.val, data.val.x], ['test', pick(test), data.test.x]];
    const st = stats(Array.from(split.train.images, (b) => b / 255), 3);
    for (const [name, part, x] of parts) {
      expect(x.length, `values in the ${name} part`).toBe(part.images.length);
      const own = stats(Array.from(part.images, (b) => b / 255), 3);
      for (const i of [0, 1, 2, 13, x.length - 1]) {
        const c = i % 3;
        const v = part.images[i]! / 255;
        const want = 0.25 + (0.25 * (v - st.mean[c]!)) / st.std[c]!;
        expectClose(x[i]!, want, closeTo(want, 5), `${name} x[${String(i)}]`, {
          rule: `${NORMALIZED}, with the TRAINING part's mean and std: validation and test data are scaled exactly as the training data`,
          mistakes: [{ name: `the ${name} part normalised with its own statistics`, value: 0.25 + (0.25 * (v - own.mean[c]!)) / own.std[c]! }],
        });
      }
    }
  });

  it('normalize rejects statistics for another number of channels, or a constant channel, with an ArgumentError', () => {
    const d = colourFixture(5);
    expect(normalize(d, channelStats(d)).count).toBe(5);
    expect(() => normalize(d, { mean: [0.5], std: [0.2] })).toThrow(ArgumentError);
    expect(() => normalize(d, { mean: [0.5, 0.5, 0.5], std: [0.2, 0, 0.2] })).toThrow(ArgumentError);
  });

  it('prepareSvmData: the two classes, split 70 / 30 with trainValSplit, statistics from the train part only', () => {
    const train = loadFashionMnist('train');
    const test = loadFashionMnist('test');
    const data = prepareSvmData(train, test, { seed: 5, classes: [2, 4] });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([8400, 3600, 2000]);
    expect(data.classes).toEqual([2, 4]);
    const split = trainValSplit(selectClasses(train, [2, 4]), { valFraction: 0.3, seed: 5 });
    const st = stats(Array.from(split.train.images, (b) => b / 255), 1);
    const whole = stats(Array.from(selectClasses(train, [2, 4]).images, (b) => b / 255), 1);
    const fromTrain = { rule: `${POP_STD}, from the training part of the 70 / 30 split only` };
    expectClose(data.stats.mean[0]!, st.mean[0]!, closeTo(st.mean[0]!, 8), 'data.stats.mean[0]', {
      ...fromTrain, mistakes: [{ name: 'statistics from training and validation parts together', value: whole.mean[0]! }],
    });
    expectClose(data.stats.std[0]!, st.std[0]!, closeTo(st.std[0]!, 8), 'data.stats.std[0]', {
      ...fromTrain, mistakes: [{ name: 'statistics from training and validation parts together', value: whole.std[0]! }],
    });
    const trainStats = stats(data.train.x, 1);
    expectClose(trainStats.mean[0]!, 0.25, closeTo(0.25, 4), 'mean of the normalised training part', { rule: NORMALIZED });
    expectClose(trainStats.std[0]!, 0.25, closeTo(0.25, 4), 'std of the normalised training part', { rule: NORMALIZED });
    // Validation and test are on the same scale but not forced to exactly 0.25.
    const valStats = stats(data.val.x, 1);
    expectAtMost(Math.abs(valStats.mean[0]! - 0.25), 0.01, '|mean of the normalised validation part − 0.25|', {
      rule: 'the validation part is normalised with the training statistics, so its mean is near 0.25 but not exactly', strict: true,
    });
    expect(valStats.mean[0]).not.toBe(trainStats.mean[0]);
    expect(differing(data.val.labels ?? [], split.val.labels), 'validation labels that differ from trainValSplit\'s').toBe(0);
    expect(new Set([...(data.train.labels ?? []), ...(data.test.labels ?? [])])).toEqual(new Set([2, 4]));
  });

  it('prepareSvmData on CIFAR-format colour images (a generated batch): frog/horse by default, 3,072 features, each channel standardised', () => {
    const rng = new Rng(3);
    const make = (n: number): ImageDataset => {
      const labels = Uint8Array.from({ length: n }, (_, i) => [6, 7, 1, 6, 7, 9][i % 6]!);
      const images = Uint8Array.from({ length: n * 3072 }, (_, i) => (i % 3 === 0 ? rng.int(0, 255) : i % 3 === 1 ? rng.int(50, 200) : rng.int(0, 90)));
      const parsed = parseCifarBatch(encodeCifarBatch(images, labels), 'fixture.bin', '');
      return { ...parsed, rows: 32, cols: 32, channels: 3 };
    };
    const data = prepareSvmData(make(60), make(12), { seed: 1 });
    expect(data.classes).toEqual([6, 7]);
    expect([data.train.count + data.val.count, data.test.count]).toEqual([40, 8]);
    expect(data.val.count).toBe(12);
    expect(data.train.features).toBe(3072);
    const s = stats(data.train.x, 3);
    for (let c = 0; c < 3; c++) {
      const rule = { rule: `${NORMALIZED}; statistics per channel (NHWC: channel = index mod 3), not over all channels at once` };
      expectClose(s.mean[c]!, 0.25, closeTo(0.25, 4), `mean of channel ${String(c)} of the normalised training part`, rule);
      expectClose(s.std[c]!, 0.25, closeTo(0.25, 4), `std of channel ${String(c)} of the normalised training part`, rule);
    }
    expect(() => prepareSvmData(make(12), loadFashionMnist('test'), { seed: 1 })).toThrow(ArgumentError);
  });
});
