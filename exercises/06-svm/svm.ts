/**
 * Exercise 06 — a linear support vector machine trained by (stochastic) sub-gradient descent on the
 * hinge loss (homework 3, problem 1).
 *
 * The soft-margin SVM minimises ½‖w‖² + C · (1/n) Σᵢ max(0, 1 − yᵢ(wᵀxᵢ + b)) with labels yᵢ ∈ {−1, +1}.
 * Written without slack variables, the second term is the hinge loss, and the ½‖w‖² term is exactly what
 * SGD's weight decay adds to the gradient. So an SVM is a one-output linear model trained on
 * C · mean(max(0, 1 − y·ŷ)) with weight decay.
 */
import { subset, trainValSplit, type ImageDataset } from '#kit/data';
import { ArgumentError, NotImplemented } from '#kit/errors';
import { tf } from '#kit/tf';
import type { Examples } from '#kit/train';

// ---- the loss (homework part 3) ------------------------------------------------------------------

function checkC(C: number): void {
  if (!(typeof C === 'number' && Number.isFinite(C) && C > 0)) {
    throw new ArgumentError(
      `SVMLoss: C must be a finite number > 0 (it weighs the hinge loss against the weight decay), got ${String(C)}. ` +
        `The homework uses C = 1; smaller C means a softer margin.`,
    );
  }
}

/** Size of a prediction of shape [n] or [n, 1], or an ArgumentError. */
function checkLossShapes(prediction: tf.Tensor, target: tf.Tensor): void {
  const n = target.shape[0];
  const column = prediction.rank === 2 && prediction.shape[1] === 1;
  if (target.rank !== 1 || !(prediction.rank === 1 || column) || prediction.shape[0] !== n || n === 0) {
    throw new ArgumentError(
      `SVMLoss: expected predictions of shape [n] or [n, 1] and targets of shape [n] with n ≥ 1, got ` +
        `[${prediction.shape.join(', ')}] and [${target.shape.join(', ')}]. Pass one score per example and one label ` +
        `(−1 or +1) per example.`,
    );
  }
}

function checkTargets(target: tf.Tensor): void {
  const values = target.dataSync();
  const bad = values.findIndex((v) => v !== -1 && v !== 1);
  if (bad >= 0) {
    throw new ArgumentError(
      `SVMLoss: targets must be −1 or +1, but target[${String(bad)}] = ${String(values[bad])}. Map the class labels ` +
        `first with svmTargets (6 → −1, 7 → +1 for CIFAR-10 frog/horse).`,
    );
  }
}

/**
 * The SVM's data term, C · (1/n) Σᵢ max(0, 1 − yᵢ·ŷᵢ): zero for examples on the right side of the
 * margin (y·ŷ ≥ 1), growing linearly for the others.
 */
export class SVMLoss {
  readonly C: number;

  constructor(C: number) {
    checkC(C);
    this.C = C;
  }

  /**
   * The loss for predictions ŷ (shape [n], or [n, 1] as a one-output model returns them) and targets y
   * (shape [n], values −1 or +1), as a scalar tensor that tfjs can differentiate.
   *
   * Reshape the prediction to [n] first: [n, 1] times [n] broadcasts to an n × n matrix. Use a mean, not
   * a sum (the loss must not depend on the batch size), and `tf.relu` for max(0, ·).
   */
  apply(prediction: tf.Tensor, target: tf.Tensor): tf.Scalar {
    checkLossShapes(prediction, target);
    checkTargets(target);
    // YOUR CODE HERE
    throw new NotImplemented('SVMLoss.apply');
  }
}

/** `svmLoss(C)(prediction, target)` is `new SVMLoss(C).apply(prediction, target)`. */
export function svmLoss(C: number): (prediction: tf.Tensor, target: tf.Tensor) => tf.Scalar {
  const loss = new SVMLoss(C);
  return (prediction, target) => loss.apply(prediction, target);
}

// ---- labels (part 4's tips) ----------------------------------------------------------------------

/** The two classes of the binary problem: `[negative, positive]`; CIFAR-10 frog (6) → −1, horse (7) → +1. */
export type ClassPair = readonly [negative: number, positive: number];
export const FROG_HORSE: ClassPair = [6, 7];
/** The Fashion-MNIST stand-in when CIFAR-10 is not installed: pullover (2) → −1, coat (4) → +1. */
export const PULLOVER_COAT: ClassPair = [2, 4];

function checkPair(classes: ClassPair, fn: string): void {
  const [a, b] = classes;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a > 255 || b > 255 || a === b) {
    throw new ArgumentError(`${fn}: classes must be two different labels 0..255 [negative, positive], got [${String(a)}, ${String(b)}].`);
  }
}

/**
 * Maps class labels to SVM targets: `classes[0]` → −1, `classes[1]` → +1. Any other label is an
 * ArgumentError (a frog/horse model has nothing to say about a cat).
 */
