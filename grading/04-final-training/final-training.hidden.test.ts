/**
 * Hidden tests for exercise 04: the table, the chart, the recording of the last iterations and the
 * enhanced network on other inputs than the public suite. No full-dataset training here (the public
 * suite's two runs are what the accuracy items are graded on). Never shipped to students.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, take } from '#kit/data';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { accuracy, toExamples, type Examples } from '#kit/train';
import {
  buildEnhancedMlp,
  finalTraining,
  lossChartOptions,
  lossTable,
} from '../../exercises/04-final-training/final-training.ts';

beforeAll(async () => {
  await ready();
});

let fashion: Examples | undefined;
function fashionSubset(): Examples {
  fashion ??= toExamples(take(loadFashionMnist('train'), 700, 91), { scale: 'centered' });
  return fashion;
}
const part = (ex: Examples, from: number, to: number): Examples => ({
  x: ex.x.slice(from * ex.features, to * ex.features),
  labels: ex.labels!.slice(from, to),
  count: to - from,
  features: ex.features,
});

describe('finalTraining on a small set (hidden)', () => {
  it('with lastN = 5 over 3 epochs of ⌈400/96⌉ = 5 batches keeps iterations 11–15, and evaluates on the given test set', () => {
    const data = fashionSubset();
    const train = part(data, 0, 400);
    const test = part(data, 400, 700);
    const config = { layers: 3, units: 16, learningRate: 0.002, batchSize: 96, epochs: 3, l2: 1e-4, optimizer: 'adam' as const };
    const run = finalTraining(config, train, test, { seed: 93, lastN: 5, progress: false });
    expect(run.iterations).toBe(15);
    expect(run.firstIteration).toBe(11);
    expect(run.lastLosses).toHaveLength(5);
    expect(run.epochLosses).toHaveLength(3);
    expect(run.testAccuracy).toBe(accuracy(run.model, test));
    const again = finalTraining(config, train, test, { seed: 93, lastN: 5, progress: false });
    expect(again.lastLosses).toEqual(run.lastLosses);
    run.model.dispose();
    again.model.dispose();
  });
});

describe('lossTable and lossChartOptions (hidden)', () => {
  it('show 20 losses with iteration numbers from 9381', () => {
    const losses = Array.from(new Rng(94).uniforms(20, 0.2, 0.4));
    const lines = lossTable(losses, 9381).split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(21);
    losses.forEach((loss, i) => {
      expect(lines[i + 1]!.trim().split(/\s+/)).toEqual([String(9381 + i), loss.toFixed(4)]);
    });
    const chart = lossChartOptions(losses, 9381);
    expect(Array.from(chart.series[0]!.x ?? [])).toEqual(losses.map((_, i) => 9381 + i));
    expect(Array.from(chart.series[0]!.y)).toEqual(losses);
  });
});

describe('buildEnhancedMlp (hidden)', () => {
  it('prelu with batch-norm and dropout: one learned slope per unit and layer, trainable γ and β, fresh masks per step', () => {
    const model = buildEnhancedMlp(10, 2, 6, 3, { batchNorm: true, dropout: 0.4, activation: 'prelu', seed: 95 });
    const dense = 10 * 6 + 6 + 6 * 6 + 6 + 6 * 3 + 3;
    const trainableCount = model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
    expect(trainableCount).toBe(dense + 2 * 2 * 6 + 2 * 6);
    const x = tf.tensor2d(Float32Array.from(new Rng(96).normals(5 * 10)), [5, 10]);
    const first = tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync());
    const second = tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync());
    expect(second).not.toEqual(first);
    x.dispose();
    model.dispose();
  });
});
