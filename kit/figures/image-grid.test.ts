import { describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { imageGrid, type GridImage, type ImageGridLayout } from './index.ts';
import type { Rgb } from './palette.ts';
import { dark, decodePng, type Pixels } from './testing.ts';

async function render(options: Parameters<typeof imageGrid>[0]): Promise<{ px: Pixels; layout: ImageGridLayout }> {
  const fig = imageGrid(options);
  return { px: await decodePng(fig.png()), layout: fig.layout };
}

/** Every screen pixel of image pixel (r, c) must be `want`: the whole scale × scale block, exactly. */
function expectBlock(px: Pixels, layout: ImageGridLayout, index: number, r: number, c: number, want: Rgb): void {
  const cell = layout.cells[index]!;
  const s = layout.cellScale;
  for (let dy = 0; dy < s; dy++) {
    for (let dx = 0; dx < s; dx++) {
      expect(px.at(cell.x + c * s + dx, cell.y + r * s + dy), `image ${index} pixel (${r}, ${c}) + (${dy}, ${dx})`).toEqual(want);
    }
  }
}

const gray = (b: number): Rgb => [b, b, b];

describe('imageGrid', () => {
  it('reproduces a grayscale image exactly, each pixel a cellScale block', async () => {
    const [rows, cols] = [3, 4];
    const pixels = Array.from({ length: rows * cols }, (_, k) => k / 11);
    const { px, layout } = await render({ columns: 1, images: [{ pixels, rows, cols }], cellScale: 5 });
    const cell = layout.cells[0]!;
    expect([cell.width, cell.height]).toEqual([cols * 5, rows * 5]);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expectBlock(px, layout, 0, r, c, gray(Math.round((pixels[r * cols + c]! * 255))));
    // Just outside the pixels is the frame, not a stretched image.
    expect(px.at(cell.x + cell.width, cell.y + 2)).toEqual(gray(200));
    expect(px.at(cell.x + 2, cell.y + cell.height)).toEqual(gray(200));
  });

  it('reproduces an RGB image exactly (r, g, b interleaved per pixel)', async () => {
    const colours: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [200, 100, 50], [255, 255, 255]];
    const pixels = colours.flatMap((c) => c.map((v) => v / 255));
    const { px, layout } = await render({ columns: 1, images: [{ pixels, rows: 2, cols: 3, channels: 3 }], cellScale: 4 });
    colours.forEach((c, k) => {
      expectBlock(px, layout, 0, Math.floor(k / 3), k % 3, c);
    });
  });

  it('maps range to black…white and clips values outside it', async () => {
    const values = [-2, -1, 0, 0.5, 1, 3];
    const { px, layout } = await render({ columns: 1, images: [{ pixels: values, rows: 1, cols: 6 }], range: [-1, 1], cellScale: 3 });
    const want = [0, 0, 128, 191, 255, 255];
    values.forEach((_, c) => {
      expectBlock(px, layout, 0, 0, c, gray(want[c]!));
    });
    const rgb = await render({ columns: 1, images: [{ pixels: [-5, 0.5, 7], rows: 1, cols: 1, channels: 3 }], cellScale: 2 });
    expectBlock(rgb.px, rgb.layout, 0, 0, 0, [0, 128, 255]);
  });

  it('uses [0, 1] by default and 4× for 28 × 28 images', async () => {
    const pixels = new Float32Array(28 * 28).map((_, k) => (k % 28) / 27);
    const { px, layout } = await render({ columns: 1, images: [{ pixels, rows: 28, cols: 28 }] });
    expect(layout.cellScale).toBe(4);
    expect(layout.range).toEqual([0, 1]);
    expectBlock(px, layout, 0, 5, 0, gray(0));
    expectBlock(px, layout, 0, 5, 27, gray(255));
  });

  it('shows NaN pixels in magenta and says so, never as black', async () => {
    const { px, layout } = await render({ columns: 1, images: [{ pixels: [0, NaN, 1, Infinity], rows: 2, cols: 2 }], cellScale: 3 });
    expectBlock(px, layout, 0, 0, 1, [255, 0, 255]);
    expectBlock(px, layout, 0, 1, 1, [255, 0, 255]);
    expectBlock(px, layout, 0, 0, 0, gray(0));
  });

  it('lays originals over reconstructions: two rows of n with columns = n', async () => {
    const n = 5;
    const flat = (v: number): GridImage => ({ pixels: new Array<number>(4).fill(v), rows: 2, cols: 2 });
    const images = [...Array.from({ length: n }, (_, i) => flat(i / 10)), ...Array.from({ length: n }, (_, i) => flat(0.5 + i / 10))];
    const { px, layout } = await render({ title: 'originals / reconstructions', columns: n, images, rowLabels: ['original', 'reconstruction'], cellScale: 10 });
    for (let i = 0; i < n; i++) {
      const [top, bottom] = [layout.cells[i]!, layout.cells[i + n]!];
      expect(bottom.x).toBe(top.x);
      expect(bottom.y).toBeGreaterThan(top.y + top.height);
      if (i > 0) expect(top.x).toBeGreaterThan(layout.cells[i - 1]!.x + layout.cells[i - 1]!.width);
      expectBlock(px, layout, i, 1, 1, gray(Math.round((i / 10) * 255)));
      expectBlock(px, layout, i + n, 0, 0, gray(Math.round((0.5 + i / 10) * 255)));
    }
    expect(px.count(layout.title!, dark)).toBeGreaterThan(80);
    // Row labels sit left of the first column.
    expect(px.count({ x: 0, y: layout.cells[n]!.y, width: layout.cells[n]!.x - 4, height: 20 }, dark)).toBeGreaterThan(40);
  });

  it('writes each label under its own image', async () => {
    const images = [0, 1, 2].map((i) => ({ pixels: [i / 2], rows: 1, cols: 1, label: `digit ${i}` }));
    const { px, layout } = await render({ columns: 3, images, cellScale: 40 });
    layout.labels.forEach((box, i) => {
      const cell = layout.cells[i]!;
      expect(box!.y).toBeGreaterThanOrEqual(cell.y + cell.height);
      expect(Math.abs(box!.x + box!.width / 2 - (cell.x + cell.width / 2))).toBeLessThan(1);
      expect(px.count(box!, dark), `label ${i}`).toBeGreaterThan(30);
    });
    const bare = await render({ columns: 3, images: images.map(({ pixels, rows, cols }) => ({ pixels, rows, cols })), cellScale: 40 });
    expect(bare.layout.labels).toEqual([undefined, undefined, undefined]);
    const c = bare.layout.cells[0]!;
    expect(bare.px.count({ x: 0, y: c.y + c.height + 2, width: bare.px.width, height: bare.px.height - c.y - c.height - 2 }, dark)).toBe(0);
  });

  describe('bad input', () => {
    const ok = { pixels: new Array<number>(4).fill(0), rows: 2, cols: 2 };
    const cases: [string, unknown, RegExp][] = [
      ['pixel count not rows × cols × channels', { columns: 2, images: [ok, { pixels: new Array<number>(784).fill(0), rows: 28, cols: 28, channels: 3 }] },
        /images\[1\]\.pixels has 784 values, but rows × cols × channels = 28 × 28 × 3 = 2352/],
      ['columns < 1', { columns: 0, images: [ok] }, /columns is 0; it must be a whole number from 1/],
      ['columns not whole', { columns: 1.5, images: [ok] }, /columns is 1\.5/],
      ['columns missing', { images: [ok] }, /columns is undefined/],
      ['no images', { columns: 2, images: [] }, /images is empty/],
      ['channels 2', { columns: 1, images: [{ ...ok, channels: 2 }] }, /images\[0\]\.channels is 2; it must be 1 \(grayscale\) or 3/],
      ['an empty range', { columns: 1, images: [ok], range: [1, 1] }, /range is \[1, 1\]; it must be \[low, high\] with finite low < high/],
      ['a NaN range', { columns: 1, images: [ok], range: [0, NaN] }, /range is \[0, NaN\]/],
      ['cellScale 0', { columns: 1, images: [ok], cellScale: 0 }, /cellScale is 0/],
      ['too many row labels', { columns: 1, images: [ok], rowLabels: ['a', 'b'] }, /rowLabels .* at most 1 strings/],
      ['a huge grid', { columns: 1, images: [{ pixels: new Float32Array(4096 * 4096), rows: 4096, cols: 4096 }], cellScale: 8 }, /use a smaller cellScale/],
    ];
    it.each(cases)('%s', (_, options, message) => {
      expect(() => imageGrid(options as Parameters<typeof imageGrid>[0])).toThrow(ArgumentError);
      expect(() => imageGrid(options as Parameters<typeof imageGrid>[0])).toThrow(message);
    });
  });
});
