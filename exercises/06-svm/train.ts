/**
 * Exercise 06, parts 4 and 5 — training the linear SVM with SGD and weight decay, and a better setting.
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, trainStep, type Examples, type LossFn } from '#kit/train';
import { accuracy, SVMLoss, svmTargets, type ClassPair } from './svm.ts';

/** One training setting. Weight decay λ adds λ·θ to every parameter's gradient (as PyTorch's SGD does). */
export interface SvmConfig {
  /** Weight of the hinge loss (SVMLoss's C). */
  C: number;
  learningRate: number;
  /** λ: the gradient of (λ/2)·‖θ‖², over the kernel AND the bias, is added to the hinge loss's. */
  weightDecay: number;
  /** Heavy-ball momentum (0 = plain SGD): v ← μ·v + g, θ ← θ − lr·v. */
  momentum: number;
  epochs: number;
  batchSize: number;
}

/** The homework's setting: C = 1, SGD with learning rate 0.1 and weight decay 0.5, batch 64, 50 epochs. */
export const HOMEWORK_CONFIG: Readonly<SvmConfig> = Object.freeze({
  C: 1,
  learningRate: 0.1,
  weightDecay: 0.5,
  momentum: 0,
  epochs: 50,
  batchSize: 64,
});

/**
 * Part 5: your improved setting. It must reach a higher validation accuracy than HOMEWORK_CONFIG on the
 * same data, within the same budget (at most 50 epochs, batch size ≥ 16). Explain your choice in a
 * comment: what was wrong with the homework's setting, and why your change fixes it.
 */
export function improvedConfig(): SvmConfig {
  // YOUR CODE HERE
  throw new NotImplemented('improvedConfig');
}

/** Throws an ArgumentError unless `config` is a usable setting. */
export function checkConfig(config: SvmConfig, fn: string): void {
  const problems: string[] = [];
  if (!(config.C > 0 && Number.isFinite(config.C))) problems.push(`C = ${String(config.C)} (need > 0)`);
  if (!(config.learningRate > 0 && Number.isFinite(config.learningRate))) problems.push(`learningRate = ${String(config.learningRate)} (need > 0)`);
  if (!(config.weightDecay >= 0 && Number.isFinite(config.weightDecay))) problems.push(`weightDecay = ${String(config.weightDecay)} (need ≥ 0)`);
  if (!(config.momentum >= 0 && config.momentum < 1)) problems.push(`momentum = ${String(config.momentum)} (need 0 ≤ μ < 1)`);
  if (!Number.isInteger(config.epochs) || config.epochs < 1) problems.push(`epochs = ${String(config.epochs)} (need a whole number ≥ 1)`);
  if (!Number.isInteger(config.batchSize) || config.batchSize < 1) problems.push(`batchSize = ${String(config.batchSize)} (need a whole number ≥ 1)`);
  if (problems.length > 0) {
    throw new ArgumentError(`${fn}: bad SVM setting: ${problems.join('; ')}. The homework's is C 1, learningRate 0.1, weightDecay 0.5, momentum 0, 50 epochs, batch 64.`);
  }
}

/**
 * A linear model with one output per image: score = w·x + b, `features + 1` parameters (3,073 for
 * CIFAR-10, 785 for Fashion-MNIST). Seed the kernel initialiser from `new Rng(seed).seed()`.
 */
export function buildSvm(features: number, seed: number): tf.LayersModel {
  if (!Number.isInteger(features) || features < 1) throw new ArgumentError(`buildSvm: features must be a whole number ≥ 1, got ${String(features)}.`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`buildSvm: seed must be an integer, got ${String(seed)}.`);
  // YOUR CODE HERE
  throw new NotImplemented('buildSvm');
}

/** The model's score for every example (count numbers), predicted in chunks, leaving no tensors behind. */
export function scores(model: tf.LayersModel, ex: Examples, chunk = 2000): Float32Array {
  const inputSize = model.inputs[0]?.shape[1];
  if (ex.features !== inputSize) {
    throw new ArgumentError(
      `scores: the model takes ${String(inputSize)} features but the examples have ${String(ex.features)} per image; ` +
        `build the SVM with buildSvm(examples.features, seed).`,
    );
  }
  const out = new Float32Array(ex.count);
  for (let start = 0; start < ex.count; start += chunk) {
    const end = Math.min(ex.count, start + chunk);
    const s = tf.tidy(() => model.predict(tf.tensor2d(ex.x.subarray(start * ex.features, end * ex.features), [end - start, ex.features]), { batchSize: end - start }) as tf.Tensor);
    // Read outside tidy: tidy searches what it returns for tensors, a Float32Array element by element.
    out.set(s.dataSync(), start);
    s.dispose();
  }
  return out;
}

