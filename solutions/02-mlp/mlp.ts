/**
 * Exercise 02 — a multi-layer perceptron for Fashion-MNIST, in TensorFlow.js.
 *
 * The network f: ℝ⁷⁸⁴ → ℝ¹⁰ is
 *   z⁽¹⁾ = W⁽¹⁾x + b⁽¹⁾,  h⁽¹⁾ = ReLU(z⁽¹⁾),  …,  z⁽ˡ⁾ = W⁽ˡ⁾h⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  ŷ = softmax(z⁽ˡ⁾)
 * trained on the mean cross-entropy f_CE = −(1/n) Σᵢ Σₖ yₖ⁽ⁱ⁾ log ŷₖ⁽ⁱ⁾. The model returns the logits
 * z⁽ˡ⁾; the softmax lives in the loss (tf.losses.softmaxCrossEntropy), which is both faster and
 * numerically safer than a softmax layer followed by a log.
 *
 * The functions here are reused by exercises 03 (hyper-parameter search), 04 (final training) and
 * 08 (loss landscapes), so keep their contracts exactly as documented.
 */
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkExamples, checkInteger, type Batch, type Examples } from '#kit/train';

/** Rows per forward pass in `evaluate` and `computeLoss`. */
export const EVAL_BATCH = 2000;

export interface BuildOptions {
  /** Seeds the weight initialisers; the same seed builds the same network. Default 0. */
  seed?: number;
}

/**
 * A `tf.Sequential` with `nLayers` hidden Dense layers of `hiddenUnits` ReLU units and a linear
 * output layer of `outputDim` units (the logits; no softmax).
 *
 * - The first layer takes `inputShape: [inputDim]`.
 * - Every kernel is He-initialised, `tf.initializers.heNormal({ seed })`, each layer with its own seed
 *   drawn from `rng.seed()` (never 0: tfjs reads a seed of 0 as "no seed" and falls back to
 *   Math.random). Biases start at zero (the Dense default).
 *
 * So the model has nLayers + 1 Dense layers and, in `model.trainableWeights` order,
 * kernel₁ [inputDim × hiddenUnits], bias₁, …, kernel_out [hiddenUnits × outputDim], bias_out.
 */
export function buildMlp(
  inputDim: number,
  nLayers: number,
  hiddenUnits: number,
  outputDim: number,
  options: BuildOptions = {},
): tf.Sequential {
  checkInteger('inputDim', inputDim, 1, 'number of input features');
  checkInteger('nLayers', nLayers, 1, 'number of hidden layers');
  checkInteger('hiddenUnits', hiddenUnits, 1, 'units per hidden layer');
  checkInteger('outputDim', outputDim, 1, 'number of classes');
  const rng = new Rng(options.seed ?? 0);
  // BEGIN SOLUTION
  const model = tf.sequential();
  for (let i = 0; i < nLayers; i++) {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [inputDim] } : {}),
        units: hiddenUnits,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
      }),
    );
  }
  model.add(
    tf.layers.dense({ units: outputDim, activation: 'linear', kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }) }),
  );
  return model;
  // END SOLUTION
}

export interface EpochResult {
  /** Mean training cross-entropy over the epoch's examples: Σ_batches (batch mean × batch size) / examples. */
  loss: number;
  /** `extractModelParams(model)` after the epoch. */
  params: Float32Array;
}

export interface TrainEpochOptions {
  /**
   * An extra term added to every step's cost (e.g. an L2 penalty in exercise 03); it is minimised
   * but not included in the reported loss, which stays the plain f_CE.
   */
  penalty?: () => tf.Scalar;
  /** Called after every step with the batch's mean cross-entropy (exercise 04 records the last 20). */
  onBatch?: (loss: number, batch: Batch) => void;
}

/**
 * One epoch: for each mini-batch of `batches` (one-hot labels, made with
 * `batches(examples, { batchSize, seed, oneHot: 10 })` from '#kit/train'), one `optimizer.minimize`
 * step on the batch's mean softmax cross-entropy of the logits, plus `options.penalty()` if given.
 * Run the model in training mode, `model.apply(batch.x, { training: true })`, so that dropout and
 * batch normalisation (exercise 04's bonus) behave as in training.
 *
 * Returns the mean loss over the epoch's examples (weight each batch's mean by its size: the last
 * batch may be smaller) and the flattened parameters after the epoch.
 */
export function trainEpoch(
  model: tf.LayersModel,
  batches: Iterable<Batch>,
  optimizer: tf.Optimizer,
  options: TrainEpochOptions = {},
): EpochResult {
  if (!(optimizer instanceof tf.Optimizer)) {
    throw new ArgumentError('trainEpoch: optimizer must be a tf.Optimizer, e.g. tf.train.sgd(0.05) or tf.train.adam(1e-3).');
  }
  if (typeof (batches as Partial<Iterable<Batch>>)[Symbol.iterator] !== 'function') {
    throw new ArgumentError("trainEpoch: batches must be iterable mini-batches, e.g. batches(examples, { batchSize: 128, seed: 1, oneHot: 10 }) from '#kit/train'.");
  }
  // BEGIN SOLUTION
  let lossSum = 0;
  let count = 0;
  for (const batch of batches) {
    if (batch.y === undefined) throw new ArgumentError('trainEpoch: the batches have no labels.');
    const y = batch.y;
    let batchLoss = NaN;
    optimizer.minimize(() => {
      const logits = model.apply(batch.x, { training: true }) as tf.Tensor;
      const loss = tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, logits);
      batchLoss = loss.dataSync()[0]!;
      return options.penalty === undefined ? loss : tf.add<tf.Scalar>(loss, options.penalty());
    });
    lossSum += batchLoss * batch.size;
    count += batch.size;
    options.onBatch?.(batchLoss, batch);
  }
  if (count === 0) throw new ArgumentError('trainEpoch: batches yielded no examples (an empty dataset?).');
  return { loss: lossSum / count, params: extractModelParams(model) };
  // END SOLUTION
}

