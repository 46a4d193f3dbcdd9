import { describe, expect, it } from 'vitest';
import { formatLinear, formatLogTicks, linearAxis, logAxis, niceStep } from './ticks.ts';

const isNice = (step: number): boolean => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5, 10].some((n) => Math.abs(m - n) < 1e-6);
};
const parse = (label: string): number => Number(label.replace('\u2212', '-'));

describe('ticks', () => {
  it('steps are 1, 2 or 5 × 10^k', () => {
    for (const rough of [0.013, 0.27, 0.7, 3.3, 14, 2.2e7]) expect(isNice(niceStep(rough)), String(rough)).toBe(true);
    expect(niceStep(0.27)).toBe(0.2);
    expect(niceStep(0.4)).toBe(0.5);
  });

  it('a linear axis covers the data with round ticks whose labels read back exactly', () => {
    for (const [min, max] of [[0.1, 0.3], [-3.7, 12.2], [1e-7, 5e-7], [2e6, 9.5e6], [0.31, 0.3100004], [5, 5]] as const) {
      const axis = linearAxis(min, max, 6);
      expect(axis.domain[0]).toBeLessThanOrEqual(min);
      expect(axis.domain[1]).toBeGreaterThanOrEqual(max);
      expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
      expect(axis.ticks.length).toBeLessThanOrEqual(14);
      expect(isNice(axis.ticks[1]! - axis.ticks[0]!)).toBe(true);
      axis.labels.forEach((l, i) => {
        expect(parse(l), `${l} for ${axis.ticks[i]}`).toBeCloseTo(axis.ticks[i]!, 12);
        expect(l).not.toMatch(/0000000|99999/);
      });
    }
    expect(linearAxis(0.1, 0.3, 4).labels).toEqual(['0.10', '0.15', '0.20', '0.25', '0.30']);
    // The tick values themselves are clean too (layouts expose them): 3 × 0.1 is 0.3 here.
    expect(linearAxis(0, 0.3, 3).ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(linearAxis(-3.7, 12.2, 4).labels).toEqual(['\u22125', '0', '5', '10', '15']);
  });

  it('an integer axis (epochs, steps) has ticks at whole numbers only, also for one or two points', () => {
    expect(linearAxis(1, 1, 6, false, true).labels).toEqual(['0', '1', '2']);
    expect(linearAxis(1, 2, 6, false, true).labels).toEqual(['1', '2']);
    expect(linearAxis(1, 3, 8, false, true).ticks).toEqual([1, 2, 3]);
    // A long run keeps its round steps.
    expect(linearAxis(1, 20, 5, false, true).ticks).toEqual([0, 5, 10, 15, 20]);
    // Without it, the same one point is labelled in fractions (what a one-epoch chart showed).
    expect(linearAxis(1, 1, 6).labels.some((l) => l.includes('.'))).toBe(true);
  });

  it('a tight axis keeps its domain and labels only round numbers inside it', () => {
    const axis = linearAxis(-1.3, 2.1, 6, true);
    expect(axis.domain).toEqual([-1.3, 2.1]);
    expect(axis.ticks).toEqual([-1, -0.5, 0, 0.5, 1, 1.5, 2]);
  });

  it('a log axis labels decades, 1-2-5 steps, or plain numbers depending on its span', () => {
    expect(logAxis(1e-3, 1, 8).ticks).toEqual(expect.arrayContaining([0.001, 0.01, 0.1, 1]));
    const wide = logAxis(1e-9, 1e3, 6);
    expect(wide.ticks.length).toBeLessThanOrEqual(7);
    expect(wide.labels).toEqual(['10⁻⁹', '10⁻⁶', '10⁻³', '10⁰', '10³']);
    const narrow = logAxis(0.25, 0.45, 6);
    expect(narrow.ticks.length).toBeGreaterThanOrEqual(3);
    expect(narrow.ticks.every((t) => t >= narrow.domain[0] && t <= narrow.domain[1])).toBe(true);
    // A diverging loss from 1.5 to 10⁴: the bottom decade is labelled rather than left blank.
    const diverged = logAxis(1.5, 1e4, 5);
    expect(diverged.domain[0]).toBe(1);
    expect(diverged.labels[0]).toBe('1');
    for (const axis of [wide, narrow, logAxis(0.18, 1.3, 7)]) {
      axis.labels.forEach((l, i) => {
        if (!l.includes('10')) expect(parse(l)).toBeCloseTo(axis.ticks[i]!, 12);
      });
    }
  });

  it('formats powers of ten readably, one style per axis', () => {
    expect(formatLogTicks([1e-3, 0.02, 1, 300])).toEqual(['0.001', '0.02', '1', '300']);
    expect(formatLogTicks([1e-7, 2e-7, 1, 5e9])).toEqual(['10⁻⁷', '2×10⁻⁷', '10⁰', '5×10⁹']);
    expect(formatLinear([1e-7, 1.5e-7, 2e-7], 5e-8)).toEqual(['1e\u22127', '1.5e\u22127', '2e\u22127']);
    expect(formatLinear([2e6, 4e6, 1e7], 2e6)).toEqual(['2e6', '4e6', '1e7']);
  });
});
