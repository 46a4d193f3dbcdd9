import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { contourPlot, type ContourPlotLayout } from './index.ts';
import { PATH_STYLE } from './contour-plot.ts';
import { luminance, type Rgb } from './palette.ts';
import { decodePng, near, type Pixels } from './testing.ts';

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const xs = linspace(0, 1, 11);
const ys = linspace(0, 2, 5);

async function render(options: Parameters<typeof contourPlot>[0]): Promise<{ px: Pixels; layout: ContourPlotLayout }> {
  const fig = contourPlot(options);
  return { px: await decodePng(fig.png()), layout: fig.layout };
}

const same = (a: Rgb, b: Rgb): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const bandIndex = (layout: ContourPlotLayout, c: Rgb): number => layout.bandColors.findIndex((b) => same(b, c));
/** The band z falls in, computed here from the reported boundaries. */
const expectedBand = (layout: ContourPlotLayout, z: number): number => {
  const b = layout.boundaries;
  let k = 0;
  while (k < b.length - 2 && z >= b[k + 1]!) k++;
  return k;
};

describe('contourPlot', () => {
  it('colours a ramp in x by its level: monotone left to right, constant up and down', async () => {
    // Three grid cells for ten levels: the colour changes inside cells, so only interpolation gets it right.
    const coarse = [0, 1 / 3, 2 / 3, 1];
    const z = ys.map(() => coarse.map((x) => 10 * x));
    const { px, layout } = await render({ title: 'ramp', xLabel: 'x', yLabel: 'y', x: coarse, y: ys, z, lines: false });
    const { plot } = layout;
    expect(layout.bandColors.length).toBeGreaterThanOrEqual(5);
    let previous = -1;
    let lum = -1;
    for (let col = 0; col < plot.width; col++) {
      const zHere = 10 * ((col + 0.5) / plot.width);
      const c = px.at(plot.x + col, plot.y + plot.height / 2);
      const k = bandIndex(layout, c);
      const want = expectedBand(layout, zHere);
      // Exactly the band of z there (a pixel of slack where z crosses a boundary).
      if (expectedBand(layout, zHere - 0.02) === expectedBand(layout, zHere + 0.02)) expect(k, `column ${col}, z = ${zHere}`).toBe(want);
      expect(k).toBeGreaterThanOrEqual(previous);
      expect(luminance(c)).toBeGreaterThanOrEqual(lum);
      previous = k;
      lum = luminance(c);
      expect(px.at(plot.x + col, plot.y + 1)).toEqual(px.at(plot.x + col, plot.y + plot.height - 2));
    }
    expect(previous).toBe(layout.bandColors.length - 1);
  });

  it('puts low y at the bottom: a ramp in y rises up the plot', async () => {
    const z = ys.map((y) => xs.map(() => y));
    const { px, layout } = await render({ title: '', xLabel: '', yLabel: '', x: xs, y: ys, z, lines: false });
    const { plot } = layout;
    const bottom = bandIndex(layout, px.at(plot.x + plot.width / 2, plot.y + plot.height - 1));
    const top = bandIndex(layout, px.at(plot.x + plot.width / 2, plot.y));
    expect(bottom).toBe(0);
    expect(top).toBe(layout.bandColors.length - 1);
    expect(layout.y.domain).toEqual([0, 2]);
  });

  it('fills every plot pixel with a level colour, and draws lines on the level boundaries when asked', async () => {
    const z = ys.map((y) => xs.map((x) => x * x + y));
    const bare = await render({ title: '', xLabel: '', yLabel: '', x: xs, y: ys, z, lines: false });
    const inBand = (layout: ContourPlotLayout) => (c: Rgb): boolean => bandIndex(layout, c) >= 0;
    expect(bare.px.count(bare.layout.plot, (c) => !inBand(bare.layout)(c))).toBe(0);
    const lined = await render({ title: '', xLabel: '', yLabel: '', x: xs, y: ys, z });
    expect(lined.px.count(lined.layout.plot, (c) => !inBand(lined.layout)(c))).toBeGreaterThan(500);
  });

  it('draws a colour bar from the lowest level at the bottom to the highest at the top', async () => {
    const z = ys.map(() => xs.map((x) => x));
    const { px, layout } = await render({ title: '', xLabel: '', yLabel: '', x: xs, y: ys, z, levels: [0, 0.25, 0.5, 0.75, 1] });
    expect(layout.boundaries).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const bar = layout.colorBar;
    expect(bar.x).toBeGreaterThan(layout.plot.x + layout.plot.width);
    const at = (t: number): number => bandIndex(layout, px.at(bar.x + bar.width / 2, bar.y + bar.height * (1 - t)));
    expect([0.1, 0.4, 0.6, 0.9].map(at)).toEqual([0, 1, 2, 3]);
  });

  it('draws the path as markers where its points map, with the start and end marked', async () => {
    const z = ys.map((y) => xs.map((x) => x + y));
    const path = { x: [0.2, 0.4, 0.5, 0.7, 0.9], y: [1.6, 1.2, 1.0, 0.6, 0.3], label: 'SGD' };
    const { px, layout } = await render({ title: 'path', xLabel: 'x', yLabel: 'y', x: xs, y: ys, z, lines: false, path });
    const { plot } = layout;
    const X = (v: number): number => plot.x + (v / 1) * plot.width;
    const Y = (v: number): number => plot.y + plot.height - (v / 2) * plot.height;
    expect(near(PATH_STYLE.start, 10)(px.at(X(0.2), Y(1.6)))).toBe(true);
    expect(near(PATH_STYLE.end, 10)(px.at(X(0.9), Y(0.3)))).toBe(true);
    for (let i = 1; i < 4; i++) expect(near(PATH_STYLE.marker, 10)(px.at(X(path.x[i]!), Y(path.y[i]!))), `marker ${i}`).toBe(true);
    // The connecting line runs between the markers (midpoint of the second segment).
    expect(near(PATH_STYLE.marker, 30)(px.at((X(0.4) + X(0.5)) / 2, (Y(1.2) + Y(1.0)) / 2))).toBe(true);
    const legend = layout.legend!;
    expect(px.count(legend, near(PATH_STYLE.start, 10))).toBeGreaterThan(20);
    expect(px.count(legend, near(PATH_STYLE.end, 10))).toBeGreaterThan(20);
  });

  it('spaces levels by decades with logZ', () => {
    const z = ys.map(() => xs.map((x) => 10 ** (4 * x - 2)));
    const { boundaries } = contourPlot({ title: '', xLabel: '', yLabel: '', x: xs, y: ys, z, logZ: true, levels: 4 }).layout;
    expect(boundaries).toEqual([0.01, 0.1, 1, 10, 100]);
  });

  describe('bad input', () => {
    const base = { title: 't', xLabel: 'x', yLabel: 'y', x: [0, 1, 2], y: [0, 1] };
    const good = [[1, 2, 3], [4, 5, 6]];
    const cases: [string, unknown, RegExp][] = [
      ['z with a row per x instead of per y', { ...base, z: [[1, 2], [3, 4], [5, 6]] }, /z has 3 rows but y has 2 values; z\[j\]\[i\] is the value at \(x\[i\], y\[j\]\)/],
      ['a z row of the wrong length', { ...base, z: [[1, 2, 3], [4, 5]] }, /z\[1\] has 2 values but x has 3/],
      ['NaN in z', { ...base, z: [[1, 2, 3], [4, NaN, 6]] }, /z\[1\]\[1\] \(at x = 1, y = 1\) is NaN; every z value must be finite/],
      ['Infinity in z', { ...base, z: [[1, 2, Infinity], [4, 5, 6]] }, /z\[0\]\[2\] \(at x = 2, y = 0\) is Infinity/],
      ['x not increasing', { ...base, x: [0, 2, 1], z: good }, /x must be strictly increasing, but x\[2\] = 1 does not exceed x\[1\] = 2/],
      ['one y value', { ...base, y: [0], z: [[1, 2, 3]] }, /y has 1 value; a grid needs at least 2/],
      ['one level', { ...base, z: good, levels: 1 }, /levels is 1; it must be a whole number from 2 to 64/],
      ['levels not increasing', { ...base, z: good, levels: [3, 2, 1] }, /levels is \[3, 2, 1\]; as an array it must hold at least 2 finite, strictly increasing/],
      ['logZ with z ≤ 0', { ...base, z: [[1, 0, 3], [4, 5, 6]], logZ: true }, /z\[0\]\[1\] is 0, but logZ needs every z > 0/],
      ['path of mismatched lengths', { ...base, z: good, path: { x: [0, 1], y: [0] } }, /path\.x has 2 values but path\.y has 1/],
      ['a path with no finite point', { ...base, z: good, path: { x: [NaN], y: [0] } }, /path has 1 point, none of them finite/],
      ['z not an array', { ...base, z: 5 }, /z must be an array of rows/],
    ];
    it.each(cases)('%s', (_, options, message) => {
      expect(() => contourPlot(options as Parameters<typeof contourPlot>[0])).toThrow(ArgumentError);
      expect(() => contourPlot(options as Parameters<typeof contourPlot>[0])).toThrow(message);
    });
  });
});
