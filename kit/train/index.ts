/**
 * Training helpers shared by the exercises, their tests and the benchmarks: flattened examples,
 * seeded mini-batches, one-step and whole-run training loops without `model.fit`, and chunked
 * evaluation. Progress output lives in `#kit/progress`.
 */
export { toExamples, checkExamples, selectExamples, concatExamples, type Examples, type PixelScale } from './examples.ts';
export { batches, type Batch, type Batches, type BatchOptions } from './batches.ts';
export {
  forEachOutputChunk,
  evaluateClassifier,
  accuracy,
  meanCrossEntropy,
  EVAL_CHUNK,
  type ClassifierEvaluation,
} from './evaluate.ts';
export {
  trainStep,
  train,
  softmaxCrossEntropy,
  type LossFn,
  type StepOptions,
  type StepResult,
  type TrainOptions,
  type EpochRecord,
} from './loop.ts';
export { checkInteger, checkPositive, checkNonNegative, checkFraction, checkOneOf } from './checks.ts';
export { SeededDropout, seededDropout, withSeededMathRandom } from './dropout.ts';
export {
  TEST_BUDGET_SECONDS,
  STEP_SECONDS,
  ENHANCED_LAYER_STEP_SECONDS,
  FLOPS,
  forwardMultiplyAdds,
  estimateTrainingSeconds,
  checkTestBudget,
  type BudgetConfig,
} from './budget.ts';
