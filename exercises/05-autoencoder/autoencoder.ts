/**
 * Exercise 05 — a dense autoencoder on Fashion-MNIST (homework Problem 4, tasks 1–3).
 *
 * The network squeezes each 28×28 image (784 numbers) through a 64-number bottleneck and tries to
 * rebuild it. Nothing tells it what to keep: the only signal is the reconstruction error, so whatever
 * the 64 numbers end up encoding is what the data itself made worth encoding.
 */
import type { ImageDataset } from '#kit/data';
import { ArgumentError, NotImplemented } from '#kit/errors';
import { uniqueName } from '#kit/names';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, toExamples, trainStep, type Examples, type LossFn } from '#kit/train';

/** Pixels per Fashion-MNIST image, the autoencoder's input and output size. */
export const IMAGE_SIZE = 784;
/** Units of the bottleneck (the latent code). */
export const BOTTLENECK = 64;
/** Units of the hidden layers on either side of the bottleneck. */
export const HIDDEN = 128;

// ---- Task 1 (2 pts): data ------------------------------------------------------------------------

/**
 * Turns a dataset into autoencoder examples: every image flattened to one row of
 * `rows · cols · channels` numbers, each pixel divided by 255 so it lies in [0, 1] (the sigmoid output
 * can then match it exactly). No labels: an autoencoder's target is its own input.
 *
 * Return `{ x, count, features }` with `x` a Float32Array of count × features numbers, row-major, in
 * the dataset's order (`d.images` is already flat and row-major, image after image). `toExamples` from
 * #kit/train does the scaling; leave the labels out.
 */
export function prepareData(d: ImageDataset): Examples {
  if (d.count < 1) throw new ArgumentError('prepareData: the dataset is empty; load a split with images in it.');
  // YOUR CODE HERE
  throw new NotImplemented('prepareData');
}

// ---- Task 2 (6 pts): the architecture ------------------------------------------------------------

/** The autoencoder and its two halves. All three share the same four layers (and so the same weights). */
export interface DenseAutoencoder {
  /** 784 → 784: decoder(encoder(x)). Train this one. */
  readonly model: tf.LayersModel;
  /** 784 → 64: the latent code (the bottleneck's ReLU output). */
  readonly encoder: tf.LayersModel;
  /** 64 → 784: an image with pixels in (0, 1) from a code. */
  readonly decoder: tf.LayersModel;
}

/**
 * Builds the homework's dense autoencoder, 218,192 parameters in all:
 *
 * - encoder: 784 → Dense 128, ReLU → Dense 64, ReLU (the bottleneck);
 * - decoder: 64 → Dense 128, ReLU → Dense 784, sigmoid (outputs in (0, 1), like the pixels).
 *
 * Create the four layers once and wire three models from them with the functional API:
 * `const x = tf.input({ shape: [784] })`, `layer.apply(...)`, `tf.model({ inputs, outputs })`; the
 * decoder model needs its own `tf.input({ shape: [64] })`. Seed every kernel initialiser, e.g.
 * `tf.initializers.glorotUniform({ seed: rng.seed() })` with `rng = new Rng(seed)`, so that the same seed
 * builds the same network.
 */
export function buildAutoencoder(options: { seed: number }): DenseAutoencoder {
  if (!Number.isInteger(options.seed)) {
    throw new ArgumentError(`buildAutoencoder: seed must be an integer, got ${String(options.seed)}. Pass e.g. { seed: 1 }.`);
  }
  // YOUR CODE HERE
  throw new NotImplemented('buildAutoencoder');
}

/** tfjs refuses two layers with the same name in one model: `base_N`, unique in this process (kept in #kit/names, shared with the other exercises). */
export { uniqueName };

// ---- Task 3 (6 pts): training --------------------------------------------------------------------

export interface TrainOptions {
  /** Seed of the mini-batch order. */
  seed: number;
  /** Passes over the training set; the homework trains for 20. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate; default 1e-3 (PyTorch's and tfjs's default). */
  learningRate?: number;
  /** Evaluated (MSE) after every epoch when given, e.g. the test set. */
  validation?: Examples;
  /** Title of the progress line; `false` prints nothing. */
  progress?: string | false;
}

export interface History {
  /** Per epoch: mean squared error over the epoch's training batches (weighted by batch size). */
  loss: number[];
  /** Per epoch: MSE on `validation` after the epoch (empty without validation). */
  valLoss: number[];
}

