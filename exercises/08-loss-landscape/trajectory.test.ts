/**
 * Tests for exercise 08, part 1: recording the SGD trajectory (recordTrajectory, snapshotBatches).
 *
 * A 784-32-10 ReLU network trains on 2,500 Fashion-MNIST training images (a seeded subset, pixels
 * scaled to [−0.5, 0.5] as in exercise 02). The test trains a second copy of the same network itself,
 * with the kit's loop (`batches` + `trainStep`, plain SGD), and checks that every snapshot is the
 * network's parameters after exactly the documented number of steps. Both runs execute the same
 * float32 kernels in the same order, so they agree to rounding; the tolerance (1e-5 of the largest
 * parameter) is far below what one SGD step moves the parameters (≈ 1e-3).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist, take } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { expectAtLeast, expectAtMost, expectClose } from '#kit/testing';
import { batches, meanCrossEntropy, toExamples, trainStep, type Examples } from '#kit/train';
import { maxAbs, maxAbsDiff } from '#kit/vectors';
import { recordTrajectory, snapshotBatches, type TrajectoryOptions } from './trajectory.ts';

function paramsOf(model: tf.LayersModel): Float32Array {
  const parts = model.trainableWeights.map((w) => w.read().dataSync() as Float32Array);
  const flat = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    flat.set(p, offset);
    offset += p.length;
  }
  return flat;
}

function mlp(seed: number, hidden = 32): tf.Sequential {
  const rng = new Rng(seed);
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }));
  return model;
}

/**
 * The same training, done here: kit batches, one plain-SGD trainStep per batch; parameters after the given
 * steps, and each epoch's mean batch loss (weighted by batch size, as 02's trainEpoch reports it).
 */
function referenceRun(model: tf.LayersModel, data: Examples, o: TrajectoryOptions, atSteps: readonly number[]): { snapshots: Float32Array[]; epochLosses: number[] } {
  const source = batches(data, { batchSize: o.batchSize, seed: o.seed, oneHot: 10 });
  const optimizer = tf.train.sgd(o.learningRate);
  const want = new Set(atSteps);
  const out = want.has(0) ? [paramsOf(model)] : [];
  const epochLosses: number[] = [];
  let step = 0;
  for (let e = 0; e < o.epochs; e++) {
    let sum = 0;
    for (const batch of source) {
      sum += trainStep(model, optimizer, batch).loss * batch.size;
      step++;
      if (want.has(step)) out.push(paramsOf(model));
    }
    epochLosses.push(sum / data.count);
  }
  optimizer.dispose();
  return { snapshots: out, epochLosses };
}

let data: Examples;
beforeAll(async () => {
  await ready();
  data = toExamples(take(loadFashionMnist('train'), 2500, 8), { scale: 'centered' });
});

