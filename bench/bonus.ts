import { loadFashionMnist } from '#kit/data';
import { accuracy, toExamples, withSeededMathRandom, type Examples } from '#kit/train';
import { trainConfig } from '../solutions/03-hyperparam-tuning/tuning.ts';
import { enhancedConfig, trainEnhanced, type EnhancedConfig } from '../solutions/04-final-training/final-training.ts';

export interface BonusRun {
  seed: number;
  plain: number;
  enhanced: number;
  plainSeconds: number;
  enhancedSeconds: number;
}

/**
 * The bonus test's comparison (exercise 04) for several seeds: `enhancedConfig()` trained as the plain
 * and as the enhanced network on the full training split, test accuracy of each. The test uses one
 * seed; the spread of the margin here says how much room that verdict has.
 */
export function bonusMargins(seeds: readonly number[], config: EnhancedConfig = enhancedConfig()): BonusRun[] {
  const train: Examples = toExamples(loadFashionMnist('train'), { scale: 'centered' });
  const test: Examples = toExamples(loadFashionMnist('test'), { scale: 'centered' });
  return seeds.map((seed) => {
    const timed = (build: () => ReturnType<typeof trainConfig>): [number, number] =>
      withSeededMathRandom(seed, () => {
        const t0 = performance.now();
        const { model } = build();
        const seconds = (performance.now() - t0) / 1000;
        const acc = accuracy(model, test);
        model.dispose();
        return [acc, seconds];
      });
    const [plain, plainSeconds] = timed(() => trainConfig(config, train, { seed }));
    const [enhanced, enhancedSeconds] = timed(() => trainEnhanced(config, train, seed));
    return { seed, plain, enhanced, plainSeconds, enhancedSeconds };
  });
}
