/**
 * tfjs helpers the exercises' tests share (02, 04, 07, 08, their hidden tests): a model's Dense layers
 * and trainable tensors, its predictions, and a forward pass computed by hand in float64 from its own
 * weights. Public: the public tests use all of it, and none of it builds or trains a model for a student.
 */
import { tf } from '#kit/tf';
import { concat } from '#kit/testing';

/** Dense layers in order, whatever other layers (activations, dropout, batch-norm) sit between them. */
export const denseLayers = (m: tf.LayersModel): tf.layers.Layer[] => m.layers.filter((l) => l.getClassName() === 'Dense');

/** The model's trainable tensors in `trainableWeights` order, copied out. */
export const trainable = (m: tf.LayersModel): Float32Array[] => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array);

/** Every trainable tensor, flattened in `trainableWeights` order (the layout of exercise 02's extractModelParams). */
export const flatTrainable = (m: tf.LayersModel): Float32Array => concat(trainable(m));

/** `m.predict` on rows of `features` numbers (inference mode), copied out. */
export const predict = (m: tf.LayersModel, x: Float32Array, features: number): Float32Array =>
  tf.tidy(() => (m.predict(tf.tensor2d(x, [x.length / features, features])) as tf.Tensor).dataSync() as Float32Array);

/** max |a − b| of two tensors of one shape. */
export const tensorMaxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]!);

const isVariable = (t: tf.Tensor): t is tf.Variable => t instanceof tf.Variable;

/** The tf.Variable a layer weight wraps (what tf.variableGrads differentiates with respect to). */
export function variableOf(w: tf.LayerVariable): tf.Variable {
  const v = w.read();
  if (!isVariable(v)) throw new Error(`${w.name} is not backed by a tf.Variable`);
  return v;
}

const relu = (z: number): number => Math.max(0, z);
const identity = (z: number): number => z;

export interface HandForwardOptions {
  /** The activation between Dense layers (default ReLU). */
  hidden?: (z: number) => number;
  /** Applied to each output row as a whole (default: none, the logits); e.g. `softmaxRow` for what a softmax layer gives. */
  outputRow?: (row: Float64Array) => Float64Array;
  /** Applied to each output entry (default identity); e.g. ReLU for what a ReLU on the output gives. */
  output?: (z: number) => number;
}

/**
 * Forward pass in float64 through the model's Dense layers only, from their own weights: `hidden` after
 * every Dense layer but the last, which stays linear unless `output`/`outputRow` say otherwise (to
 * compute what a usual mistake gives). Layers other than Dense (dropout, batch-norm) are skipped.
 */
export function handForward(m: tf.LayersModel, x: Float32Array, features: number, options: HandForwardOptions = {}): Float64Array {
  const layers = denseLayers(m);
  const hidden = options.hidden ?? relu;
  const output = options.output ?? identity;
  let h = Float64Array.from(x);
  let width = features;
  layers.forEach((layer, li) => {
    const [kernel, bias] = layer.getWeights().map((w) => w.dataSync());
    const units = bias!.length;
    const rows = h.length / width;
    const next = new Float64Array(rows * units);
    const last = li === layers.length - 1;
    for (let r = 0; r < rows; r++) {
      for (let u = 0; u < units; u++) {
        let z = bias![u]!;
        for (let f = 0; f < width; f++) z += h[r * width + f]! * kernel![f * units + u]!;
        next[r * units + u] = last ? output(z) : hidden(z);
      }
      if (last && options.outputRow !== undefined) next.set(options.outputRow(next.subarray(r * units, (r + 1) * units)), r * units);
    }
    h = next;
    width = units;
  });
  return h;
}

/** softmax of one row, in float64 (shifted by the row's maximum). */
export function softmaxRow(row: ArrayLike<number>): Float64Array {
  const max = Math.max(...Array.from(row));
  const e = Float64Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

/**
 * Mean softmax cross-entropy and accuracy of logits (rows of `classes`) in float64, and each example's
 * cross-entropy (log Σₖ e^zₖ − z_y).
 */
export function handLossAccuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): { loss: number; acc: number; perExample: number[] } {
  const perExample: number[] = [];
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from({ length: classes }, (_, k) => logits[i * classes + k]!);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    perExample.push(lse - row[labels[i]!]!);
    if (row.indexOf(max) === labels[i]) right++;
  }
  return { loss: perExample.reduce((a, b) => a + b, 0) / labels.length, acc: right / labels.length, perExample };
}
