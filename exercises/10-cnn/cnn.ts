/**
 * Exercise 10, part 2 — a convolutional network for handwritten digits.
 *
 *   x (28×28×1) → conv k×k, f₁ filters, ReLU → max-pool → conv k×k, f₂ filters, ReLU → max-pool
 *     → flatten → dense 10 (logits)
 *
 * A convolution shares one small kernel across every position of the image, so it has k·k·c_in·f + f
 * parameters however big the image is, and it sees that a stroke is a stroke wherever it lies. Pooling
 * halves the resolution, so the second convolution's 3×3 window covers a larger part of the digit.
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, checkExamples, forEachOutputChunk, trainStep, type Examples } from '#kit/train';

export interface CnnOptions {
  /** Seeds every kernel initialiser; the same seed builds the same network. */
  seed: number;
  /** [height, width, channels] of one image; default [28, 28, 1] (MNIST). */
  inputShape?: readonly [number, number, number];
  /** Filters of the two convolutions; default [16, 32]. */
  filters?: readonly [number, number];
  /** Side of the square convolution kernels; default 3. */
  kernelSize?: number;
  /** Side (and stride) of the square max-pooling windows; default 2. */
  poolSize?: number;
  /** Output units (classes); default 10. */
  classes?: number;
}

/** The options with their defaults filled in, checked. */
export function cnnConfig(options: CnnOptions): Required<CnnOptions> {
  const o = { inputShape: [28, 28, 1] as const, filters: [16, 32] as const, kernelSize: 3, poolSize: 2, classes: 10, ...options };
  const whole = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ArgumentError(`buildCnn: ${name} must be a whole number ≥ 1, got ${String(v)}.`);
    }
  };
  if (!Number.isInteger(o.seed)) throw new ArgumentError(`buildCnn: seed must be an integer, got ${String(o.seed)}. Pass e.g. { seed: 1 }.`);
  if (o.inputShape.length !== 3) throw new ArgumentError(`buildCnn: inputShape must be [height, width, channels], got [${o.inputShape.join(', ')}].`);
  if (o.filters.length !== 2) throw new ArgumentError(`buildCnn: filters must be two numbers (one per convolution), got [${o.filters.join(', ')}].`);
  o.inputShape.forEach((d, i) => { whole(`inputShape[${String(i)}]`, d); });
  o.filters.forEach((d, i) => { whole(`filters[${String(i)}]`, d); });
  whole('kernelSize', o.kernelSize);
  whole('poolSize', o.poolSize);
  whole('classes', o.classes);
  // 'valid' convolutions and pools: each stage must leave at least one position.
  let side = Math.min(o.inputShape[0], o.inputShape[1]);
  for (let stage = 0; stage < 2; stage++) {
    side = Math.floor((side - o.kernelSize + 1) / o.poolSize);
    if (side < 1) {
      throw new ArgumentError(
        `buildCnn: a ${String(o.inputShape[0])}×${String(o.inputShape[1])} image is too small for two ${String(o.kernelSize)}×${String(o.kernelSize)} ` +
          `convolutions each followed by a ${String(o.poolSize)}×${String(o.poolSize)} pool; use a smaller kernel or pool.`,
      );
    }
  }
  return o;
}

/**
 * The digit classifier, a `tf.Sequential` of exactly these layers, in this order:
 *
 * 1. `tf.layers.reshape({ targetShape: inputShape, inputShape: [h·w·c] })` — the kit's mini-batches hold
 *    flat rows of h·w·c pixels; this turns each back into an image;
 * 2. `tf.layers.conv2d` with `filters[0]` filters of `kernelSize` × `kernelSize`, stride 1, padding 'valid',
 *    `activation: 'relu'`;
 * 3. `tf.layers.maxPooling2d({ poolSize })` (stride = poolSize, 'valid');
 * 4. the same convolution with `filters[1]` filters, ReLU;
 * 5. the same max-pool;
 * 6. `tf.layers.flatten()`;
 * 7. `tf.layers.dense` with `classes` units and no activation (the logits).
 *
 * Every kernel (both convolutions and the dense layer) is He-initialised,
 * `tf.initializers.heNormal({ seed: rng.seed() })` with `rng = new Rng(seed)`, each layer with its own
 * draw; biases start at zero. With the defaults that is 12,810 parameters; the README derives the count.
 */
export function buildCnn(options: CnnOptions): tf.Sequential {
  const o = cnnConfig(options);
  const rng = new Rng(o.seed);
  // YOUR CODE HERE
  throw new NotImplemented('buildCnn');
}

