/**
 * Exercise 10, part 3 on hand-made cases: the confusion matrix, the most confused pairs and the grid of
 * misclassified digits. All exact. The checks on the trained model are in accuracy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import type { Examples } from '#kit/train';
import { confusionMatrix, misclassifiedPanel, mostConfusedPairs } from './confusion.ts';

describe('confusion: confusionMatrix', () => {
  it('counts m[true][predicted] (rows are the true classes), as plain arrays', () => {
    const labels = [0, 0, 1, 1, 1, 2, 2, 2, 2];
    const predictions = [0, 1, 1, 1, 2, 2, 0, 0, 2];
    const m = confusionMatrix(labels, predictions, 3);
    expect(Array.isArray(m) && m.every((r) => Array.isArray(r))).toBe(true);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 2, 1],
      [2, 0, 2],
    ]);
    // The transpose ([predicted][true]) would put the two 2 → 0 mistakes at m[0][2].
    expect(m[2]![0]).toBe(2);
  });

  it('takes typed arrays, keeps empty classes as zero rows, and gives trace = correct, row sums = class counts', () => {
    const labels = Int32Array.from([4, 4, 0, 4, 1]);
    const predictions = Uint8Array.from([4, 0, 0, 1, 1]);
    const m = confusionMatrix(labels, predictions, 6);
    expect(m).toHaveLength(6);
    expect(m.map((r) => r.reduce((a, b) => a + b, 0))).toEqual([1, 1, 0, 0, 3, 0]);
    expect(m.reduce((a, r, i) => a + r[i]!, 0)).toBe(3);
    expect(m[4]).toEqual([1, 1, 0, 0, 1, 0]);
    expect(confusionMatrix([], [], 2)).toEqual([[0, 0], [0, 0]]);
  });

  it('rejects mismatched lengths and classes out of range with an ArgumentError', () => {
    confusionMatrix([0, 1], [0, 1], 2); // valid input first: an unimplemented stub says so here
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(ArgumentError);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(ArgumentError);
    expect(() => confusionMatrix([0, 1], [0, -1], 2)).toThrow(ArgumentError);
    expect(() => confusionMatrix([0, 1.5], [0, 1], 2)).toThrow(ArgumentError);
    expect(() => confusionMatrix([0], [0], 0)).toThrow(ArgumentError);
    // The message says which (a label or a prediction), the value and where (its index).
    expect(() => confusionMatrix([0, 1, 0, 7, 1], [0, 1, 0, 1, 1], 2), 'a label 7 at index 3: the message names the label, 7 and index 3').toThrow(/label[^]*(\b7\b[^]*\b3\b|\b3\b[^]*\b7\b)/i);
    expect(() => confusionMatrix([0, 1, 0, 1, 1], [0, 1, 9, 1, 1], 2), 'a prediction 9 at index 2: the message names the prediction, 9 and index 2').toThrow(/prediction[^]*(\b9\b[^]*\b2\b|\b2\b[^]*\b9\b)/i);
  });
});

describe('confusion: mostConfusedPairs', () => {
  const m = [
    [50, 1, 0, 4],
    [2, 40, 0, 0],
    [0, 0, 30, 5],
    [3, 0, 2, 45],
  ];

  it('adds both directions, sorts by mistakes (largest first, ties by a then b) and leaves out pairs with none', () => {
    expect(mostConfusedPairs(m, 10)).toEqual([
      { a: 0, b: 3, count: 7, aAsB: 4, bAsA: 3 },
      { a: 2, b: 3, count: 7, aAsB: 5, bAsA: 2 },
      { a: 0, b: 1, count: 3, aAsB: 1, bAsA: 2 },
    ]);
  });

  it('returns at most k pairs, never the diagonal', () => {
    expect(mostConfusedPairs(m, 1)).toEqual([{ a: 0, b: 3, count: 7, aAsB: 4, bAsA: 3 }]);
    expect(mostConfusedPairs(m, 0)).toEqual([]);
    expect(mostConfusedPairs([[9, 0], [0, 9]], 3)).toEqual([]);
  });

  it('rejects a matrix that is not square, negative counts and a bad k with an ArgumentError', () => {
    expect(mostConfusedPairs([[1, 0], [2, 1]], 1)).toEqual([{ a: 0, b: 1, count: 2, aAsB: 0, bAsA: 2 }]);
    expect(() => mostConfusedPairs([[1, 2]], 1)).toThrow(ArgumentError);
    expect(() => mostConfusedPairs([[1, -2], [0, 1]], 1)).toThrow(ArgumentError);
    expect(() => mostConfusedPairs(m, -1)).toThrow(ArgumentError);
    expect(() => mostConfusedPairs(m, 1.5)).toThrow(ArgumentError);
  });
});

/** Six 2×2 "images" whose pixels say which example they are. */
function tinyImages(): Examples {
  const x = new Float32Array(6 * 4);
  for (let i = 0; i < 6; i++) x.fill(i / 10, i * 4, i * 4 + 4);
  return { x, count: 6, features: 4, labels: Uint8Array.from([3, 1, 4, 1, 5, 9]) };
}

describe('figure: misclassifiedPanel', () => {
  it('shows the misclassified examples in order, each a copy of its pixels labelled "true t, pred p"', () => {
    const ex = tinyImages();
    const panel = misclassifiedPanel(ex, [3, 7, 4, 2, 5, 0], 24, 8);
    expect(panel.indices).toEqual([1, 3, 5]);
    expect(panel.images.map((g) => g.label)).toEqual(['true 1, pred 7', 'true 1, pred 2', 'true 9, pred 0']);
    expect(panel.images.map((g) => [g.rows, g.cols])).toEqual([[2, 2], [2, 2], [2, 2]]);
    expect(Array.from(panel.images[2]!.pixels)).toEqual(Array.from(ex.x.subarray(20, 24)));
    expect(panel.images[0]!.pixels).not.toBe(ex.x);
    expect((panel.images[0]!.pixels as Float32Array).buffer).not.toBe(ex.x.buffer);
    expect(panel.columns).toBe(3);
    expect(panel.range).toEqual([0, 1]);
    expect(typeof panel.title).toBe('string');
    expect(panel.title.trim().length, 'the grid has a title').toBeGreaterThan(0);
  });

  it('stops at max, and shows nothing when everything is right', () => {
    const ex = tinyImages();
    const panel = misclassifiedPanel(ex, [0, 0, 0, 0, 0, 0], 2, 1);
    expect(panel.indices).toEqual([0, 1]);
    expect(panel.columns).toBe(1);
    const none = misclassifiedPanel(ex, ex.labels!, 24, 8);
    expect(none.images).toEqual([]);
    expect(none.indices).toEqual([]);
    expect(none.columns, 'columns = min(columns, shown), at least 1').toBe(1);
    expect(() => misclassifiedPanel(ex, [0, 0], 2, 1)).toThrow(ArgumentError);
  });
});