/** Throws a clear error unless `data` is labelled, non-empty and its labels fit the model's outputs. */
function checkClassificationData(fn: string, model: tf.LayersModel, data: Examples): void {
  const outputs = model.outputs[0]?.shape.at(-1);
  checkExamples(`${fn}: data`, data, typeof outputs === 'number' ? outputs : undefined);
  const inputs = model.inputs[0]?.shape.at(-1);
  if (typeof inputs === 'number' && inputs !== data.features) {
    throw new ArgumentError(
      `${fn}: the model takes ${String(inputs)} features per example but data has ${String(data.features)}. ` +
        'Build the model with inputDim = data.features.',
    );
  }
}

/**
 * Classification accuracy of `model` on `data`: the fraction of examples whose largest logit is at
 * the label. Run the model in inference mode (`model.predict`), in chunks of `batchSize` rows so
 * memory stays bounded on big datasets, and free every tensor you create.
 */
export function evaluate(model: tf.LayersModel, data: Examples, batchSize = EVAL_BATCH): number {
  checkClassificationData('evaluate', model, data);
  checkInteger('batchSize', batchSize, 1, 'rows per forward pass');
  // BEGIN SOLUTION
  const labels = data.labels!;
  let correct = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * data.features, (start + size) * data.features), [size, data.features]);
      return (model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    });
    for (let i = 0; i < size; i++) if (predicted[i] === labels[start + i]) correct++;
  }
  return correct / data.count;
  // END SOLUTION
}

/**
 * The mean cross-entropy f_CE of `model` on `data`, from the logits, without updating anything:
 * −(1/n) Σᵢ log softmax(z⁽ⁱ⁾)[yᵢ]. Inference mode, in chunks of `batchSize` rows; weight each chunk
 * by its size.
 */
export function computeLoss(model: tf.LayersModel, data: Examples, batchSize = EVAL_BATCH): number {
  checkClassificationData('computeLoss', model, data);
  checkInteger('batchSize', batchSize, 1, 'rows per forward pass');
  // BEGIN SOLUTION
  const labels = data.labels!;
  let sum = 0;
  for (let start = 0; start < data.count; start += batchSize) {
    const size = Math.min(batchSize, data.count - start);
    sum += tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * data.features, (start + size) * data.features), [size, data.features]);
      const logits = model.predict(x) as tf.Tensor2D;
      const y = tf.oneHot(tf.tensor1d(labels.subarray(start, start + size), 'int32'), logits.shape[1]);
      return tf.losses.softmaxCrossEntropy(y, logits).dataSync()[0]! * size;
    });
  }
  return sum / data.count;
  // END SOLUTION
}

/** Number of entries of a weight of this shape (a weight's shape has no unknown dimensions). */
export function sizeOf(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((p, d) => p * (d ?? 1), 1);
}

/**
 * Every trainable parameter of `model` in one Float32Array: the tensors of `model.trainableWeights`
 * in that order (for an MLP: kernel₁, bias₁, kernel₂, bias₂, …), each flattened row-major. Non-trainable
 * weights (batch-norm moving averages) are left out.
 *
 * Exercise 08 calls this after every epoch of a ~100k-parameter network, so read each tensor once
 * (`dataSync()`) and copy it in with `Float32Array.set`, not element by element through tensor ops.
 */
export function extractModelParams(model: tf.LayersModel): Float32Array {
  // BEGIN SOLUTION
  const weights = model.trainableWeights;
  const total = weights.reduce((n, w) => n + sizeOf(w.shape), 0);
  const flat = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    const values = w.read().dataSync() as Float32Array;
    flat.set(values, offset);
    offset += values.length;
  }
  return flat;
  // END SOLUTION
}

/**
 * The inverse of `extractModelParams`: writes `flat` back into `model.trainableWeights`, in the
 * same order and layout, so that `loadParamsIntoModel(m, extractModelParams(m))` changes nothing and
 * the model then computes exactly the outputs it computed when the parameters were extracted.
 * One tensor per weight (`LayerVariable.write`), freed afterwards.
 */
export function loadParamsIntoModel(model: tf.LayersModel, flat: Float32Array): void {
  const expected = model.trainableWeights.reduce((n, w) => n + sizeOf(w.shape), 0);
  if (!(flat instanceof Float32Array) || flat.length !== expected) {
    throw new ArgumentError(
      `loadParamsIntoModel: expected a Float32Array of ${String(expected)} numbers (the model's trainable ` +
        `parameters), got ${flat instanceof Float32Array ? `one of ${String(flat.length)}` : String(flat)}. ` +
        'Pass what extractModelParams returned for a model of the same architecture.',
    );
  }
  // BEGIN SOLUTION
  let offset = 0;
  for (const w of model.trainableWeights) {
    const size = sizeOf(w.shape);
    // slice, not subarray: the cpu backend keeps the array it is given, so a view would tie the model to `flat`.
    const value = tf.tensor(flat.slice(offset, offset + size), w.shape as number[]);
    w.write(value);
    value.dispose();
    offset += size;
  }
  // END SOLUTION
}
