import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import type { ImageDataset } from './dataset.ts';
import { subset, take, trainValSplit } from './split.ts';

/**
 * `count` 2×2×1 images whose every pixel is the image's index mod 256 (so a row can be traced back to
 * its source), labelled by `labelOf`.
 */
function synthetic(count: number, labelOf: (i: number) => number = (i) => i % 10): ImageDataset {
  const images = new Uint8Array(count * 4);
  for (let i = 0; i < count; i++) images.fill(i % 256, i * 4, i * 4 + 4);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => labelOf(i)), count, rows: 2, cols: 2, channels: 1 };
}

/** Source index of each row of a dataset made from `synthetic(n <= 256)`. */
const sources = (d: ImageDataset): number[] => Array.from({ length: d.count }, (_, i) => d.images[i * 4] ?? -1);

describe('subset and take', () => {
  it('copies the selected rows in the given order', () => {
    const d = synthetic(10);
    const s = subset(d, [7, 2, 2]);
    expect(s).toMatchObject({ count: 3, rows: 2, cols: 2, channels: 1 });
    expect(sources(s)).toEqual([7, 2, 2]);
    expect(Array.from(s.labels)).toEqual([7, 2, 2]);
    s.images[0] = 99;
    expect(d.images[7 * 4]).toBe(7);
    expect(() => subset(d, [10])).toThrow(ArgumentError);
    expect(() => subset(d, [1.5])).toThrow(/index 1.5 at position 0 is outside 0..9/);
  });

  it('takes the first n rows without a seed, and a reproducible sorted sample with one', () => {
    const d = synthetic(50);
    expect(sources(take(d, 4))).toEqual([0, 1, 2, 3]);
    const a = sources(take(d, 8, 3));
    expect(a).toEqual(sources(take(d, 8, 3)));
    expect(a).not.toEqual(sources(take(d, 8, 4)));
    expect(new Set(a).size).toBe(8);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(() => take(d, 51)).toThrow(/n must be an integer in 0..50/);
  });
});

describe('trainValSplit', () => {
  it('is disjoint, covers every row, and is reproducible from the seed', () => {
    const d = synthetic(200);
    const { train, val } = trainValSplit(d, { valFraction: 0.15, seed: 1 });
    expect(val.count).toBe(30);
    expect(train.count).toBe(170);
    const t = sources(train);
    const v = sources(val);
    expect(new Set([...t, ...v]).size).toBe(200);
    expect(t.filter((i) => v.includes(i))).toEqual([]);
    const again = trainValSplit(d, { valFraction: 0.15, seed: 1 });
    expect(sources(again.val)).toEqual(v);
    expect(sources(trainValSplit(d, { valFraction: 0.15, seed: 2 }).val)).not.toEqual(v);
    expect(Array.from(val.labels)).toEqual(v.map((i) => i % 10));
  });

  it('honours an exact valCount', () => {
    const { train, val } = trainValSplit(synthetic(101), { valCount: 17, seed: 5 });
    expect([train.count, val.count]).toEqual([84, 17]);
  });

  it('keeps class proportions when stratified', () => {
    // Classes of 120, 60 and 20 rows; a 25 % split must take 30, 15 and 5 of them.
    const d = synthetic(200, (i) => (i < 120 ? 0 : i < 180 ? 1 : 2));
    const { train, val } = trainValSplit(d, { valFraction: 0.25, seed: 9, stratify: true });
    const count = (x: ImageDataset, c: number): number => x.labels.filter((l) => l === c).length;
    expect([0, 1, 2].map((c) => count(val, c))).toEqual([30, 15, 5]);
    expect([0, 1, 2].map((c) => count(train, c))).toEqual([90, 45, 15]);
    expect(new Set([...sources(train), ...sources(val)]).size).toBe(200);
    // Uneven quotas: 10 of 3 classes of 7 rows -> 4, 3, 3 by largest remainder, still exactly 10.
    const small = trainValSplit(synthetic(21, (i) => i % 3), { valCount: 10, seed: 1, stratify: true });
    expect(small.val.count).toBe(10);
    expect([0, 1, 2].map((c) => count(small.val, c)).sort()).toEqual([3, 3, 4]);
  });

  it('rejects impossible requests', () => {
    const d = synthetic(10);
    expect(() => trainValSplit(d, { seed: 1 })).toThrow(/exactly one of valFraction/);
    expect(() => trainValSplit(d, { valFraction: 0.1, valCount: 1, seed: 1 })).toThrow(ArgumentError);
    expect(() => trainValSplit(d, { valFraction: 1, seed: 1 })).toThrow(/strictly between 0 and 1/);
    expect(() => trainValSplit(d, { valFraction: 0.01, seed: 1 })).toThrow(/would have 0 of 10 rows/);
    expect(() => trainValSplit(d, { valCount: 10, seed: 1 })).toThrow(/would have 10 of 10 rows/);
  });
});
