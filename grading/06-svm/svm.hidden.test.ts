/**
 * Hidden tests for exercise 06: the public checks on other values, pairs, fixtures and settings. Never
 * shipped to students. Each test calls the student's function first. Exact checks only (no training to
 * a threshold: the public suite has that).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, type ImageDataset } from '#kit/data';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { channelStats, normalize, predictTargets, prepareSvmData, SVMLoss, svmTargets } from '../../exercises/06-svm/svm.ts';
import { buildSvm, HOMEWORK_CONFIG, improvedConfig, trainSvm } from '../../exercises/06-svm/train.ts';

beforeAll(async () => {
  await ready();
});

const lossValue = (C: number, p: number[], y: number[]): number => tf.tidy(() => new SVMLoss(C).apply(tf.tensor1d(p), tf.tensor1d(y)).dataSync()[0]!);

describe('SVMLoss (hidden)', () => {
  it('C = 3 on margins 1.5, 0.9, −0.2, −2 (hinge 0, 0.1, 1.2, 3): 3.225', () => {
    expect(lossValue(3, [1.5, -0.9, -0.2, 2], [1, -1, 1, -1])).toBeCloseTo((3 * (0 + 0.1 + 1.2 + 3)) / 4, 5);
  });

  it('gradient at other scores: −C·y/n inside the margin, 0 outside', () => {
    const p = [0.2, -3, 0.7, 4, -0.4];
    const y = [1, -1, -1, 1, 1];
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => new SVMLoss(2).apply(t, tf.tensor1d(y)))(tf.tensor1d(p)).dataSync());
    const expected = p.map((s, i) => (y[i]! * s < 1 ? (-2 * y[i]!) / 5 : 0));
    expected.forEach((e, i) => {
      expect(g[i]!).toBeCloseTo(e, 6);
    });
  });
});

describe('labels and data (hidden)', () => {
  it('svmTargets with T-shirt (0) → −1, shirt (6) → +1; predictTargets on a small batch', () => {
    expect(Array.from(svmTargets([6, 0, 0, 6], [0, 6]))).toEqual([1, -1, -1, 1]);
    expect(Array.from(predictTargets([-0.5, 0.5, 0]))).toEqual([-1, 1, -1]);
  });

  it('channelStats and normalize on a 2-channel fixture', () => {
    const rng = new Rng(4);
    const d: ImageDataset = {
      images: Uint8Array.from({ length: 6 * 3 * 3 * 2 }, (_, i) => (i % 2 === 0 ? rng.int(10, 250) : rng.int(60, 70))),
      labels: new Uint8Array(6),
      count: 6,
      rows: 3,
      cols: 3,
      channels: 2,
    };
    const s = channelStats(d);
    expect(s.mean).toHaveLength(2);
    const ex = normalize(d, s);
    for (let c = 0; c < 2; c++) {
      const v = Array.from(ex.x).filter((_, i) => i % 2 === c);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
      expect(m).toBeCloseTo(0.25, 5);
      expect(sd).toBeCloseTo(0.25, 5);
    }
  });

  it('prepareSvmData with T-shirt/shirt and a 25 % validation part', () => {
    const data = prepareSvmData(loadFashionMnist('train'), loadFashionMnist('test'), { seed: 9, classes: [0, 6], valFraction: 0.25 });
    expect([data.train.count, data.val.count, data.test.count]).toEqual([9000, 3000, 2000]);
    expect(new Set(data.val.labels)).toEqual(new Set([0, 6]));
  });
});

describe('training (hidden)', () => {
  function synthetic(n: number, d: number, seed: number): Examples {
    const rng = new Rng(seed);
    const labels = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 0 : 6));
    const x = Float32Array.from({ length: n * d }, (_, k) => rng.normal(labels[Math.floor(k / d)] === 6 ? 0.3 : -0.3, 1));
    return { x, labels, count: n, features: d };
  }

  it('one full-batch step with C 0.5, lr 0.05, λ 2 (decay dominates): θ − lr(∇hinge + λθ)', () => {
    const train = synthetic(30, 4, 1);
    const model = buildSvm(4, 2);
    model.setWeights([model.getWeights()[0]!, tf.tensor1d([0.2])]);
    const [k0, b0] = model.getWeights().map((t) => Array.from(t.dataSync()));
    trainSvm(model, { train, val: synthetic(6, 4, 2), classes: [0, 6] }, { ...HOMEWORK_CONFIG, C: 0.5, learningRate: 0.05, weightDecay: 2, epochs: 1, batchSize: 30 }, { seed: 3, progress: false });
    const w = k0!;
    const b = b0![0]!;
    const gw = w.map((v) => 2 * v);
    let gb = 2 * b;
    for (let i = 0; i < 30; i++) {
      const y = train.labels![i] === 0 ? -1 : 1;
      const s = w.reduce((a, wj, j) => a + wj * train.x[i * 4 + j]!, b);
      if (y * s >= 1) continue;
      for (let j = 0; j < 4; j++) gw[j]! -= (0.5 * y * train.x[i * 4 + j]!) / 30;
      gb -= (0.5 * y) / 30;
    }
    const [k1, b1] = model.getWeights().map((t) => Array.from(t.dataSync()));
    k1!.forEach((v, j) => {
      expect(v).toBeCloseTo(w[j]! - 0.05 * gw[j]!, 5);
    });
    expect(b1![0]!).toBeCloseTo(b - 0.05 * gb, 5);
    model.dispose();
  });
});

describe('improved setting (hidden)', () => {
  it('improvedConfig is a different setting from the homework\'s, within its budget', () => {
    const c = improvedConfig();
    expect(c).not.toEqual({ ...HOMEWORK_CONFIG });
    expect(c.epochs).toBeLessThanOrEqual(50);
    expect(c.batchSize).toBeGreaterThanOrEqual(16);
  });
});
