import { ArgumentError } from '#kit/errors';
import { progress as startProgress, type Progress } from '#kit/progress';
import { tf } from '#kit/tf';
import { batches as makeBatches, type Batch } from './batches.ts';
import { checkInteger } from './checks.ts';
import { evaluateClassifier } from './evaluate.ts';
import { checkExamples, type Examples } from './examples.ts';

/**
 * The kit's minimal training loop: mini-batches in a seeded order (`batches`), one
 * `optimizer.minimize` per batch, chunked evaluation. No `model.fit`: it shuffles with the unseeded
 * Math.random, and its per-batch callbacks cost time.
 */

/** The data term of a step's cost, from the batch and the model's outputs on it (training mode). */
export type LossFn = (batch: Batch, outputs: tf.Tensor) => tf.Scalar;

/** Mean softmax cross-entropy from logits; needs one-hot `y` (batches made with `oneHot`). */
export const softmaxCrossEntropy: LossFn = (batch, logits) => {
  if (batch.y === undefined || batch.y.rank !== 2) {
    throw new ArgumentError(
      'softmaxCrossEntropy needs one-hot labels: build the batches with { oneHot: numClasses }.',
    );
  }
  return tf.losses.softmaxCrossEntropy(batch.y, logits);
};

export interface StepOptions {
  /** Default: softmaxCrossEntropy. */
  loss?: LossFn;
  /** Added to the cost but not to the reported loss, e.g. an L2 penalty on the kernels. */
  penalty?: () => tf.Scalar;
  /** Read the loss back (one small device→host copy). Default true. */
  readLoss?: boolean;
  /** Also count correct argmax predictions (a few extra small kernels per step). Default false. */
  countCorrect?: boolean;
}

export interface StepResult {
  /** The batch's data loss (without the penalty); NaN when not read. */
  loss: number;
  /** Correct predictions in the batch; NaN when not counted. */
  correct: number;
}

/** One optimizer step on `batch`: forward in training mode (dropout, batch statistics), backward, update. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, batch: Batch, options: StepOptions = {}): StepResult {
  const lossFn = options.loss ?? softmaxCrossEntropy;
  const readLoss = options.readLoss ?? true;
  const countCorrect = options.countCorrect ?? false;
  let dataLoss: tf.Scalar | undefined;
  let correct: tf.Scalar | undefined;
  try {
    optimizer.minimize(() => {
      const outputs = model.apply(batch.x, { training: true }) as tf.Tensor;
      const loss = lossFn(batch, outputs);
      // minimize runs this inside a tidy and frees everything but the cost; keep what we read later.
      if (readLoss) dataLoss = tf.keep(loss.clone());
      if (countCorrect && batch.y !== undefined) {
        const labels = batch.y.rank === 2 ? tf.argMax(batch.y, -1) : batch.y;
        correct = tf.keep(tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(outputs, -1), labels), 'int32')));
      }
      return options.penalty === undefined ? loss : tf.add(loss, options.penalty());
    }, false);
    return {
      loss: dataLoss === undefined ? NaN : dataLoss.dataSync()[0]!,
      correct: correct === undefined ? NaN : correct.dataSync()[0]!,
    };
  } finally {
    dataLoss?.dispose();
    correct?.dispose();
  }
}

export interface TrainOptions extends Omit<StepOptions, 'readLoss'> {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  data: Examples;
  epochs: number;
  batchSize: number;
  /** Seeds the batch order of every epoch. */
  seed: number;
  /** One-hot size for labelled data (default 10); ignored for unlabelled data. */
  numClasses?: number;
  /** Evaluated (loss, accuracy) after every epoch; a classifier with logits outputs is assumed. */
  validation?: Examples;
  /** Title of the progress display, or false for none. Default: 'training'. */
  progress?: string | false;
  /** Called after every step with the batch's loss (NaN if `readLoss` was turned off). */
  onBatch?: (info: { epoch: number; index: number; size: number; loss: number }) => void;
  onEpoch?: (info: EpochRecord) => void;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's examples (each batch weighted by its size). */
  loss: number;
  /** Fraction right on the training batches while training, when countCorrect. */
  acc?: number;
  valLoss?: number;
  valAcc?: number;
  seconds: number;
}

/** Trains `epochs` epochs with `trainStep`, shows progress, and returns one record per epoch. */
export function train(options: TrainOptions): EpochRecord[] {
  const { model, optimizer, data, epochs, batchSize, seed } = options;
  checkExamples('data', data);
  checkInteger('epochs', epochs, 1, 'passes over the training data');
  const numClasses = data.labels === undefined ? undefined : (options.numClasses ?? 10);
  const source = makeBatches(data, { batchSize, seed, ...(numClasses === undefined ? {} : { oneHot: numClasses }) });
  const display: Progress | undefined =
    options.progress === false
      ? undefined
      : startProgress({ title: options.progress ?? 'training', epochs, batchesPerEpoch: source.length });
  const records: EpochRecord[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (const batch of source) {
        const step = trainStep(model, optimizer, batch, { ...options, readLoss: true });
        lossSum += step.loss * batch.size;
        correct += step.correct;
        display?.batch({ loss: step.loss, ...(options.countCorrect === true ? { acc: step.correct / batch.size } : {}) });
        options.onBatch?.({ epoch, index: batch.index, size: batch.size, loss: step.loss });
      }
      const record: EpochRecord = { epoch, loss: lossSum / data.count, seconds: 0 };
      if (options.countCorrect === true) record.acc = correct / data.count;
      if (options.validation !== undefined) {
        const v = evaluateClassifier(model, options.validation);
        record.valLoss = v.loss;
        record.valAcc = v.accuracy;
      }
      record.seconds = (performance.now() - t0) / 1000;
      display?.epoch({ loss: record.loss, acc: record.acc, valLoss: record.valLoss, valAcc: record.valAcc });
      options.onEpoch?.(record);
      records.push(record);
    }
  } finally {
    display?.done();
  }
  return records;
}
