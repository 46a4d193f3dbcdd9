/**
 * Exercise 07, parts 1 and 3 — data for the reconstruction task and a training loop that tracks the
 * validation error. The same loop trains the untied and the tied model.
 */
import { cifar10Installed, loadCifar10, loadFashionMnist, trainValSplit, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { progress } from '#kit/progress';
import { tf } from '#kit/tf';
import { batches, toExamples, trainStep, type Examples, type LossFn } from '#kit/train';

// ---- part 1: data --------------------------------------------------------------------------------

/**
 * Splits `d` 70 % / 30 % (or `valFraction`) into train and validation with `trainValSplit` from
 * #kit/data and scales the pixels to [0, 1] (byte / 255, e.g. with `toExamples` from #kit/train),
 * flattened to one row per image. No normalisation: the reconstruction is compared with pixels in
 * [0, 1]. Labels are not needed.
 */
export function reconstructionSplit(d: ImageDataset, options: { seed: number; valFraction?: number }): { train: Examples; val: Examples } {
  if (!Number.isInteger(options.seed)) throw new ArgumentError(`reconstructionSplit: seed must be an integer, got ${String(options.seed)}.`);
  // BEGIN SOLUTION
  const { train, val } = trainValSplit(d, { valFraction: options.valFraction ?? 0.3, seed: options.seed });
  const pixels = (part: ImageDataset): Examples => {
    const { x, count, features } = toExamples(part, { scale: 'unit' });
    return { x, count, features };
  };
  return { train: pixels(train), val: pixels(val) };
  // END SOLUTION
}

export type DatasetName = 'cifar-10' | 'fashion-mnist';

/** True when every CIFAR-10 batch file is on the data search path (nothing is read). */
export function cifarAvailable(): boolean {
  return cifar10Installed();
}

/** What the exercise runs on, and why. */
export interface ChosenDataset {
  name: DatasetName;
  /** The training split (the test split is not used by this exercise). */
  data: ImageDataset;
  /** One sentence for people: which dataset, and how to get CIFAR-10 if it is missing. */
  note: string;
}

/**
 * CIFAR-10's training split when it is installed (the homework's dataset), otherwise Fashion-MNIST's,
 * with a note that says which one you got. `prefer` forces one.
 */
export function chooseDataset(prefer: DatasetName | 'auto' = 'auto'): ChosenDataset {
  const cifar = prefer === 'cifar-10' || (prefer === 'auto' && cifarAvailable());
  if (cifar) {
    return { name: 'cifar-10', data: loadCifar10('train'), note: 'Running on CIFAR-10 (32×32×3 = 3,072 inputs), as in the homework.' };
  }
  return {
    name: 'fashion-mnist',
    data: loadFashionMnist('train'),
    note:
      prefer === 'fashion-mnist'
        ? 'Running on Fashion-MNIST (28×28 = 784 inputs), as asked.'
        : 'CIFAR-10 not found, so running on Fashion-MNIST (28×28 = 784 inputs) instead; `npm run data -- cifar-10` ' +
          'installs CIFAR-10 (170 MB download) for the homework\'s version.',
  };
}

// ---- part 3: training with a validation curve ----------------------------------------------------

export interface FitOptions {
  seed: number;
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate, default 1e-3. */
  learningRate?: number;
  /** Title of the progress line; `false` prints nothing. */
  progress?: string | false;
}

/** Per-epoch mean squared errors. */
export interface Curves {
  /** Average of the epoch's batch MSEs, weighted by batch size. */
  train: number[];
  /** MSE over all validation pixels after the epoch. */
  val: number[];
}

/** Mean squared error between `ex` and `model`'s reconstruction of it, over all pixels, in chunks. */
export function mse(model: tf.LayersModel, ex: Examples, chunk = 2000): number {
  checkSize(model, ex, 'mse');
  let sum = 0;
  for (let start = 0; start < ex.count; start += chunk) {
    const end = Math.min(ex.count, start + chunk);
    sum += tf.tidy(() => {
      const x = tf.tensor2d(ex.x.subarray(start * ex.features, end * ex.features), [end - start, ex.features]);
      return tf.sum(tf.squaredDifference(model.predict(x, { batchSize: end - start }) as tf.Tensor, x)).dataSync()[0]!;
    });
  }
  return sum / (ex.count * ex.features);
}

export function checkSize(model: tf.LayersModel, ex: Examples, fn: string): void {
  const inputSize = model.inputs[0]?.shape[1];
  if (ex.features !== inputSize || ex.x.length !== ex.count * ex.features || ex.count < 1) {
    throw new ArgumentError(
      `${fn}: the model takes ${String(inputSize)} inputs per image but the examples have ${String(ex.features)} ` +
        `(${String(ex.count)} images, ${String(ex.x.length)} numbers). Build the model with inputSize = ` +
        `${String(ex.features)} (3072 for CIFAR-10, 784 for Fashion-MNIST).`,
    );
  }
}

/**
 * Trains `model` in place to reconstruct its input (MSE, Adam), mini-batches from
 * `batches(data.train, { batchSize, seed })` and one `trainStep` per batch (#kit/train), and returns the train and validation curves
 * (`mse` on `data.val` after every epoch). Works for any LayersModel — the untied and the tied one.
 */
export function fit(model: tf.LayersModel, data: { train: Examples; val: Examples }, options: FitOptions): Curves {
  checkSize(model, data.train, 'fit');
  checkSize(model, data.val, 'fit (validation)');
  const { seed, epochs, batchSize = 128, learningRate = 1e-3 } = options;
  if (!Number.isInteger(seed)) throw new ArgumentError(`fit: seed must be an integer, got ${String(seed)}.`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`fit: epochs must be a whole number ≥ 1, got ${String(epochs)}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`fit: batchSize must be a whole number ≥ 1, got ${String(batchSize)}.`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new ArgumentError(`fit: learningRate must be > 0, got ${String(learningRate)}.`);
  // BEGIN SOLUTION
  const order = batches(data.train, { batchSize, seed });
  const optimizer = tf.train.adam(learningRate);
  const loss: LossFn = (batch, output) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(batch.x, output);
  const bar = options.progress === false ? undefined : progress({ title: options.progress ?? '07-tied-autoencoder', epochs, batchesPerEpoch: order.length });
  const curves: Curves = { train: [], val: [] };
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let sum = 0;
      for (const batch of order) {
        const step = trainStep(model, optimizer, batch, { loss });
        sum += step.loss * batch.size;
        bar?.batch({ loss: step.loss });
      }
      curves.train.push(sum / data.train.count);
      curves.val.push(mse(model, data.val));
      bar?.epoch({ loss: curves.train[epoch]!, valLoss: curves.val[epoch]! });
    }
  } finally {
    bar?.done();
    optimizer.dispose();
  }
  return curves;
  // END SOLUTION
}