describe('recordTrajectory', () => {
  const options: TrajectoryOptions = { epochs: 2, batchSize: 100, learningRate: 0.1, snapshotsPerEpoch: 5, seed: 3 };

  it('snapshotBatches spaces s snapshots evenly over an epoch of B batches, the last at its end; bad options are an ArgumentError', () => {
    // The student's function first, so that this test fails while recordTrajectory is a stub.
    const small: Examples = { ...data, x: data.x.subarray(0, 200 * 784), labels: data.labels!.subarray(0, 200), count: 200 };
    expect(recordTrajectory(mlp(1), small, { ...options, epochs: 1, snapshotsPerEpoch: 2 }).steps).toEqual([0, 1, 2]);
    expect(snapshotBatches(25, 5)).toEqual([5, 10, 15, 20, 25]);
    expect(snapshotBatches(10, 3)).toEqual([3, 6, 10]);
    expect(snapshotBatches(7, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(snapshotBatches(40, 1)).toEqual([40]);
    expect(() => recordTrajectory(mlp(1), data, { ...options, epochs: 0 })).toThrow(ArgumentError);
    expect(() => recordTrajectory(mlp(1), data, { ...options, snapshotsPerEpoch: 26 })).toThrow(ArgumentError);
    expect(() => snapshotBatches(10, 0)).toThrow(ArgumentError);
  });

  it('records 1 + epochs·snapshotsPerEpoch snapshots: before training, then after the batches snapshotBatches names — each equal to an independent run of plain SGD', () => {
    const model = mlp(5);
    const initial = paramsOf(model);
    const traj = recordTrajectory(model, data, options);
    // 2,500 / 100 = 25 batches per epoch; snapshots after 5, 10, …, 25 batches of each epoch.
    const steps = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50];
    expect(traj.steps).toEqual(steps);
    expect(traj.snapshots).toHaveLength(11);
    expect(traj.epochLosses).toHaveLength(2);
    traj.snapshots.forEach((s) => {
      expect(s).toBeInstanceOf(Float32Array);
      expect(s).toHaveLength(initial.length);
    });
    // Compare through maxAbsDiff: a failing toEqual on 25,000 numbers would print (and diff) them all.
    expect(maxAbsDiff(traj.snapshots[0]!, initial), 'snapshot 0 is the untrained network').toBe(0);
    expect(maxAbsDiff(traj.snapshots[10]!, paramsOf(model)), 'the model ends with the last snapshot’s parameters').toBe(0);

    const twin = mlp(5);
    const { snapshots: expected, epochLosses } = referenceRun(twin, data, options, steps);
    const scale = maxAbs(initial);
    expected.forEach((e, t) => {
      const err = maxAbsDiff(traj.snapshots[t]!, e);
      expectAtMost(err, 1e-5 * scale, `snapshot ${t} (after ${steps[t]} SGD steps): largest difference from an independent run of plain SGD`, {
        rule: 'snapshot t holds the parameters after the batches snapshotBatches names, trained with plain SGD (no momentum, no Adam) in the seeded batch order',
      });
    });
    epochLosses.forEach((want, e) => {
      expectClose(traj.epochLosses[e], want, 1e-5, `epochLosses[${e}]`, {
        rule: 'epochLosses[e] is the loss trainEpoch returns for epoch e: the mean of its batch losses, each weighted by the batch\'s size',
      });
    });
    // Each snapshot is its own copy, and training moved the parameters between any two of them.
    for (let t = 1; t < 11; t++) {
      expectAtLeast(maxAbsDiff(traj.snapshots[t]!, traj.snapshots[t - 1]!), 1e-4, `largest difference between snapshots ${t} and ${t - 1}`, {
        rule: 'each snapshot is a copy of the parameters at its step (the same buffer recorded again and again makes them all equal)', strict: true,
      });
    }
    model.dispose();
    twin.dispose();
  });

  it('is reproducible, depends on the seed, and descends: the loss at the last snapshot is well below the first', () => {
    const a = mlp(6);
    const b = mlp(6);
    const c = mlp(6);
    const o = { ...options, epochs: 1 };
    const ta = recordTrajectory(a, data, o);
    const tb = recordTrajectory(b, data, o);
    const tc = recordTrajectory(c, data, { ...o, seed: 4 });
    expect(tb.snapshots).toHaveLength(ta.snapshots.length);
    ta.snapshots.forEach((s, t) => {
      expect(maxAbsDiff(tb.snapshots[t]!, s), `snapshot ${t} of a second run with the same seed`).toBe(0);
    });
    expectAtLeast(maxAbsDiff(tc.snapshots[5]!, ta.snapshots[5]!), 1e-4, 'largest difference at snapshot 5 between seeds 4 and the default', {
      rule: 'the batch order is drawn from options.seed', strict: true,
    });
    const first = mlp(6);
    const lossStart = meanCrossEntropy(first, data);
    const lossEnd = meanCrossEntropy(a, data);
    // One epoch of SGD at 0.1 takes a fresh network from ≈ 2.3 to ≈ 0.8 on these images.
    expectAtMost(lossEnd, 0.6 * lossStart, `loss after one epoch (the fresh network's is ${lossStart})`, {
      rule: 'one epoch of SGD at rate 0.1 takes the loss below 0.6 × its start (≈ 2.3 → ≈ 0.8)', strict: true,
    });
    expectAtLeast(ta.epochLosses[0], lossEnd, 'epochLosses[0], the mean batch loss during epoch 1', {
      rule: 'the mean of the batch losses during the epoch is above the loss at its end, as the network improves while it trains', strict: true,
    });
    for (const m of [a, b, c, first]) m.dispose();
  });
});
