/**
 * Exercise 03 — hyper-parameter search on a validation split.
 *
 * Train on the training part, select on the validation part, never look at the test split: the test
 * accuracy is only honest if no decision was made with it. The validation part is forked off the
 * training set with a seed, so the search is reproducible.
 */
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import {
  batches,
  checkExamples,
  checkInteger,
  checkNonNegative,
  checkOneOf,
  checkPositive,
  selectExamples,
  type Batch,
  type Examples,
} from '#kit/train';
import { buildMlp, evaluate, loadParamsIntoModel, trainEpoch } from '../02-mlp/mlp.ts';

export const OPTIMIZERS = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** One setting of the hyper-parameters. */
export interface MlpConfig {
  /** Hidden layers (the homework asks for {3, 4, 5} at least). */
  layers: number;
  /** Units per hidden layer. */
  units: number;
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** L2 strength λ on the weight matrices (kernels) only, never the biases; 0 turns it off. */
  l2: number;
  /** Default 'sgd' (plain mini-batch SGD, as in the homework). */
  optimizer?: OptimizerName;
}

/** One trained-and-validated setting. */
export interface Trial {
  config: MlpConfig;
  /** The seed passed to `trainConfig`: re-running it reproduces the trial exactly. */
  seed: number;
  /** Accuracy on the validation part after training. */
  valAccuracy: number;
  /** Mean training loss of the last epoch. */
  trainLoss: number;
}

export interface TuningResult {
  /** The trial with the highest validation accuracy (the first one on ties). */
  best: Trial;
  /** Every trial, in the order they were run. */
  trials: Trial[];
}

export interface TuningOptions {
  seed: number;
  /** No trial may train more epochs than this (the tests pass 2 to stay fast). Default 5. */
  maxEpochs?: number;
  /** At most this many trials (at least 10 are required). Default 12. */
  maxTrials?: number;
  /** Where to report each trial; default console.log. Pass () => {} for silence. */
  log?: (line: string) => void;
}

/** Number of classes of Fashion-MNIST. */
export const CLASSES = 10;

/**
 * Throws an ArgumentError unless every field of `config` is in range; with `trainCount`, also checks
 * that a mini-batch fits in the training data.
 */
export function checkConfig(config: MlpConfig, trainCount?: number): void {
  if (typeof config !== 'object' || config === null) {
    throw new ArgumentError('A configuration must be an object { layers, units, learningRate, batchSize, epochs, l2, optimizer? }.');
  }
  checkInteger('config.layers', config.layers, 1, 'number of hidden layers');
  checkInteger('config.units', config.units, 1, 'units per hidden layer');
  checkPositive('config.learningRate', config.learningRate, 'the step size', '0.05 for SGD or 0.001 for Adam');
  checkInteger('config.batchSize', config.batchSize, 1, 'examples per mini-batch', trainCount);
  checkInteger('config.epochs', config.epochs, 1, 'passes over the training data');
  checkNonNegative('config.l2', config.l2, 'L2 strength on the kernels', '1e-4');
  checkOneOf('config.optimizer', config.optimizer ?? 'sgd', OPTIMIZERS);
}

/** The optimizer a configuration asks for. */
export function makeOptimizer(config: MlpConfig): tf.Optimizer {
  return (config.optimizer ?? 'sgd') === 'adam' ? tf.train.adam(config.learningRate) : tf.train.sgd(config.learningRate);
}

/** One line describing a configuration, for logs and tables. */
export function describeConfig(c: MlpConfig): string {
  return (
    `${String(c.layers)}×${String(c.units)} units, ${c.optimizer ?? 'sgd'} lr ${String(c.learningRate)}, ` +
    `batch ${String(c.batchSize)}, ${String(c.epochs)} epoch${c.epochs === 1 ? '' : 's'}, l2 ${String(c.l2)}`
  );
}

/**
 * Forks a validation part off `data`: a seeded random `valFraction` of the rows (rounded to the
 * nearest integer) becomes `val`, the rest `train`. The two are disjoint and together hold every row
 * once; the same seed gives the same split. Use `rng.permutation` and `selectExamples` (#kit/train).
 */
