/**
 * Exercise 04 — the final training run, and the bonus: a better network in the same budget.
 *
 * After the search (exercise 03) has chosen a configuration on the validation part, retrain it on
 * train + validation (the whole 60,000-image training split), record the loss of the last 20
 * iterations (mini-batches), show them as a table and a chart, and report the accuracy on the
 * 10,000-image test split — looked at once, at the very end.
 */
import type { LineChartOptions } from '#kit/figures';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkExamples, checkFraction, checkInteger, checkOneOf, seededDropout, type Examples } from '#kit/train';
import { evaluate } from '../02-mlp/mlp.ts';
import { CLASSES, checkConfig, trainConfig, type MlpConfig } from '../03-hyperparam-tuning/tuning.ts';
import { NotImplemented } from '#kit/errors';

/** Iterations (mini-batch steps) whose losses the final run records. */
export const LAST_ITERATIONS = 20;

// ---- the test budget ------------------------------------------------------------------------------

// The tests check finalConfig() and enhancedConfig() against a fixed estimate of their training time
// on the reference machine; the formula and its constants live in #kit/train (see
// estimateTrainingSeconds there), re-exported here for your own use.
export { TEST_BUDGET_SECONDS, estimateTrainingSeconds, checkTestBudget } from '#kit/train';

// ---- the final run --------------------------------------------------------------------------------

/**
 * The configuration your search (exercise 03) chose, as trained by the test: 3, 4 or 5 hidden
 * layers, within the test budget (`checkTestBudget(config, 60000, …)`), reaching ≥ 87 % test accuracy
 * when trained on all 60,000 training images.
 */
export function finalConfig(): MlpConfig {
  // YOUR CODE HERE
  throw new NotImplemented('finalConfig');
}

export interface FinalRun {
  /** The trained network (the caller disposes it). */
  model: tf.LayersModel;
  /** Training loss of the last `lastN` iterations (mini-batches), oldest first. */
  lastLosses: number[];
  /** 1-based number of the iteration of `lastLosses[0]`. */
  firstIteration: number;
  /** Iterations (optimizer steps) run in total. */
  iterations: number;
  /** Mean training loss of every epoch. */
  epochLosses: number[];
  /** Accuracy on `testSet` after training. */
  testAccuracy: number;
}

export interface FinalOptions {
  seed: number;
  /** Iterations to record at the end (default LAST_ITERATIONS = 20). */
  lastN?: number;
  /** Progress display title, or false for none (default '04-final-training'). */
  progress?: string | false;
}

/**
 * Trains `config` on `trainSet` (train + validation: the whole training split) with
 * `trainConfig(config, trainSet, { seed, onBatch })`, keeps the loss of the last `lastN` iterations,
 * shows progress (`progress` from #kit/progress: `p.batch({ loss })` every step, `p.epoch({ loss })`
 * every epoch, `p.done()` at the end), and only then evaluates the trained model on `testSet`.
 */
export function finalTraining(config: MlpConfig, trainSet: Examples, testSet: Examples, options: FinalOptions): FinalRun {
  checkExamples('finalTraining: trainSet', trainSet, CLASSES);
  checkExamples('finalTraining: testSet', testSet, CLASSES);
  checkConfig(config, trainSet.count);
  const lastN = options.lastN ?? LAST_ITERATIONS;
  checkInteger('lastN', lastN, 1, 'iterations to record');
  // YOUR CODE HERE
  throw new NotImplemented('finalTraining');
}

/**
 * The last losses as a plain-text table for the terminal: a header line, then one row per iteration
 * with the iteration number and the loss to 4 decimals, in right-aligned columns, e.g.
 *
 *   iteration    loss
 *        3262  0.2817
 */
export function lossTable(lastLosses: readonly number[], firstIteration: number): string {
  checkInteger('firstIteration', firstIteration, 1, 'number of the first iteration shown');
  // YOUR CODE HERE
  throw new NotImplemented('lossTable');
}

/**
 * What to draw: a line chart (options for `lineChart` from #kit/figures) of the last losses against
 * their iteration numbers — one series named 'training loss', x = iteration numbers, y = losses,
 * a title that says these are the last N iterations, axis labels 'iteration' and 'cross-entropy loss'.
 */
export function lossChartOptions(lastLosses: readonly number[], firstIteration: number): LineChartOptions {
  checkInteger('firstIteration', firstIteration, 1, 'number of the first iteration shown');
  // YOUR CODE HERE
  throw new NotImplemented('lossChartOptions');
}

// ---- bonus: an enhanced network -------------------------------------------------------------------

export const ACTIVATIONS = ['relu', 'leakyRelu', 'elu', 'prelu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface Enhancements {
  /** Batch normalisation after every hidden Dense layer, before its activation. */
  batchNorm: boolean;
  /** Dropout rate after every hidden activation, in [0, 1); 0 = none. */
  dropout: number;
  /** 'relu', 'leakyRelu' (slope 0.01), 'elu' or 'prelu' (a learned slope per unit). */
  activation: Activation;
}

export interface EnhancedConfig extends MlpConfig, Enhancements {}

/**
 * Like `buildMlp`, with the enhancements: each hidden layer is Dense (He-initialised, seeds from
 * `rng.seed()`), then BatchNorm if asked, then the activation as its own layer, then dropout if
 * `dropout > 0` — as `seededDropout({ rate, seed: rng.seed() })` from #kit/train, which draws a fresh
 * mask at every step from its seed (tfjs's `tf.layers.dropout` either uses Math.random or repeats one
 * mask). The output layer is Dense and linear, as before.
 */
export function buildEnhancedMlp(
  inputDim: number,
  nLayers: number,
  hiddenUnits: number,
  outputDim: number,
  options: Enhancements & { seed?: number },
): tf.Sequential {
  checkInteger('inputDim', inputDim, 1, 'number of input features');
  checkInteger('nLayers', nLayers, 1, 'number of hidden layers');
  checkInteger('hiddenUnits', hiddenUnits, 1, 'units per hidden layer');
  checkInteger('outputDim', outputDim, 1, 'number of classes');
  checkFraction('options.dropout', options.dropout, 'dropout rate');
  checkOneOf('options.activation', options.activation, ACTIVATIONS);
  const rng = new Rng(options.seed ?? 0);
  // YOUR CODE HERE
  throw new NotImplemented('buildEnhancedMlp');
}

/**
 * Bonus: the configuration and enhancements the test trains twice — once as the plain network
 * (`buildMlp`, same layers, units, optimizer, learning rate, batch size and epochs) and once with
 * `buildEnhancedMlp` — expecting the enhanced one to reach the higher test accuracy. Within the test
 * budget (`checkTestBudget(config, 60000, …, true)`).
 */
export function enhancedConfig(): EnhancedConfig {
  // YOUR CODE HERE
  throw new NotImplemented('enhancedConfig');
}

/** Trains an enhanced configuration like `trainConfig` does a plain one (same seeds, same batches). */
export function trainEnhanced(config: EnhancedConfig, trainSet: Examples, seed: number): ReturnType<typeof trainConfig> {
  return trainConfig(config, trainSet, {
    seed,
    build: (inputDim, outputDim, modelSeed) =>
      buildEnhancedMlp(inputDim, config.layers, config.units, outputDim, {
        batchNorm: config.batchNorm,
        dropout: config.dropout,
        activation: config.activation,
        seed: modelSeed,
      }),
  });
}
