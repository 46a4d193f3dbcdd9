import type { ImageDataset } from '#kit/data';
import { Rng } from '#kit/rng';
import { installWasmMatMulFix, tf, uninstallWasmMatMulFix } from '#kit/tf';
import { accuracy, batchCount, mlp, trainBatches } from './train.ts';

export const MLP_SIZES = [784, 256, 128, 10] as const;
export const BATCH_SIZE = 128;
export const LEARNING_RATE = 1e-3;
const CLASSES = 10;

export interface EpochTiming {
  fix: boolean;
  /** Batches inside the timed window. */
  timedBatches: number;
  /** Untimed batches run first (warm-up), 0 for a whole epoch. */
  warmupBatches: number;
  totalBatches: number;
  timedSeconds: number;
  /** Measured for a whole epoch, else timedSeconds / timedBatches × totalBatches. */
  secondsPerEpoch: number;
  extrapolated: boolean;
  testAccuracy: number;
  lastBatchLoss: number | undefined;
  /** tf.memory().numTensors after minus before: non-zero means the loop leaks. */
  tensorDelta: number;
}

export interface EpochOptions {
  fix: boolean;
  seed: number;
  /** Time this many batches after `warmupBatches` and extrapolate; undefined = one whole epoch. */
  timedBatches?: number;
  warmupBatches?: number;
}

/**
 * Adam on softmax cross-entropy, 784-256-128-10 ReLU MLP, batch 128, in a seeded order.
 * Expects the wasm backend to be active; leaves the matmul fix installed.
 */
export function timeEpoch(train: ImageDataset, test: ImageDataset, options: EpochOptions): EpochTiming {
  if (options.fix) installWasmMatMulFix();
  else uninstallWasmMatMulFix();
  const rng = new Rng(options.seed);
  const tensorsBefore = tf.memory().numTensors;
  const model = mlp(MLP_SIZES, rng);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const order = rng.permutation(train.count);
  const totalBatches = batchCount(train.count, BATCH_SIZE);

  const whole = options.timedBatches === undefined;
  const warmupBatches = whole ? 0 : (options.warmupBatches ?? 3);
  const timedBatches = whole ? totalBatches : Math.min(options.timedBatches!, totalBatches - warmupBatches);
  trainBatches(model, optimizer, train, order, BATCH_SIZE, 0, warmupBatches, CLASSES);
  const start = performance.now();
  const lastBatchLoss = trainBatches(model, optimizer, train, order, BATCH_SIZE, warmupBatches, timedBatches, CLASSES);
  const timedSeconds = (performance.now() - start) / 1000;

  const testAccuracy = accuracy(model, test, CLASSES);
  model.dispose();
  optimizer.dispose();
  installWasmMatMulFix();
  return {
    fix: options.fix,
    timedBatches,
    warmupBatches,
    totalBatches,
    timedSeconds,
    secondsPerEpoch: whole ? timedSeconds : (timedSeconds / timedBatches) * totalBatches,
    extrapolated: !whole,
    testAccuracy,
    lastBatchLoss,
    tensorDelta: tf.memory().numTensors - tensorsBefore,
  };
}
