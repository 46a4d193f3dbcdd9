/**
 * Exercise 08, part 1 — the SGD trajectory: where the network's parameters go while it trains.
 *
 * Uses three functions of exercise 02 (your own, wherever the tests run): `trainEpoch`, which already
 * calls back after every mini-batch, and `extractModelParams` for the snapshots.
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { tf } from '#kit/tf';
import { batches, checkExamples, checkInteger, checkPositive, type Examples } from '#kit/train';
import { extractModelParams, trainEpoch } from '../02-mlp/mlp.ts';

export interface TrajectoryOptions {
  epochs: number;
  batchSize: number;
  /** Plain SGD (`tf.train.sgd`), no momentum. */
  learningRate: number;
  /** Snapshots per epoch, evenly spaced in steps; 1 ≤ snapshotsPerEpoch ≤ batches per epoch. */
  snapshotsPerEpoch: number;
  /** Seeds the batch order: `batches(data, { batchSize, seed, oneHot })` from '#kit/train'. */
  seed: number;
}

export interface Trajectory {
  /** T = 1 + epochs · snapshotsPerEpoch flattened parameter vectors (`extractModelParams`), the first before training. */
  snapshots: Float32Array[];
  /** The number of SGD steps taken before each snapshot: 0 first, the total number of steps last. */
  steps: number[];
  /** Mean training loss of each epoch, as `trainEpoch` reports it. */
  epochLosses: number[];
}

/**
 * Which batches of an epoch end with a snapshot: with B batches per epoch and s snapshots, the i-th
 * snapshot (i = 1 … s) is taken after ⌊i·B/s⌋ batches — evenly spaced, the last at the epoch's end.
 * Returns those counts (1-based, increasing).
 */
export function snapshotBatches(batchesPerEpoch: number, snapshotsPerEpoch: number): number[] {
  checkInteger('batchesPerEpoch', batchesPerEpoch, 1, 'mini-batches per epoch');
  checkInteger('snapshotsPerEpoch', snapshotsPerEpoch, 1, 'snapshots per epoch', batchesPerEpoch);
  return Array.from({ length: snapshotsPerEpoch }, (_, i) => Math.floor(((i + 1) * batchesPerEpoch) / snapshotsPerEpoch));
}

/**
 * Trains `model` (logits out, like 02's `buildMlp`) on `data` with plain SGD and records where its
 * parameters go.
 *
 * - Make the mini-batches once, `batches(data, { batchSize, seed, oneHot: <the model's outputs> })`,
 *   and run `epochs` epochs over them with 02's `trainEpoch` (each epoch draws a fresh seeded order).
 * - Record `extractModelParams(model)` before the first step, then `snapshotsPerEpoch` times per
 *   epoch, after the batches that `snapshotBatches` lists (use trainEpoch's `onBatch`; `batch.index` is
 *   the batch's 0-based position in its epoch).
 *
 * The model ends trained (its parameters are the last snapshot).
 */
export function recordTrajectory(model: tf.LayersModel, data: Examples, options: TrajectoryOptions): Trajectory {
  const { epochs, batchSize, learningRate, snapshotsPerEpoch, seed } = options;
  const classes = model.outputs[0]?.shape.at(-1);
  if (typeof classes !== 'number') {
    throw new ArgumentError('recordTrajectory: the model needs one output with a known number of classes (logits), like 02’s buildMlp.');
  }
  checkExamples('recordTrajectory: data', data, classes);
  checkInteger('epochs', epochs, 1, 'passes over the data');
  checkInteger('batchSize', batchSize, 1, 'examples per mini-batch', data.count);
  checkPositive('learningRate', learningRate, 'SGD step size', '0.1');
  checkInteger('seed', seed, 0, 'seed of the batch order');
  const perEpoch = Math.ceil(data.count / batchSize);
  const marks = snapshotBatches(perEpoch, snapshotsPerEpoch);
  // YOUR CODE HERE
  throw new NotImplemented('recordTrajectory');
}
