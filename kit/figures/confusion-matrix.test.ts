import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { confusionMatrix, type ConfusionMatrixLayout } from './index.ts';
import type { Rgb } from './palette.ts';
import { dark, decodePng, inset, type Pixels } from './testing.ts';

async function render(options: Parameters<typeof confusionMatrix>[0]): Promise<{ px: Pixels; layout: ConfusionMatrixLayout }> {
  const fig = confusionMatrix(options);
  return { px: await decodePng(fig.png()), layout: fig.layout };
}

const sum = (c: Rgb): number => c[0] + c[1] + c[2];
/** The cell's background: its corner, away from the centred count. */
const background = (px: Pixels, layout: ConfusionMatrixLayout, t: number, p: number): Rgb => {
  const cell = layout.cells[t]![p]!;
  return px.at(cell.x + 2, cell.y + 2);
};

describe('confusionMatrix', () => {
  const labels = ['cat', 'dog', 'bird'];
  const counts = [[90, 10, 0], [9, 1, 0], [5, 5, 40]];

  it('colours each cell by its share of the row, not by the raw count', async () => {
    const { px, layout } = await render({ title: 'pets', labels, counts });
    // Row 0 and row 1 have the same shares (0.9, 0.1, 0) at very different counts.
    for (let p = 0; p < 3; p++) expect(background(px, layout, 1, p)).toEqual(background(px, layout, 0, p));
    expect(layout.shares[2]).toEqual([0.1, 0.1, 0.8]);
    // Darker means a larger share.
    expect(sum(background(px, layout, 0, 0))).toBeLessThan(sum(background(px, layout, 2, 2)));
    expect(sum(background(px, layout, 2, 2))).toBeLessThan(sum(background(px, layout, 0, 1)));
    expect(sum(background(px, layout, 0, 1))).toBeLessThan(sum(background(px, layout, 0, 2)));
    expect(layout.accuracy).toBeCloseTo(131 / 160, 12);
  });

  it('writes the count in every cell, in a colour that contrasts with the cell', async () => {
    const { px, layout } = await render({ title: 'pets', labels, counts });
    for (let t = 0; t < 3; t++) {
      for (let p = 0; p < 3; p++) {
        const bg = background(px, layout, t, p);
        const cell = layout.cells[t]![p]!;
        const ink = px.count(inset(cell, 4), (c) => Math.abs(sum(c) - sum(bg)) > 200);
        expect(ink, `cell (${t}, ${p})`).toBeGreaterThan(8);
      }
    }
    // More digits, more ink: 90 against 0.
    const ink = (t: number, p: number): number => {
      const bg = background(px, layout, t, p);
      return px.count(inset(layout.cells[t]![p]!, 4), (c) => Math.abs(sum(c) - sum(bg)) > 200);
    };
    expect(ink(0, 0)).toBeGreaterThan(ink(0, 2) * 1.3);
  });

  it('names the classes along both axes and shows the title', async () => {
    const { px, layout } = await render({ title: 'pets', labels, counts });
    expect(px.count(layout.title, dark)).toBeGreaterThan(40);
    const first = layout.cells[0]![0]!;
    const last = layout.cells[2]![2]!;
    for (let k = 0; k < 3; k++) {
      const row = layout.cells[k]![0]!;
      expect(px.count({ x: first.x - 60, y: row.y, width: 54, height: row.height }, dark), `row label ${k}`).toBeGreaterThan(15);
      const col = layout.cells[2]![k]!;
      expect(px.count({ x: col.x, y: last.y + last.height + 4, width: col.width, height: 20 }, dark), `column label ${k}`).toBeGreaterThan(15);
    }
  });

  it('leaves a row without examples at the lightest colour instead of dividing by zero', async () => {
    const { px, layout } = await render({ title: '', labels: ['a', 'b'], counts: [[3, 1], [0, 0]] });
    expect(layout.shares[1]).toEqual([0, 0]);
    expect(background(px, layout, 1, 0)).toEqual(background(px, layout, 1, 1));
    expect(sum(background(px, layout, 1, 0))).toBeGreaterThan(700);
  });

  describe('bad input', () => {
    const cases: [string, unknown, RegExp][] = [
      ['fewer rows than labels', { title: 't', labels, counts: counts.slice(0, 2) }, /counts has 2 rows but labels has 3 classes/],
      ['a short row', { title: 't', labels, counts: [[1, 2, 3], [1, 2], [1, 2, 3]] }, /counts\[1\] has 2 values but labels has 3 classes/],
      ['a negative count', { title: 't', labels, counts: [[1, 2, 3], [1, -2, 3], [1, 2, 3]] }, /counts\[1\]\[1\] is -2; counts must be finite and ≥ 0/],
      ['a NaN count', { title: 't', labels, counts: [[1, 2, NaN], [1, 2, 3], [1, 2, 3]] }, /counts\[0\]\[2\] is NaN/],
      ['no labels', { title: 't', labels: [], counts: [] }, /labels is an array of 0; it must be an array of 1 to 100 class names/],
      ['a missing title', { labels, counts }, /title must be a string/],
    ];
    it.each(cases)('%s', (_, options, message) => {
      expect(() => confusionMatrix(options as Parameters<typeof confusionMatrix>[0])).toThrow(ArgumentError);
      expect(() => confusionMatrix(options as Parameters<typeof confusionMatrix>[0])).toThrow(message);
    });
  });
});