/** Throws an ArgumentError unless `ex` holds images of the size `model` takes. */
export function checkImageSize(model: tf.LayersModel, ex: Examples, fn: string): void {
  const inputSize = model.inputs[0]?.shape[1];
  if (ex.features !== inputSize) {
    throw new ArgumentError(
      `${fn}: the model takes images of ${String(inputSize)} pixels but these examples have ${String(ex.features)} ` +
        `features per row. Flatten 28×28 Fashion-MNIST images with prepareData (784 pixels each), or build the ` +
        `model for this image size.`,
    );
  }
  if (ex.count < 1 || ex.x.length !== ex.count * ex.features) {
    throw new ArgumentError(
      `${fn}: expected ${String(ex.count)} × ${String(ex.features)} = ${String(ex.count * ex.features)} numbers in x, ` +
        `got ${String(ex.x.length)}; build the examples with prepareData.`,
    );
  }
}

function checkTrainOptions(o: TrainOptions): Required<Omit<TrainOptions, 'validation'>> {
  const full = { epochs: 20, batchSize: 128, learningRate: 1e-3, progress: '05-autoencoder', ...o };
  const bad = (what: string, value: unknown, want: string): ArgumentError =>
    new ArgumentError(`trainAutoencoder: ${what} must be ${want}, got ${String(value)}. The homework uses epochs 20, batchSize 128, learningRate 1e-3.`);
  if (!Number.isInteger(full.seed)) throw bad('seed', full.seed, 'an integer');
  if (!Number.isInteger(full.epochs) || full.epochs < 1) throw bad('epochs', full.epochs, 'a whole number ≥ 1');
  if (!Number.isInteger(full.batchSize) || full.batchSize < 1) throw bad('batchSize', full.batchSize, 'a whole number ≥ 1');
  if (!(full.learningRate > 0 && Number.isFinite(full.learningRate))) throw bad('learningRate', full.learningRate, 'a finite number > 0');
  return full;
}

/**
 * Trains `model` in place to reproduce its input: mean squared error between the output and the input
 * batch, Adam, mini-batches from `batches(train, { batchSize, seed })` (#kit/train; each `for…of` over
 * it is one epoch in a fresh seeded order) and one optimizer step per batch with `trainStep(model,
 * optimizer, batch, { loss })` from #kit/train, where `loss(batch, output)` is the mean squared error
 * between `output` and `batch.x`. Report progress with `progress()` from #kit/progress unless
 * `options.progress` is false.
 *
 * Returns the per-epoch history: `loss[e]` is the average of the epoch's batch losses weighted by batch
 * size (so it is the mean over all training pixels), and, if `options.validation` is given, `valLoss[e]`
 * its MSE after the epoch (use `reconstructionMse`).
 */
export function trainAutoencoder(model: tf.LayersModel, train: Examples, options: TrainOptions): History {
  const o = checkTrainOptions(options);
  checkImageSize(model, train, 'trainAutoencoder');
  if (options.validation !== undefined) checkImageSize(model, options.validation, 'trainAutoencoder (validation)');
  // YOUR CODE HERE
  throw new NotImplemented('trainAutoencoder');
}

// ---- Task 4 (part of the visualisation's points): reconstructions --------------------------------

/**
 * The model's reconstructions of every example, as one Float32Array of count × features numbers in the
 * examples' order. Predict in chunks of `chunk` rows (inside `tf.tidy`) so that 10,000 images do not
 * need one huge tensor, and leave no tensors behind. Pass the chunk's size as `predict`'s batchSize:
 * its default (32 rows per step) makes it about 50 times slower.
 */
export function reconstruct(model: tf.LayersModel, ex: Examples, chunk = 1000): Float32Array {
  checkImageSize(model, ex, 'reconstruct');
  if (!Number.isInteger(chunk) || chunk < 1) throw new ArgumentError(`reconstruct: chunk must be a whole number ≥ 1, got ${String(chunk)}.`);
  // YOUR CODE HERE
  throw new NotImplemented('reconstruct');
}

/** Mean squared error between the examples and their reconstructions, over all pixels of all images. */
export function reconstructionMse(model: tf.LayersModel, ex: Examples): number {
  const y = reconstruct(model, ex);
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (y[i]! - ex.x[i]!) ** 2;
  return sum / y.length;
}