export function svmTargets(labels: ArrayLike<number>, classes: ClassPair = FROG_HORSE): Float32Array {
  checkPair(classes, 'svmTargets');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== classes[0] && labels[i] !== classes[1]) {
      throw new ArgumentError(
        `svmTargets: label ${String(labels[i])} at index ${String(i)} is neither ${String(classes[0])} (→ −1) nor ` +
          `${String(classes[1])} (→ +1). Keep only the two classes first (selectClasses).`,
      );
    }
  }
  // YOUR CODE HERE
  throw new NotImplemented('svmTargets');
}

/** The class an SVM predicts from its scores: +1 where the score is > 0, −1 elsewhere (0 counts as −1). */
export function predictTargets(scores: ArrayLike<number>): Float32Array {
  // YOUR CODE HERE
  throw new NotImplemented('predictTargets');
}

/** The fraction of examples whose predicted target (from `scores`) equals `targets` (−1/+1). */
export function accuracy(scores: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (scores.length !== targets.length || scores.length === 0) {
    throw new ArgumentError(`accuracy: need as many scores as targets (≥ 1), got ${String(scores.length)} and ${String(targets.length)}.`);
  }
  const predicted = predictTargets(scores);
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === targets[i]) correct++;
  return correct / predicted.length;
}

// ---- data (parts 1 and 2) ------------------------------------------------------------------------

/** The examples of `d` whose label is one of `classes`, in their original order. */
export function selectClasses(d: ImageDataset, classes: ClassPair = FROG_HORSE): ImageDataset {
  checkPair(classes, 'selectClasses');
  // YOUR CODE HERE
  throw new NotImplemented('selectClasses');
}

/** Per-channel mean and (population) standard deviation of the pixels scaled to [0, 1]. */
export interface ChannelStats {
  mean: number[];
  std: number[];
}

/**
 * Mean and standard deviation of each channel over all pixels of all images, on the [0, 1] scale
 * (byte / 255). Pixels are NHWC, so channel c of pixel p is `d.images[p * channels + c]`. Use the
 * population standard deviation (divide by the number of values) and accumulate in float64.
 */
export function channelStats(d: ImageDataset): ChannelStats {
  if (d.count < 1) throw new ArgumentError('channelStats: the dataset is empty.');
  // YOUR CODE HERE
  throw new NotImplemented('channelStats');
}

/** The homework's target statistics: every channel ends up with mean 0.25 and standard deviation 0.25. */
export const TARGET_MEAN = 0.25;
export const TARGET_STD = 0.25;

/**
 * Flattens the images and standardises each channel with `stats` (measured on the TRAINING part, then
 * applied unchanged to validation and test data), so that on the training part every channel has mean
 * 0.25 and standard deviation 0.25:
 *
 *     x' = 0.25 + 0.25 · (byte/255 − mean[c]) / std[c].
 *
 * (That is not `(x − 0.25) / 0.25`: that formula, which torchvision's Normalize(0.25, 0.25) computes,
 * gives the statistics 0.25 only to data that already has mean 0.5 and std 0.25.) Labels are kept as they
 * are.
 */
export function normalize(d: ImageDataset, stats: ChannelStats): Examples {
  if (stats.mean.length !== d.channels || stats.std.length !== d.channels) {
    throw new ArgumentError(
      `normalize: the statistics are for ${String(stats.mean.length)} channel(s) but the images have ${String(d.channels)}; ` +
        `compute them with channelStats on the training part of the same dataset.`,
    );
  }
  const flat = stats.std.findIndex((s) => !(s > 0));
  if (flat >= 0) {
    throw new ArgumentError(`normalize: channel ${String(flat)} has standard deviation ${String(stats.std[flat])}; a constant channel cannot be standardised.`);
  }
  // YOUR CODE HERE
  throw new NotImplemented('normalize');
}

/** The three parts the SVM is trained and judged on, normalised with the training part's statistics. */
export interface SvmData {
  train: Examples;
  val: Examples;
  test: Examples;
  stats: ChannelStats;
  classes: ClassPair;
}

/**
 * Parts 1–2: keep the two classes of `train` and `test`, split the training examples 70 % / 30 % into
 * train and validation with `trainValSplit(…, { valFraction, seed })` from #kit/data, compute the channel
 * statistics on the train part only, and normalise all three parts with them.
 */
export function prepareSvmData(
  train: ImageDataset,
  test: ImageDataset,
  options: { seed: number; classes?: ClassPair; valFraction?: number },
): SvmData {
  const classes = options.classes ?? FROG_HORSE;
  checkPair(classes, 'prepareSvmData');
  if (train.rows * train.cols * train.channels !== test.rows * test.cols * test.channels || train.channels !== test.channels) {
    throw new ArgumentError(
      `prepareSvmData: train images are ${String(train.rows)}×${String(train.cols)}×${String(train.channels)} but test images ` +
        `${String(test.rows)}×${String(test.cols)}×${String(test.channels)}; use both splits of the same dataset.`,
    );
  }
  // YOUR CODE HERE
  throw new NotImplemented('prepareSvmData');
}