export function forkValidation(data: Examples, valFraction: number, seed: number): { train: Examples; val: Examples } {
  checkExamples('forkValidation: data', data);
  if (!(valFraction > 0 && valFraction < 1)) {
    throw new ArgumentError(`forkValidation: valFraction = ${String(valFraction)} is not allowed: it must be strictly between 0 and 1, e.g. 0.2.`);
  }
  const valCount = Math.round(valFraction * data.count);
  if (valCount < 1 || valCount > data.count - 1) {
    throw new ArgumentError(
      `forkValidation: ${String(valFraction)} of ${String(data.count)} examples leaves one part empty; both parts need at least one example.`,
    );
  }
  // BEGIN SOLUTION
  const order = new Rng(seed).permutation(data.count);
  return { val: selectExamples(data, order.subarray(0, valCount)), train: selectExamples(data, order.subarray(valCount)) };
  // END SOLUTION
}

/**
 * The L2 penalty (λ/2)·Σ ‖W‖² over the model's weight matrices: the trainable weights of rank ≥ 2
 * (Dense kernels). Biases (and other rank-1 weights such as batch-norm's γ and β) are NOT penalised.
 * Its gradient λ·W is exactly what SGD's "weight decay λ" adds, so minimising f_CE + penalty with SGD
 * is SGD with weight decay on the kernels.
 */
export function l2Penalty(model: tf.LayersModel, strength: number): tf.Scalar {
  checkNonNegative('strength', strength, 'L2 strength λ', '1e-4');
  // BEGIN SOLUTION
  return tf.tidy(() => {
    const kernels = model.trainableWeights.filter((w) => w.shape.length >= 2).map((w) => tf.sum(tf.square(w.read())));
    if (kernels.length === 0) return tf.scalar(0);
    return tf.mul<tf.Scalar>(strength / 2, tf.addN(kernels));
  });
  // END SOLUTION
}

export interface TrainConfigOptions {
  /** Seeds the initialisation and the batch order: the same seed trains the same network. */
  seed: number;
  /** Start from these parameters (`extractModelParams` layout) instead of the fresh initialisation. */
  initialParams?: Float32Array;
  /** Build another architecture with the same config (exercise 04's bonus); default `buildMlp`. */
  build?: (inputDim: number, outputDim: number, seed: number) => tf.LayersModel;
  /** Passed on to trainEpoch: called after every step with the batch's loss. */
  onBatch?: (loss: number, batch: Batch) => void;
  /** Called after every epoch with its mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrainedModel {
  model: tf.LayersModel;
  /** Mean training loss of every epoch. */
  epochLosses: number[];
}

/**
 * Trains one configuration on `trainSet`:
 * 1. `rng = new Rng(options.seed)`; the model is `buildMlp(trainSet.features, config.layers,
 *    config.units, 10, { seed: rng.seed() })` (or `options.build(features, 10, rng.seed())`), loaded
 *    with `options.initialParams` if given;
 * 2. the optimizer from `makeOptimizer(config)`;
 * 3. mini-batches `batches(trainSet, { batchSize: config.batchSize, seed: rng.seed(), oneHot: 10 })`;
 * 4. `config.epochs` calls of `trainEpoch`, with the L2 penalty of strength `config.l2` on the kernels
 *    (none when it is 0) and `options.onBatch`.
 * The caller owns (and disposes) the returned model.
 */
export function trainConfig(config: MlpConfig, trainSet: Examples, options: TrainConfigOptions): TrainedModel {
  checkExamples('trainConfig: trainSet', trainSet, CLASSES);
  checkConfig(config, trainSet.count);
  checkInteger('seed', options.seed, -(2 ** 31), 'seed', 2 ** 31 - 1);
  // BEGIN SOLUTION
  const rng = new Rng(options.seed);
  const modelSeed = rng.seed();
  const model = options.build?.(trainSet.features, CLASSES, modelSeed) ?? buildMlp(trainSet.features, config.layers, config.units, CLASSES, { seed: modelSeed });
  if (options.initialParams !== undefined) loadParamsIntoModel(model, options.initialParams);
  const optimizer = makeOptimizer(config);
  const source = batches(trainSet, { batchSize: config.batchSize, seed: rng.seed(), oneHot: CLASSES });
  const penalty = config.l2 > 0 ? (): tf.Scalar => l2Penalty(model, config.l2) : undefined;
  const epochLosses: number[] = [];
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const { loss } = trainEpoch(model, source, optimizer, {
        ...(penalty === undefined ? {} : { penalty }),
        ...(options.onBatch === undefined ? {} : { onBatch: options.onBatch }),
      });
      epochLosses.push(loss);
      options.onEpoch?.(epoch, loss);
    }
  } finally {
    optimizer.dispose();
  }
  return { model, epochLosses };
  // END SOLUTION
}

