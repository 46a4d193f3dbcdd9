/**
 * Exercise 11, part 1 — a latent space you can look at.
 *
 * An autoencoder whose bottleneck has two units turns every digit into a point of the plane. Nothing
 * tells it which digit it saw, yet the points of one digit end up near each other: the code must hold
 * what the decoder needs to redraw the image, and the shape of a digit is most of that.
 *
 * This file also holds what every part shares, written for you: the `Autoencoder` triple, the training
 * loop (`trainAutoencoder`), `reconstruct` and `mse`.
 */
import { ArgumentError } from '#kit/errors';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, checkExamples, forEachOutputChunk, trainStep, type Examples, type LossFn } from '#kit/train';

/** Pixels of one MNIST digit. */
export const PIXELS = 784;

/**
 * An autoencoder and its two halves, sharing their layers (and so their weights).
 *
 * - `model`: image (PIXELS numbers) → reconstruction; train this one.
 * - `encoder`: image → its outputs, the first of which is the code (the bottleneck's output); a model
 *   with skip connections also outputs the feature maps its decoder receives.
 * - `decoder`: the encoder's outputs, in the same order → reconstruction. `decoder(encoder(x))` is
 *   `model(x)`.
 */
export interface Autoencoder {
  readonly model: tf.LayersModel;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
}

let names = 0;
/** `base_N`, unique in this process: tfjs refuses two layers or models with one name. */
export function uniqueName(base: string): string {
  names += 1;
  return `${base}_${String(names)}`;
}

/** Throws an ArgumentError unless `n` is a whole number ≥ 1; `what` says what it counts. */
export function checkUnits(fn: string, name: string, n: unknown, what: string): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new ArgumentError(`${fn}: ${name} (${what}) must be a whole number ≥ 1, got ${String(n)}. A layer of 0 units passes nothing on.`);
  }
}

/** Throws an ArgumentError unless `seed` is an integer. */
export function checkSeed(fn: string, seed: unknown): void {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new ArgumentError(`${fn}: seed must be an integer, got ${String(seed)}. Pass e.g. { seed: 1 }.`);
  }
}

// ---- Part 1: the dense autoencoder with a 2-D code -------------------------------------------------

export interface DenseAeOptions {
  /** Seeds every kernel initialiser. */
  seed: number;
  /** Units of the bottleneck; default 2 (a code you can plot). */
  code?: number;
  /** Units of the hidden layers between the image and the code; default [256, 64]. */
  hidden?: readonly number[];
  /** Pixels per image; default 784. */
  inputSize?: number;
}

/**
 * The dense autoencoder of part 1:
 *
 *   x (784) → Dense 256, ReLU → Dense 64, ReLU → Dense code (no activation: the code)
 *           → Dense 64, ReLU → Dense 256, ReLU → Dense 784, sigmoid
 *
 * (`hidden` gives the widths on the way in; the way out mirrors them.) The code layer has no
 * activation: a ReLU there would fold the plane into its positive quadrant. Create each layer once and
 * wire the three models with the functional API (`tf.input`, `layer.apply`, `tf.model`); the decoder
 * needs its own `tf.input({ shape: [code] })`. Glorot-uniform kernels seeded with `rng.seed()` from
 * `new Rng(seed)`, one draw per layer; names from `uniqueName`.
 */
export function buildDenseAe(options: DenseAeOptions): Autoencoder {
  const { seed, code = 2, hidden = [256, 64], inputSize = PIXELS } = options;
  checkSeed('buildDenseAe', seed);
  checkUnits('buildDenseAe', 'code', code, 'units of the bottleneck');
  checkUnits('buildDenseAe', 'inputSize', inputSize, 'pixels per image');
  const list: unknown = hidden;
  if (!Array.isArray(list)) throw new ArgumentError(`buildDenseAe: hidden must be an array of layer widths such as [256, 64], got ${String(hidden)}.`);
  hidden.forEach((h, i) => {
    checkUnits('buildDenseAe', `hidden[${String(i)}]`, h, 'units of a hidden layer');
  });
  const rng = new Rng(seed);
  // BEGIN SOLUTION
  const dense = (units: number, activation: 'relu' | 'sigmoid' | 'linear', name: string): tf.layers.Layer =>
    tf.layers.dense({ units, activation, name: uniqueName(name), kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }) });
  const down = [...hidden.map((h) => dense(h, 'relu', 'enc')), dense(code, 'linear', 'code')];
  const up = [...hidden.toReversed().map((h) => dense(h, 'relu', 'dec')), dense(inputSize, 'sigmoid', 'pixels')];
  const chain = (t: tf.SymbolicTensor, layers: tf.layers.Layer[]): tf.SymbolicTensor => layers.reduce((h, l) => l.apply(h) as tf.SymbolicTensor, t);
  const x = tf.input({ shape: [inputSize] });
  const z = tf.input({ shape: [code] });
  const codeOf = chain(x, down);
  return {
    model: tf.model({ inputs: x, outputs: chain(codeOf, up), name: uniqueName('ae') }),
    encoder: tf.model({ inputs: x, outputs: codeOf, name: uniqueName('encoder') }),
    decoder: tf.model({ inputs: z, outputs: chain(z, up), name: uniqueName('decoder') }),
  };
  // END SOLUTION
}