export interface TrainCnnOptions {
  /** Seed of the mini-batch order. */
  seed: number;
  /** Passes over the training set; default 6. */
  epochs?: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate; default 4e-3. */
  learningRate?: number;
  /** Accuracy on these examples after every epoch, when given (e.g. the test digits). */
  validation?: Examples;
  /** Title of the progress line; `false` prints nothing. Default '10-cnn'. */
  progress?: string | false;
}

export interface CnnHistory {
  /** Per epoch: mean training cross-entropy over the epoch's batches, each weighted by its size. */
  loss: number[];
  /** Per epoch: accuracy on `validation` after the epoch (empty without validation). */
  valAccuracy: number[];
}

function checkTrainOptions(o: TrainCnnOptions): Required<Omit<TrainCnnOptions, 'validation'>> {
  const full = { epochs: 6, batchSize: 128, learningRate: 4e-3, progress: '10-cnn', ...o };
  const bad = (what: string, value: unknown, want: string): ArgumentError =>
    new ArgumentError(`trainCnn: ${what} must be ${want}, got ${String(value)}.`);
  if (!Number.isInteger(full.seed)) throw bad('seed', full.seed, 'an integer');
  if (!Number.isInteger(full.epochs) || full.epochs < 1) throw bad('epochs', full.epochs, 'a whole number ≥ 1');
  if (!Number.isInteger(full.batchSize) || full.batchSize < 1) throw bad('batchSize', full.batchSize, 'a whole number ≥ 1');
  if (!(full.learningRate > 0 && Number.isFinite(full.learningRate))) throw bad('learningRate', full.learningRate, 'a finite number > 0');
  return full;
}

/** Throws an ArgumentError unless `ex` is labelled and its rows have as many numbers as the model's input. */
export function checkDigits(model: tf.LayersModel, ex: Examples, fn: string, labelled = true): void {
  const classes = model.outputs[0]?.shape.at(-1);
  checkExamples(`${fn}: the examples`, ex, labelled && typeof classes === 'number' ? classes : undefined);
  if (labelled && ex.labels === undefined) throw new ArgumentError(`${fn}: the examples have no labels; make them with toExamples(loadMnist(...)).`);
  const inputs = model.inputs[0]?.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
  if (inputs !== ex.features) {
    throw new ArgumentError(
      `${fn}: the model takes ${String(inputs)} numbers per image but the examples have ${String(ex.features)}; ` +
        'build it with the inputShape of these images.',
    );
  }
}

/**
 * Trains `model` in place on `train` (labelled, pixels in [0, 1]): mean softmax cross-entropy of the
 * logits, Adam with `learningRate`, one `trainStep(model, optimizer, batch)` (#kit/train) per mini-batch
 * of `batches(train, { batchSize, seed, oneHot: classes })` (#kit/train: every `for…of` over it is one
 * epoch in a fresh seeded order), `epochs` times. Show the progress line with `progress()` from
 * #kit/progress unless `options.progress` is false, and dispose of the optimizer at the end.
 *
 * Returns the history: `loss[e]` is the epoch's batch losses averaged with the batch sizes as weights,
 * `valAccuracy[e]` (with `validation`) the accuracy after epoch e (`predictClasses` against the labels).
 */
export function trainCnn(model: tf.LayersModel, train: Examples, options: TrainCnnOptions): CnnHistory {
  const o = checkTrainOptions(options);
  checkDigits(model, train, 'trainCnn');
  if (options.validation !== undefined) checkDigits(model, options.validation, 'trainCnn (validation)');
  // YOUR CODE HERE
  throw new NotImplemented('trainCnn');
}

/**
 * The predicted class of every example: the index of its largest logit, in the examples' order. Run the
 * model in inference mode in chunks (`forEachOutputChunk` from #kit/train hands you each chunk's logits
 * as a row-major Float32Array) and leave no tensors behind. Ties go to the lower class.
 */
export function predictClasses(model: tf.LayersModel, ex: Examples): Int32Array {
  checkDigits(model, ex, 'predictClasses', false);
  // YOUR CODE HERE
  throw new NotImplemented('predictClasses');
}

/** Fraction of positions where `predicted` equals `labels`. */
export function accuracyOf(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length || labels.length === 0) {
    throw new ArgumentError(`accuracyOf: ${String(predicted.length)} predictions for ${String(labels.length)} labels; both must be the same, non-zero length.`);
  }
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}