/**
 * Tries at least 10 distinct settings (and at most `maxTrials`), covering 3, 4 and 5 hidden layers
 * and varying the units, the learning rate, the mini-batch size, the number of epochs (never more
 * than `maxEpochs`) and the L2 strength. Each trial trains on `trainSet` with `trainConfig` (its own
 * seed, drawn from `options.seed`), is scored by `evaluate` on `valSet`, and its model is disposed.
 * Returns every trial and the best one by validation accuracy.
 *
 * Never read the test split here (no `loadFashionMnist('test')`, directly or through a helper): the
 * tests watch every dataset read.
 */
export function hyperparamTuning(trainSet: Examples, valSet: Examples, options: TuningOptions): TuningResult {
  checkExamples('hyperparamTuning: trainSet', trainSet, CLASSES);
  checkExamples('hyperparamTuning: valSet', valSet, CLASSES);
  const maxEpochs = options.maxEpochs ?? 5;
  const maxTrials = options.maxTrials ?? 12;
  checkInteger('maxEpochs', maxEpochs, 1, 'epochs per trial at most');
  checkInteger('maxTrials', maxTrials, 10, 'trials at most (the homework asks for at least 10)');
  const log = options.log ?? ((line: string): void => {
    console.log(line);
  });
  // BEGIN SOLUTION
  // A seeded random search over the homework's grid. Layers cycle through 3, 4, 5 so each is tried;
  // everything else is drawn, and a repeated setting is redrawn.
  const rng = new Rng(options.seed);
  const grid = {
    units: [32, 64, 128],
    sgdRates: [0.01, 0.05, 0.1],
    adamRates: [0.0005, 0.001, 0.002],
    batchSizes: [32, 64, 128].filter((b) => b <= trainSet.count),
    l2: [0, 1e-5, 1e-4, 1e-3],
  };
  if (grid.batchSizes.length === 0) grid.batchSizes.push(trainSet.count);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const seen = new Set<string>();
  const trials: Trial[] = [];
  for (let i = 0; i < maxTrials; i++) {
    let config: MlpConfig;
    do {
      const optimizer: OptimizerName = rng.uniform() < 0.5 ? 'sgd' : 'adam';
      config = {
        layers: [3, 4, 5][i % 3]!,
        units: pick(grid.units),
        learningRate: pick(optimizer === 'sgd' ? grid.sgdRates : grid.adamRates),
        batchSize: pick(grid.batchSizes),
        epochs: rng.int(1, maxEpochs),
        l2: pick(grid.l2),
        optimizer,
      };
    } while (seen.has(JSON.stringify(config)));
    seen.add(JSON.stringify(config));
    const seed = rng.seed();
    const t0 = performance.now();
    const { model, epochLosses } = trainConfig(config, trainSet, { seed });
    const valAccuracy = evaluate(model, valSet);
    model.dispose();
    trials.push({ config, seed, valAccuracy, trainLoss: epochLosses.at(-1)! });
    log(
      `trial ${String(i + 1)}/${String(maxTrials)}: ${describeConfig(config)} → val ${(100 * valAccuracy).toFixed(1)} % ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  let best = trials[0]!;
  for (const t of trials) if (t.valAccuracy > best.valAccuracy) best = t;
  log(`best: ${describeConfig(best.config)} → val ${(100 * best.valAccuracy).toFixed(1)} %`);
  return { best, trials };
  // END SOLUTION
}