/** Units of an autoencoder's code: the last axis of the encoder's first output. */
export function codeSize(ae: Autoencoder): number {
  return ae.encoder.outputs[0]!.shape.at(-1) as number;
}

/** Throws an ArgumentError unless `ex` holds images of the size `model` takes. */
export function checkImages(model: tf.LayersModel, ex: Examples, fn: string): void {
  checkExamples(`${fn}: the images`, ex);
  const size = model.inputs[0]?.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  if (ex.features !== size) {
    throw new ArgumentError(
      `${fn}: the model takes images of ${String(size)} pixels but these have ${String(ex.features)} per row. ` +
        'Flatten 28×28 digits with toExamples(loadMnist(...)) (784 pixels each), or build the model for this image size.',
    );
  }
}

/**
 * The codes of `images`: the encoder's first output for every image, as one Float32Array of
 * count × code numbers in the images' order (row i is image i's code). Run the encoder in inference
 * mode and in chunks, and leave no tensors behind. A skip model's encoder has more outputs (its feature
 * maps): take only the first.
 */
export function embed(ae: Autoencoder, images: Examples): Float32Array {
  checkImages(ae.encoder, images, 'embed');
  // BEGIN SOLUTION
  const k = codeSize(ae);
  const first = ae.encoder.outputs.length === 1 ? ae.encoder : tf.model({ inputs: ae.encoder.inputs, outputs: ae.encoder.outputs[0]! });
  const codes = new Float32Array(images.count * k);
  forEachOutputChunk(first, images, (z, start) => {
    codes.set(z, start * k);
  });
  return codes;
  // END SOLUTION
}

// ---- Shared: training, reconstructions, errors (written for you) -----------------------------------

export interface TrainOptions {
  /** Seed of the mini-batch order. */
  seed: number;
  /** Passes over the training images; default 10. */
  epochs?: number;
  /** Default 64 (the homework's). */
  batchSize?: number;
  /** Adam's learning rate; default 1e-3. */
  learningRate?: number;
  /** Title of the progress line; `false` prints nothing. */
  progress?: string | false;
}

/** Per epoch: the mean squared error over the epoch's training pixels. */
export interface History {
  loss: number[];
}

/** The options with defaults, checked; `fn` names the caller in errors. */
export function trainConfig(fn: string, o: TrainOptions): Required<TrainOptions> {
  const full = { epochs: 10, batchSize: 64, learningRate: 1e-3, progress: '11-conv-autoencoders', ...o };
  const bad = (what: string, value: unknown, want: string): ArgumentError => new ArgumentError(`${fn}: ${what} must be ${want}, got ${String(value)}.`);
  if (!Number.isInteger(full.seed)) throw bad('seed', full.seed, 'an integer');
  if (!Number.isInteger(full.epochs) || full.epochs < 1) throw bad('epochs', full.epochs, 'a whole number ≥ 1');
  if (!Number.isInteger(full.batchSize) || full.batchSize < 1) throw bad('batchSize', full.batchSize, 'a whole number ≥ 1');
  if (!(full.learningRate > 0 && Number.isFinite(full.learningRate))) throw bad('learningRate', full.learningRate, 'a finite number > 0');
  return full;
}

/**
 * Trains `model` in place to reproduce its input: Adam on the mean squared error between the output and
 * the batch, one `trainStep` per mini-batch of `batches(train, { batchSize, seed })` (#kit/train).
 * Returns the per-epoch training MSE.
 */
export function trainAutoencoder(model: tf.LayersModel, train: Examples, options: TrainOptions): History {
  const o = trainConfig('trainAutoencoder', options);
  checkImages(model, train, 'trainAutoencoder');
  const data = batches(train, { batchSize: Math.min(o.batchSize, train.count), seed: o.seed });
  const optimizer = tf.train.adam(o.learningRate);
  const loss: LossFn = (batch, output) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(batch.x, output);
  const bar = o.progress === false ? undefined : progress({ title: o.progress, epochs: o.epochs, batchesPerEpoch: data.length });
  const history: History = { loss: [] };
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      let sum = 0;
      for (const batch of data) {
        const step = trainStep(model, optimizer, batch, { loss });
        sum += step.loss * batch.size;
        bar?.batch({ loss: step.loss });
      }
      history.loss.push(sum / train.count);
      bar?.epoch({ loss: history.loss[epoch]! });
    }
  } finally {
    bar?.done();
    optimizer.dispose();
  }
  return history;
}

/** The model's outputs for every image, count × features numbers in the images' order (inference mode, in chunks). */
export function reconstruct(model: tf.LayersModel, images: Examples): Float32Array {
  checkImages(model, images, 'reconstruct');
  const out = new Float32Array(images.count * images.features);
  forEachOutputChunk(model, images, (y, start) => {
    out.set(y, start * images.features);
  });
  return out;
}

/** Mean of (a[i] − b[i])² over all numbers. */
export function mse(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) {
    throw new ArgumentError(`mse: the two arrays hold ${String(a.length)} and ${String(b.length)} numbers; they must be the same, non-zero length.`);
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s / a.length;
}
