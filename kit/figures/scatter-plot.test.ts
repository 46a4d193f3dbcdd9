import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { scatterPlot } from './index.ts';
import { SERIES_COLORS, seriesStyle } from './palette.ts';
import { decodePng, near } from './testing.ts';

describe('scatterPlot', () => {
  it('draws each series at its points in its own colour, with a legend', async () => {
    const a = { name: 'negative', x: [1, 2, 3], y: [1, 3, 2] };
    const b = { name: 'positive', x: [6, 7, 8], y: [8, 6, 9] };
    const fig = scatterPlot({ title: 'two classes', xLabel: 'x₁', yLabel: 'x₂', series: [a, b] });
    const px = await decodePng(fig.png());
    const { plot, x, y, legend } = fig.layout;
    const X = (v: number): number => plot.x + ((v - x.domain[0]) / (x.domain[1] - x.domain[0])) * plot.width;
    const Y = (v: number): number => plot.y + plot.height - ((v - y.domain[0]) / (y.domain[1] - y.domain[0])) * plot.height;
    a.x.forEach((v, i) => { expect(near(SERIES_COLORS[0], 30)(px.at(X(v), Y(a.y[i]!))), `a[${i}]`).toBe(true); });
    b.x.forEach((v, i) => { expect(near(SERIES_COLORS[1], 30)(px.at(X(v), Y(b.y[i]!))), `b[${i}]`).toBe(true); });
    // Nothing of the first series where only the second has points.
    expect(px.count({ x: X(5.5), y: plot.y, width: plot.x + plot.width - X(5.5), height: plot.height }, near(SERIES_COLORS[0]))).toBe(0);
    expect(px.count(legend!, near(SERIES_COLORS[0]))).toBeGreaterThan(15);
    expect(px.count(legend!, near(SERIES_COLORS[1]))).toBeGreaterThan(15);
    expect(fig.layout.series.map((s) => s.marker)).toEqual(['circle', 'square']);
  });

  it('skips non-finite points and notes them', async () => {
    const fig = scatterPlot({ title: '', xLabel: '', yLabel: '', series: [{ name: 'a', x: [1, NaN, 3, 4], y: [1, 2, Infinity, 4] }] });
    expect(fig.layout.y.domain[1]).toBeLessThan(10);
    expect(fig.layout.footnote).toBeDefined();
    const px = await decodePng(fig.png());
    expect(px.count(fig.layout.footnote!, (c) => c[0] < 200)).toBeGreaterThan(40);
  });

  it.each([
    ['x missing', { title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', y: [1] }] }, /series\[0\]\.x must be an array or typed array of numbers, but got undefined/],
    ['x and y of different lengths', { title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', x: [1, 2], y: [1] }] }, /series\[0\] \("a"\) has 2 x values but 1 y values; x and y must have the same length \(one x per y\)\./],
    ['no series', { title: 't', xLabel: 'x', yLabel: 'y', series: [] }, /series is empty/],
  ])('rejects %s', (_, options, message) => {
    expect(() => scatterPlot(options as Parameters<typeof scatterPlot>[0])).toThrow(ArgumentError);
    expect(() => scatterPlot(options as Parameters<typeof scatterPlot>[0])).toThrow(message);
  });
});

describe('series styles', () => {
  it('gives each of 16 series a look of its own (colour and marker for points, colour and dash for lines)', () => {
    const styles = Array.from({ length: 16 }, (_, i) => seriesStyle(i));
    expect(new Set(styles.map((s) => `${s.color} ${s.marker}`)).size).toBe(16);
    expect(new Set(styles.map((s) => `${s.color} ${s.dash.join(',')}`)).size).toBe(16);
  });
});