/** Hinge loss (C · mean) and accuracy of `model` on all of `ex`. */
export function evaluate(model: tf.LayersModel, ex: Examples, classes: ClassPair, C: number): { loss: number; accuracy: number } {
  const s = scores(model, ex);
  const y = svmTargets(labelsOf(ex), classes);
  const loss = tf.tidy(() => new SVMLoss(C).apply(tf.tensor1d(s), tf.tensor1d(y)).dataSync()[0]!);
  return { loss, accuracy: accuracy(s, y) };
}

export function labelsOf(ex: Examples): Uint8Array {
  if (ex.labels === undefined) {
    throw new ArgumentError('The SVM needs labelled examples: these have no labels. Build them with normalize() or prepareSvmData().');
  }
  return ex.labels;
}

/** Throws an ArgumentError naming the first label that is not one of the pair. */
function checkLabels(labels: Uint8Array, classes: ClassPair, where: string): void {
  const bad = labels.findIndex((l) => l !== classes[0] && l !== classes[1]);
  if (bad >= 0) {
    throw new ArgumentError(
      `trainSvm: ${where}.labels[${String(bad)}] = ${String(labels[bad])} is neither ${String(classes[0])} (→ −1) nor ` +
        `${String(classes[1])} (→ +1); keep only the pair's examples (selectClasses / prepareSvmData).`,
    );
  }
}

/** Per-epoch curves, one entry per epoch. */
export interface SvmHistory {
  /** Mean of the epoch's batch hinge losses (C · mean hinge, without the weight-decay term), weighted by batch size. */
  trainLoss: number[];
  /** Hinge loss on the validation part after the epoch. */
  valLoss: number[];
  /** Accuracy on the whole training part after the epoch. */
  trainAcc: number[];
  valAcc: number[];
}

/**
 * Trains `model` in place with mini-batch SGD on `new SVMLoss(config.C)` plus weight decay:
 *
 * - batches from `batches(data.train, { batchSize, seed })` (#kit/train), one `for…of` per epoch, and
 *   one step per batch with `trainStep(model, optimizer, batch, { loss, penalty })` (#kit/train);
 * - `loss(batch, output)`: the SVMLoss of the output against the batch's targets (`svmTargets` of
 *   `data.train.labels`, taken at `batch.indices`);
 * - `penalty()`: (λ/2)·Σ θ² over ALL trainable weights (kernel and bias), whose gradient adds λ·θ as
 *   PyTorch's `weight_decay` does (trainStep reports the loss without it);
 * - optimiser `tf.train.sgd(lr)`, or `tf.train.momentum(lr, μ)` when μ > 0;
 * - after each epoch: trainLoss (the epoch's batch losses, hinge only, averaged), and `evaluate` on the
 *   train and validation parts for the accuracies and the validation loss;
 * - unless `options.progress` is false, a `progress()` display from #kit/progress titled
 *   `options.progress` (default '06-svm'): `batch({ loss })` after every step, and after every epoch
 *   `epoch({ loss, acc, valLoss, valAcc })` with that epoch's trainLoss, trainAcc, valLoss and valAcc.
 */
export function trainSvm(
  model: tf.LayersModel,
  data: { train: Examples; val: Examples; classes: ClassPair },
  config: SvmConfig,
  options: { seed: number; progress?: string | false },
): SvmHistory {
  checkConfig(config, 'trainSvm');
  if (!Number.isInteger(options.seed)) throw new ArgumentError(`trainSvm: seed must be an integer, got ${String(options.seed)}.`);
  for (const [part, ex] of [['train', data.train], ['val', data.val]] as const) {
    if (ex.features !== model.inputs[0]?.shape[1] || ex.count < 1) {
      throw new ArgumentError(
        `trainSvm: the model takes ${String(model.inputs[0]?.shape[1])} features per image but data.${part} has ` +
          `${String(ex.features)} (${String(ex.count)} examples); build the model with buildSvm(data.train.features, seed).`,
      );
    }
  }
  checkLabels(labelsOf(data.train), data.classes, 'data.train');
  checkLabels(labelsOf(data.val), data.classes, 'data.val');
  // YOUR CODE HERE
  throw new NotImplemented('trainSvm');
}
