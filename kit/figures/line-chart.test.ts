import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { lineChart, type LineChartLayout } from './index.ts';
import { SERIES_COLORS } from './palette.ts';
import { dark, decodePng, near, type Pixels } from './testing.ts';

/** Data → pixel, computed here from the reported domain and plot box, not with the chart's own code. */
function mapper(layout: LineChartLayout): { X: (v: number) => number; Y: (v: number) => number } {
  const { plot, x, y } = layout;
  const t = (v: number, [a, b]: [number, number], log: boolean): number =>
    log ? (Math.log10(v) - Math.log10(a)) / (Math.log10(b) - Math.log10(a)) : (v - a) / (b - a);
  return {
    X: (v) => plot.x + t(v, x.domain, x.log) * plot.width,
    Y: (v) => plot.y + plot.height - t(v, y.domain, y.log) * plot.height,
  };
}

const rising = Array.from({ length: 12 }, (_, i) => 0.5 + (i * i) / 20);
const BLUE = SERIES_COLORS[0];
const ORANGE = SERIES_COLORS[1];

async function render(options: Parameters<typeof lineChart>[0]): Promise<{ px: Pixels; layout: LineChartLayout }> {
  const fig = lineChart(options);
  return { px: await decodePng(fig.png()), layout: fig.layout };
}

/** Series-coloured pixels in the plot columns [x0, x1). */
function colouredIn(px: Pixels, layout: LineChartLayout, x0: number, x1: number, color: string): number {
  const { plot } = layout;
  return px.count({ x: x0, y: plot.y, width: x1 - x0, height: plot.height }, near(color));
}

