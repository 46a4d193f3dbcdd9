/**
 * Exercise 04's test budget, kept in the kit rather than in the student's file: the suite checks a
 * submitted configuration against these constants, so a submission cannot raise its own allowance.
 */
import { KitError } from '#kit/errors';
import { checkInteger } from './checks.ts';

/** What the estimate needs to know of an MLP configuration. */
export interface BudgetConfig {
  layers: number;
  units: number;
  batchSize: number;
  epochs: number;
}

/**
 * The tests train your configurations on the full training split, so they must stay affordable:
 * `npm test` runs dozens of times. A configuration is within budget when its estimated training time
 * on the reference machine (2 CPU cores, tfjs wasm backend) is at most `TEST_BUDGET_SECONDS`. The
 * estimate is a fixed formula, so the verdict does not depend on your machine or its load:
 *
 *   seconds ≈ epochs × ( steps per epoch × STEP_SECONDS
 *                        + examples × 6 × (multiply-adds of one forward pass) / FLOPS )
 *
 * (a training step costs about three forward passes: forward, and two products backward). The
 * constants were measured on the reference machine, otherwise idle (exercise 04's reference
 * configuration: 11.7 s per epoch estimated, 10.9–12.0 s measured). Train a larger configuration
 * outside the tests with `npm run final`.
 */
export const TEST_BUDGET_SECONDS = 150;
/** Fixed cost of one optimizer step on the reference machine (tfjs-layers, autodiff and kernel launches). */
export const STEP_SECONDS = 0.0015;
/** Extra fixed cost per step and hidden layer for batch normalisation and dropout (bonus networks). */
export const ENHANCED_LAYER_STEP_SECONDS = 0.0015;
/** Effective floating-point operations per second of training on the reference machine. */
export const FLOPS = 11e9;

/** Multiply-adds of one forward pass of one example through the MLP the config describes. */
export function forwardMultiplyAdds(config: Pick<BudgetConfig, 'layers' | 'units'>, inputDim: number, outputDim = 10): number {
  return inputDim * config.units + (config.layers - 1) * config.units * config.units + config.units * outputDim;
}

/** The estimated training time of `config` on `examples` examples (see TEST_BUDGET_SECONDS). */
export function estimateTrainingSeconds(config: BudgetConfig, examples: number, inputDim = 784, enhanced = false): number {
  const steps = Math.ceil(examples / config.batchSize);
  const perStep = STEP_SECONDS + (enhanced ? config.layers * ENHANCED_LAYER_STEP_SECONDS : 0);
  const flops = 6 * forwardMultiplyAdds(config, inputDim) * examples;
  return config.epochs * (steps * perStep + flops / FLOPS);
}

/** Throws a KitError saying what to change when `config` would exceed the test budget. */
export function checkTestBudget(config: BudgetConfig, examples: number, what: string, enhanced = false): void {
  checkInteger(`${what}.layers`, config.layers, 1, 'hidden layers');
  checkInteger(`${what}.units`, config.units, 1, 'units per hidden layer');
  checkInteger(`${what}.batchSize`, config.batchSize, 1, 'examples per mini-batch', examples);
  checkInteger(`${what}.epochs`, config.epochs, 1, 'passes over the training data');
  const seconds = estimateTrainingSeconds(config, examples, 784, enhanced);
  if (seconds <= TEST_BUDGET_SECONDS) return;
  const steps = config.epochs * Math.ceil(examples / config.batchSize);
  throw new KitError(
    `${what} asks for about ${seconds.toFixed(0)} s of training on the reference machine (${String(config.layers)}×` +
      `${String(config.units)} units, batch ${String(config.batchSize)}, ${String(config.epochs)} epochs: ` +
      `${String(steps)} steps on ${String(examples)} examples), but the test budget is ${String(TEST_BUDGET_SECONDS)} s ` +
      `so that \`npm test\` stays fast. Use fewer epochs, a larger batch size (fewer steps) or fewer units, and ` +
      `check with estimateTrainingSeconds(). Your full configuration can still be trained outside the tests: ` +
      '`npm run final`.',
  );
}
