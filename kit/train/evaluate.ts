import { ArgumentError } from '#kit/errors';
import { tf } from '#kit/tf';
import { checkInteger } from './checks.ts';
import { checkExamples, type Examples } from './examples.ts';

/** Rows per forward pass when evaluating: big enough to amortise per-call overhead, small enough for memory. */
export const EVAL_CHUNK = 2000;

/**
 * Runs the model in inference mode (dropout off, batch-norm on its moving averages) over `ex` in chunks
 * of `chunk` rows and hands each chunk's outputs to `visit` as a row-major Float32Array, with the
 * index of the chunk's first row. Memory stays bounded by one chunk whatever the dataset size.
 */
export function forEachOutputChunk(
  model: tf.LayersModel,
  ex: Examples,
  visit: (outputs: Float32Array, start: number, size: number) => void,
  chunk = EVAL_CHUNK,
): void {
  checkExamples('the examples', ex);
  checkInteger('chunk', chunk, 1, 'rows per forward pass');
  const { features } = ex;
  for (let start = 0; start < ex.count; start += chunk) {
    const size = Math.min(chunk, ex.count - start);
    const outputs = tf.tidy(() => {
      const x = tf.tensor2d(ex.x.subarray(start * features, (start + size) * features), [size, features]);
      const y = model.predict(x);
      if (Array.isArray(y)) throw new ArgumentError('forEachOutputChunk: the model must have a single output.');
      return y.dataSync() as Float32Array;
    });
    visit(outputs, start, size);
  }
}

export interface ClassifierEvaluation {
  /** Mean softmax cross-entropy of the logits against the labels (natural log). */
  loss: number;
  /** Fraction of examples whose largest logit is at the label. */
  accuracy: number;
  count: number;
}

/**
 * Mean cross-entropy and accuracy of a classifier whose outputs are logits, in one chunked pass. The
 * log-softmax is computed in float64 from the float32 logits (log-sum-exp with the maximum
 * subtracted), so this is a reference that network code can be compared against.
 */
export function evaluateClassifier(model: tf.LayersModel, ex: Examples, chunk = EVAL_CHUNK): ClassifierEvaluation {
  const labels = ex.labels;
  if (labels === undefined) throw new ArgumentError('evaluateClassifier: the examples have no labels.');
  let lossSum = 0;
  let correct = 0;
  let classes = 0;
  forEachOutputChunk(
    model,
    ex,
    (logits, start, size) => {
      classes = logits.length / size;
      for (let r = 0; r < size; r++) {
        const label = labels[start + r]!;
        if (label >= classes) {
          throw new ArgumentError(
            `evaluateClassifier: label ${String(label)} of example ${String(start + r)} is out of range for a model with ${String(classes)} outputs.`,
          );
        }
        const row = r * classes;
        let best = 0;
        let max = -Infinity;
        for (let k = 0; k < classes; k++) {
          const v = logits[row + k]!;
          if (v > max) {
            max = v;
            best = k;
          }
        }
        let sum = 0;
        for (let k = 0; k < classes; k++) sum += Math.exp(logits[row + k]! - max);
        lossSum += max + Math.log(sum) - logits[row + label]!;
        if (best === label) correct++;
      }
    },
    chunk,
  );
  return { loss: lossSum / ex.count, accuracy: correct / ex.count, count: ex.count };
}

/** Fraction of `ex` the classifier gets right (argmax of its outputs). */
export function accuracy(model: tf.LayersModel, ex: Examples, chunk = EVAL_CHUNK): number {
  return evaluateClassifier(model, ex, chunk).accuracy;
}

/** Mean softmax cross-entropy of the classifier's logits on `ex`. */
export function meanCrossEntropy(model: tf.LayersModel, ex: Examples, chunk = EVAL_CHUNK): number {
  return evaluateClassifier(model, ex, chunk).loss;
}