describe('lineChart', () => {
  it('draws the series through its points, higher on the right for a rising series', async () => {
    const { px, layout } = await render({ title: 'rising', xLabel: 'step', yLabel: 'value', series: [{ name: 'a', y: rising }] });
    const { X, Y } = mapper(layout);
    rising.forEach((v, i) => {
      expect(near(BLUE, 30)(px.at(X(i), Y(v))), `point ${i} at (${X(i)}, ${Y(v)})`).toBe(true);
    });
    const { plot } = layout;
    const left = px.meanRow(Math.round(X(1.5)), plot.y, plot.y + plot.height, near(BLUE));
    const right = px.meanRow(Math.round(X(9.5)), plot.y, plot.y + plot.height, near(BLUE));
    expect(right).toBeLessThan(left - 100);
    // The frame sits on the reported plot box, so the mapping above is the one a reader sees.
    expect(px.count({ x: plot.x - 1, y: plot.y, width: 1, height: plot.height }, dark)).toBeGreaterThan(0.95 * plot.height);
    expect(px.count({ x: plot.x, y: plot.y + plot.height, width: plot.width, height: 1 }, dark)).toBeGreaterThan(0.95 * plot.width);
  });

  it('puts ticks on round numbers whose labels read back as the tick values', () => {
    const { x, y } = lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', y: [0.013, 0.31, 0.947] }] }).layout;
    for (const axis of [x, y]) {
      const step = axis.ticks[1]! - axis.ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)).toBe(true);
      axis.ticks.forEach((t, i) => {
        expect(Number(axis.labels[i]!.replace('\u2212', '-'))).toBeCloseTo(t, 12);
        expect(axis.labels[i]!).not.toMatch(/0000|9999/);
      });
    }
    expect(y.domain[0]).toBeLessThanOrEqual(0.013);
    expect(y.domain[1]).toBeGreaterThanOrEqual(0.947);
    expect(y.labels.slice(0, 3)).toEqual(['0.0', '0.1', '0.2']);
    expect(y.labels.at(-1)).toBe('1.0');
    // x defaults to the indexes 0, 1, 2: whole numbers, so whole-number ticks (not 0.0, 0.2 … 2.0).
    expect(x.labels).toEqual(['0', '1', '2']);
  });

  it('labels an x axis of whole numbers (epochs) with whole numbers only, even for a one-epoch run', () => {
    const chart = (x: number[]): string[] =>
      lineChart({ title: '', xLabel: 'epoch', yLabel: 'MSE', series: [{ name: 'training', x, y: x.map((e) => 0.05 / e) }, { name: 'test', x, y: x.map((e) => 0.06 / e) }] }).layout.x.labels;
    expect(chart([1])).toEqual(['0', '1', '2']);
    expect(chart([1, 2])).toEqual(['1', '2']);
    for (const l of chart([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])) expect(l).toMatch(/^\d+$/);
    // Fractional x keeps fractional ticks.
    expect(lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', x: [0.5, 1.5], y: [1, 2] }] }).layout.x.labels).toContain('0.5');
  });

  it('has a title, axis titles and tick labels in dark text', async () => {
    const { px, layout } = await render({ title: 'Training loss', xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'a', y: rising }] });
    expect(px.count(layout.title, dark)).toBeGreaterThan(80);
    const { plot } = layout;
    const below = { x: plot.x, y: plot.y + plot.height + 24, width: plot.width, height: 24 };
    expect(px.count(below, dark), 'x axis title').toBeGreaterThan(20);
    expect(px.count({ x: 0, y: plot.y, width: 30, height: plot.height }, dark), 'y axis title').toBeGreaterThan(20);
    const yTicks = { x: 30, y: plot.y - 8, width: plot.x - 36, height: plot.height + 16 };
    expect(px.count(yTicks, dark), 'y tick labels').toBeGreaterThan(8 * layout.y.ticks.length);
    expect(layout.legend).toBeUndefined();
    expect(layout.footnote).toBeUndefined();
  });

  it('gives two series two colours and a legend showing both', async () => {
    const falling = rising.map((v) => 8 - v);
    const { px, layout } = await render({
      title: 'two', xLabel: 'x', yLabel: 'y',
      series: [{ name: 'train', y: rising }, { name: 'validation', y: falling }],
    });
    const { plot } = layout;
    expect(colouredIn(px, layout, plot.x, plot.x + plot.width, BLUE)).toBeGreaterThan(200);
    expect(colouredIn(px, layout, plot.x, plot.x + plot.width, ORANGE)).toBeGreaterThan(200);
    expect(layout.series.map((s) => s.color)).toEqual([BLUE, ORANGE]);
    const legend = layout.legend!;
    expect(legend.y + legend.height).toBeLessThanOrEqual(plot.y);
    expect(px.count(legend, near(BLUE))).toBeGreaterThan(20);
    expect(px.count(legend, near(ORANGE))).toBeGreaterThan(20);
    expect(px.count(legend, dark)).toBeGreaterThan(100);
  });

  it('uses distinct, non-grey colours for eight series', () => {
    const series = Array.from({ length: 8 }, (_, s) => ({ name: `s${s}`, y: [s, s + 1] }));
    const colors = lineChart({ title: '', xLabel: '', yLabel: '', series }).layout.series.map((s) => s.color);
    expect(new Set(colors).size).toBe(8);
  });

  it('leaves a gap at NaN and ±Infinity instead of drawing them (never at 0)', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const y = rising.map((v, i) => (i === 6 ? bad : v));
      const { px, layout } = await render({ title: `gap ${bad}`, xLabel: 'x', yLabel: 'y', series: [{ name: 'a', y }] });
      const { X, Y } = mapper(layout);
      expect(Number.isFinite(layout.y.domain[1]) && Number.isFinite(layout.y.domain[0])).toBe(true);
      expect(layout.y.domain[1]).toBeLessThan(10);
      expect(colouredIn(px, layout, X(5) + 6, X(7) - 6, BLUE), `gap for ${bad}`).toBe(0);
      expect(colouredIn(px, layout, X(4) + 6, X(5) - 6, BLUE)).toBeGreaterThan(0);
      expect(colouredIn(px, layout, X(7) + 6, X(8) - 6, BLUE)).toBeGreaterThan(0);
      // Nothing below the smallest real value: a NaN drawn as 0 would dive there.
      const { plot } = layout;
      const under = { x: plot.x, y: Y(0.45), width: plot.width, height: plot.y + plot.height - Y(0.45) };
      expect(px.count(under, near(BLUE))).toBe(0);
      // …and says so under the chart.
      expect(px.count(layout.footnote!, (c) => c[0] < 200)).toBeGreaterThan(40);
    }
  });

  it('still shows a single point between two gaps', async () => {
    const y = [1, 2, NaN, 3, NaN, 4, 5];
    const { px, layout } = await render({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', y }], markers: false });
    const { X, Y } = mapper(layout);
    expect(near(BLUE, 60)(px.at(X(3), Y(3)))).toBe(true);
  });

  it('spaces decades evenly with logY', async () => {
    const y = [1e-3, 1e-2, 1e-1, 1];
    const { px, layout } = await render({ title: 'log', xLabel: 'x', yLabel: 'loss', series: [{ name: 'a', y }], logY: true });
    expect(layout.y.log).toBe(true);
    const { plot } = layout;
    const { X } = mapper(layout);
    const rows = y.map((_, i) => px.meanRow(Math.round(X(i)), plot.y, plot.y + plot.height, near(BLUE)));
    const steps = rows.slice(1).map((r, i) => rows[i]! - r);
    for (const s of steps) expect(Math.abs(s - steps[0]!)).toBeLessThan(3);
    expect(steps[0]).toBeGreaterThan(50);
    expect(layout.y.labels).toEqual(expect.arrayContaining(['0.001', '0.01', '0.1', '1']));
  });

  it('leaves y ≤ 0 out of a log axis as a gap', async () => {
    const y = [1, 0.5, 0, 0.2, 0.1];
    const { px, layout } = await render({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', y }], logY: true, markers: false });
    const { X } = mapper(layout);
    expect(layout.y.domain[0]).toBeGreaterThan(0);
    expect(colouredIn(px, layout, X(1) + 4, X(3) - 4, BLUE)).toBe(0);
    expect(colouredIn(px, layout, X(3) + 4, X(4) - 4, BLUE)).toBeGreaterThan(0);
  });

  describe('bad input', () => {
    const base = { title: 't', xLabel: 'x', yLabel: 'y' };
    const cases: [string, unknown, RegExp][] = [
      ['x and y of different lengths', { ...base, series: [{ name: 'a', y: [1, 2] }, { name: 'b', y: [1, 2, 3], x: [1, 2] }] }, /series\[1\] \("b"\) has 2 x values but 3 y values/],
      ['no series', { ...base, series: [] }, /series is empty/],
      ['series not an array', { ...base, series: { name: 'a', y: [1] } }, /series must be an array.*got an object/],
      ['every series empty', { ...base, series: [{ name: 'a', y: [] }] }, /every series is empty/],
      ['nothing finite', { ...base, series: [{ name: 'a', y: [NaN, Infinity] }] }, /none of the 2 points can be drawn/],
      ['nothing positive on a log axis', { ...base, logY: true, series: [{ name: 'a', y: [0, -1] }] }, /a value ≤ 0, which a log axis \(logY\) cannot show/],
      ['a string among the values', { ...base, series: [{ name: 'a', y: [1, '2'] }] }, /series\[0\]\.y\[1\] is "2", not a number/],
      ['a missing name', { ...base, series: [{ y: [1] }] }, /series\[0\]\.name must be a string/],
      ['a missing title', { xLabel: 'x', yLabel: 'y', series: [{ name: 'a', y: [1] }] }, /title must be a string, but got undefined/],
      ['a tiny width', { ...base, width: 50, series: [{ name: 'a', y: [1] }] }, /width is 50; it must be a whole number from 200 to 4000/],
      ['logY not a boolean', { ...base, logY: 'yes', series: [{ name: 'a', y: [1] }] }, /logY must be true or false/],
    ];
    it.each(cases)('%s', (_, options, message) => {
      expect(() => lineChart(options as Parameters<typeof lineChart>[0])).toThrow(ArgumentError);
      expect(() => lineChart(options as Parameters<typeof lineChart>[0])).toThrow(message);
    });
  });
});
