import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkInteger } from './checks.ts';
import { checkExamples, type Examples } from './examples.ts';

/** One mini-batch: `size` examples, rows `indices` of the source Examples, `index`-th batch of its epoch. */
export interface Batch {
  /** size × features inputs. */
  x: tf.Tensor2D;
  /** int32 labels (1-D), or one-hot float32 (size × numClasses) with `oneHot`; absent for unlabelled data. */
  y?: tf.Tensor;
  /** The source rows in this batch, in batch order. */
  indices: Int32Array;
  size: number;
  index: number;
}

export interface BatchOptions {
  /** Examples per batch, 1..count; the last batch of an epoch holds the remainder. */
  batchSize: number;
  /** Seeds the order of every epoch; required when shuffling. */
  seed?: number;
  /** Draw a fresh random order for every epoch (default true); false keeps the rows' order. */
  shuffle?: boolean;
  /** Number of classes: y becomes one-hot float32 (what tf.losses.softmaxCrossEntropy takes). */
  oneHot?: number;
}

/** Re-iterable mini-batches: every `for…of` is one epoch. */
export interface Batches extends Iterable<Batch> {
  /** Batches per epoch: ⌈count / batchSize⌉. */
  readonly length: number;
  readonly batchSize: number;
  /** Examples per epoch. */
  readonly count: number;
  /** Epochs started so far. */
  readonly epochs: number;
}

/**
 * Seeded mini-batches of `ex`. Each `for…of` over the result is one epoch in a fresh order drawn from
 * `seed` (the k-th epoch's order depends only on the seed and k), so training is reproducible without
 * `model.fit`, whose shuffle uses the unseeded Math.random.
 *
 * The batch tensors are freed when the next batch is drawn or the loop ends (also by `break` or an
 * exception), so a loop never leaks; `clone()` a tensor to keep it longer.
 */
export function batches(ex: Examples, options: BatchOptions): Batches {
  checkExamples('batches: the examples', ex, options.oneHot);
  const { batchSize, oneHot } = options;
  checkInteger('batchSize', batchSize, 1, 'examples per mini-batch', ex.count);
  if (oneHot !== undefined) checkInteger('oneHot', oneHot, 1, 'number of classes');
  const shuffle = options.shuffle ?? true;
  if (shuffle && (options.seed === undefined || !Number.isInteger(options.seed))) {
    throw new ArgumentError(
      `batches: shuffling needs an integer seed (got ${String(options.seed)}), so that every run sees the same ` +
        `order. Pass { seed: 42 }, or { shuffle: false } to keep the rows' order.`,
    );
  }
  const rng = shuffle ? new Rng(options.seed!) : undefined;
  const length = Math.ceil(ex.count / batchSize);
  let epochs = 0;

  function make(order: Int32Array, index: number): Batch {
    const start = index * batchSize;
    const size = Math.min(batchSize, ex.count - start);
    const indices = order.slice(start, start + size);
    const { features } = ex;
    const x = new Float32Array(size * features);
    for (let r = 0; r < size; r++) {
      const row = indices[r]!;
      x.set(ex.x.subarray(row * features, (row + 1) * features), r * features);
    }
    const batch: Batch = { x: tf.tensor2d(x, [size, features]), indices, size, index };
    if (ex.labels !== undefined) {
      const labels = ex.labels;
      if (oneHot === undefined) {
        batch.y = tf.tensor1d(Int32Array.from(indices, (row) => labels[row]!), 'int32');
      } else {
        const y = new Float32Array(size * oneHot);
        for (let r = 0; r < size; r++) y[r * oneHot + labels[indices[r]!]!] = 1;
        batch.y = tf.tensor2d(y, [size, oneHot]);
      }
    }
    return batch;
  }

  const dispose = (b: Batch | undefined): void => {
    if (b === undefined) return;
    b.x.dispose();
    b.y?.dispose();
  };

  return {
    length,
    batchSize,
    count: ex.count,
    get epochs() {
      return epochs;
    },
    *[Symbol.iterator](): Generator<Batch, void, undefined> {
      epochs++;
      const order = rng === undefined ? Int32Array.from({ length: ex.count }, (_, i) => i) : rng.permutation(ex.count);
      let current: Batch | undefined;
      try {
        for (let index = 0; index < length; index++) {
          dispose(current);
          current = undefined;
          current = make(order, index);
          yield current;
        }
      } finally {
        dispose(current);
      }
    },
  };
}
