import type { ImageDataset } from '#kit/data';
import { Rng } from '#kit/rng';
import { installWasmMatMulFix, tf, uninstallWasmMatMulFix } from '#kit/tf';
import { accuracy, batches, toExamples, trainStep } from '#kit/train';

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

/** A dense MLP with ReLU hidden layers and linear logits, Glorot-initialised from `rng`. */
export function mlp(sizes: readonly number[], rng: Rng): tf.Sequential {
  const model = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    model.add(
      tf.layers.dense({
        ...(i === 1 ? { inputShape: [sizes[0]!] } : {}),
        units: sizes[i]!,
        activation: i === sizes.length - 1 ? 'linear' : 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      }),
    );
  }
  return model;
}

/**
 * Adam on softmax cross-entropy, 784-256-128-10 ReLU MLP, batch 128, in a seeded order (the kit's
 * training loop, `#kit/train`). Expects the wasm backend to be active; leaves the matmul fix installed.
 */
export function timeEpoch(train: ImageDataset, test: ImageDataset, options: EpochOptions): EpochTiming {
  if (options.fix) installWasmMatMulFix();
  else uninstallWasmMatMulFix();
  const rng = new Rng(options.seed);
  const tensorsBefore = tf.memory().numTensors;
  const model = mlp(MLP_SIZES, rng);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const source = batches(toExamples(train), { batchSize: BATCH_SIZE, seed: rng.seed(), oneHot: CLASSES });
  const totalBatches = source.length;

  const whole = options.timedBatches === undefined;
  const warmupBatches = whole ? 0 : (options.warmupBatches ?? 3);
  const timedBatches = whole ? totalBatches : Math.min(options.timedBatches!, totalBatches - warmupBatches);
  const last = warmupBatches + timedBatches - 1;
  let start = performance.now();
  let lastBatchLoss: number | undefined;
  for (const batch of source) {
    if (batch.index === warmupBatches) start = performance.now();
    // Reading the loss forces a device→host copy; only the last one is needed here.
    const step = trainStep(model, optimizer, batch, { readLoss: batch.index === last });
    if (batch.index === last) {
      lastBatchLoss = step.loss;
      break;
    }
  }
  const timedSeconds = (performance.now() - start) / 1000;

  const testAccuracy = accuracy(model, toExamples(test));
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
