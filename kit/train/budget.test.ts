import { describe, expect, it } from 'vitest';
import { checkTestBudget, estimateTrainingSeconds, TEST_BUDGET_SECONDS } from './budget.ts';

const config = (layers: number, units: number, batchSize: number, epochs: number) => ({ layers, units, batchSize, epochs });

describe('the test budget of exercise 04', () => {
  it('estimates the reference configuration near its measured time (10.9–12.0 s per epoch on the reference machine)', () => {
    const perEpoch = estimateTrainingSeconds(config(3, 256, 128, 1), 60_000);
    expect(perEpoch).toBeGreaterThan(10.9 * 0.9);
    expect(perEpoch).toBeLessThan(12.0 * 1.1);
  });

  it('grows linearly with epochs, and with the steps per epoch', () => {
    const one = estimateTrainingSeconds(config(3, 128, 128, 1), 60_000);
    expect(estimateTrainingSeconds(config(3, 128, 128, 4), 60_000)).toBeCloseTo(4 * one, 9);
    expect(estimateTrainingSeconds(config(3, 128, 16, 1), 60_000)).toBeGreaterThan(one);
    expect(estimateTrainingSeconds(config(3, 128, 128, 1), 60_000, 784, true)).toBeGreaterThan(one);
  });

  it('lets the reference configuration through and refuses one over the budget, saying what to change', () => {
    expect(() => { checkTestBudget(config(3, 256, 128, 10), 60_000, 'finalConfig()'); }).not.toThrow();
    // The homework's 3 × 40 units, batch 16, 25 epochs: about 170 s.
    expect(() => { checkTestBudget(config(3, 40, 16, 25), 60_000, 'finalConfig()'); })
      .toThrow(new RegExp(`finalConfig\\(\\) asks for about \\d+ s .*test budget is ${String(TEST_BUDGET_SECONDS)} s.*fewer epochs`));
  });

  it('names a bad field instead of estimating nonsense', () => {
    expect(() => { checkTestBudget(config(3, 256, 0, 1), 60_000, 'finalConfig()'); }).toThrow(/finalConfig\(\)\.batchSize = 0/);
    expect(() => { checkTestBudget(config(3, 256, 128, 1.5), 60_000, 'finalConfig()'); }).toThrow(/finalConfig\(\)\.epochs = 1\.5/);
    expect(() => { checkTestBudget(config(3, 256, 70_000, 1), 60_000, 'finalConfig()'); }).toThrow(/batchSize = 70000/);
  });
});
