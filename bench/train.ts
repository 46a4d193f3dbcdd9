import type { ImageDataset } from '#kit/data';
import { tf } from '#kit/tf';
import type { Rng } from '#kit/rng';

/**
 * A minimal training loop: mini-batches in a seeded order and one `optimizer.minimize` per batch.
 * `model.fit` would shuffle with the unseeded Math.random and add per-batch callback overhead.
 */

/** Pixels scaled to [0, 1] and one-hot labels for the examples `order[start..end)`. */
export function batchArrays(
  data: ImageDataset,
  order: Int32Array,
  start: number,
  end: number,
  numClasses: number,
): { x: Float32Array; y: Float32Array; size: number } {
  const features = data.rows * data.cols * data.channels;
  const size = end - start;
  const x = new Float32Array(size * features);
  const y = new Float32Array(size * numClasses);
  for (let row = 0; row < size; row++) {
    const example = order[start + row]!;
    const from = example * features;
    for (let f = 0; f < features; f++) x[row * features + f] = data.images[from + f]! / 255;
    y[row * numClasses + data.labels[example]!] = 1;
  }
  return { x, y, size };
}

/** One optimizer step on softmax cross-entropy; returns the batch loss only when asked (it forces a sync). */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: { x: Float32Array; y: Float32Array; size: number },
  readLoss: boolean,
): number | undefined {
  return tf.tidy(() => {
    const features = batch.x.length / batch.size;
    const x = tf.tensor2d(batch.x, [batch.size, features]);
    const y = tf.tensor2d(batch.y, [batch.size, batch.y.length / batch.size]);
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, model.apply(x, { training: true }) as tf.Tensor),
      readLoss,
    );
    return loss?.dataSync()[0];
  });
}

/** Number of batches of `batchSize` (the last one may be smaller) covering `count` examples. */
export const batchCount = (count: number, batchSize: number): number => Math.ceil(count / batchSize);

/** Runs `batches` steps through the epoch order drawn from `rng`, starting at batch `first`. */
export function trainBatches(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: ImageDataset,
  order: Int32Array,
  batchSize: number,
  first: number,
  batches: number,
  numClasses: number,
): number | undefined {
  let loss: number | undefined;
  for (let i = first; i < first + batches; i++) {
    const start = i * batchSize;
    const end = Math.min(data.count, start + batchSize);
    loss = trainStep(model, optimizer, batchArrays(data, order, start, end, numClasses), i === first + batches - 1);
  }
  return loss;
}

/** Fraction of `data` classified correctly, predicting in chunks to bound memory. */
export function accuracy(model: tf.LayersModel, data: ImageDataset, numClasses: number, chunk = 1000): number {
  const order = Int32Array.from({ length: data.count }, (_, i) => i);
  let correct = 0;
  for (let start = 0; start < data.count; start += chunk) {
    const end = Math.min(data.count, start + chunk);
    const { x, size } = batchArrays(data, order, start, end, numClasses);
    const predicted = tf.tidy(() => {
      const logits = model.predict(tf.tensor2d(x, [size, x.length / size])) as tf.Tensor;
      return logits.argMax(-1).dataSync();
    });
    for (let i = 0; i < size; i++) if (predicted[i] === data.labels[start + i]) correct++;
  }
  return correct / data.count;
}

/** A dense MLP with ReLU hidden layers and linear logits, initialised from `rng`. */
export function mlp(sizes: readonly number[], rng: Rng): tf.Sequential {
  const model = tf.sequential();
  for (let i = 1; i < sizes.length; i++) {
    model.add(
      tf.layers.dense({
        ...(i === 1 ? { inputShape: [sizes[0]!] } : {}),
        units: sizes[i]!,
        activation: i === sizes.length - 1 ? 'linear' : 'relu',
        // tfjs treats seed 0 as "no seed": draw from 1 upwards.
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.int(1, 2 ** 31 - 1) }),
      }),
    );
  }
  return model;
}
