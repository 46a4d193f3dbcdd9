import { newCanvas } from './canvas.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { clamp, drawBackground } from './frame.ts';
import { rect, type Rect } from './rect.ts';
import { drawText, drawTitle, fitText, MUTED, SIZE, textWidth } from './text.ts';
import { checkInt, checkNumbers, checkObject, checkString, fail, given, isArrayLike } from './validate.ts';

export interface GridImage {
  /** rows × cols × channels values, row-major, channels interleaved (r, g, b, r, g, b, …). */
  pixels: ArrayLike<number>;
  rows: number;
  cols: number;
  /** 1 (grayscale, the default) or 3 (RGB). */
  channels?: 1 | 3;
  /** Shown under the image. */
  label?: string;
}

export interface ImageGridOptions {
  title?: string;
  /** Images per grid row: originals over reconstructions is `columns: n` with 2n images. */
  columns: number;
  images: GridImage[];
  /** The values shown as black and white; values outside are clipped. Default [0, 1]. */
  range?: [number, number];
  /** Each image pixel becomes a cellScale × cellScale block (nearest neighbour). Default: about 112 px per image (at most 16×). */
  cellScale?: number;
  /** Shown left of each grid row, e.g. ['original', 'reconstruction']. */
  rowLabels?: string[];
}

export interface ImageGridLayout {
  title?: Rect;
  /** Where each image's pixels landed, in input order (exactly cols·cellScale × rows·cellScale). */
  cells: Rect[];
  /** The text box under each image (undefined for an image without a label). */
  labels: (Rect | undefined)[];
  cellScale: number;
  range: [number, number];
}

const FN = 'imageGrid';
const PAD = 12;
const GAP = 8;
const LABEL = 18;
/** NaN or ±Infinity pixels: a colour no grayscale image has, so they cannot pass for black or white. */
export const NON_FINITE_RGB = [255, 0, 255] as const;
const MAX_PIXELS = 40e6;

interface CheckedImage {
  pixels: ArrayLike<number>;
  rows: number;
  cols: number;
  channels: 1 | 3;
  label: string | undefined;
}

function checkImage(raw: unknown, i: number): CheckedImage {
  const where = `images[${i}]`;
  const o = checkObject(FN, where, raw);
  const rows = checkInt(FN, `${where}.rows`, o.rows, 1, 4096);
  const cols = checkInt(FN, `${where}.cols`, o.cols, 1, 4096);
  const channels = o.channels ?? 1;
  if (channels !== 1 && channels !== 3) {
    fail(FN, `${where}.channels is ${given(channels)}; it must be 1 (grayscale) or 3 (RGB, interleaved r, g, b per pixel).`);
  }
  const pixels = checkNumbers(FN, `${where}.pixels`, o.pixels);
  const want = rows * cols * channels;
  if (pixels.length !== want) {
    fail(
      FN,
      `${where}.pixels has ${pixels.length} values, but rows × cols × channels = ${rows} × ${cols} × ${channels} = ${want}; ` +
        'pass exactly that many (row-major' + (channels === 3 ? ', r, g, b interleaved' : '') + ') or correct rows, cols or channels.',
    );
  }
  return { pixels, rows, cols, channels, label: checkString(FN, `${where}.label`, o.label, true) };
}

function checkRange(value: unknown): [number, number] {
  if (value === undefined) return [0, 1];
  if (!isArrayLike(value) || value.length !== 2 || typeof value[0] !== 'number' || typeof value[1] !== 'number' ||
    !Number.isFinite(value[0]) || !Number.isFinite(value[1]) || !(value[0] < value[1])) {
    const shown = isArrayLike(value) ? `[${Array.from(value, given).join(', ')}]` : given(value);
    fail(FN, `range is ${shown}; it must be [low, high] with finite low < high: the values shown as black and white (e.g. [0, 1], or [-1, 1] for tanh outputs).`);
  }
  return [value[0], value[1]];
}

/**
 * Images in a grid, each pixel upscaled to a cellScale block (nearest neighbour, so pixels stay sharp and
 * exact), values mapped from `range` to 0–255 and clipped; labels under the images.
 */
export function imageGrid(options: ImageGridOptions): FigureWith<ImageGridLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title, true) ?? '';
  if (!Array.isArray(o.images)) fail(FN, `images must be an array of { pixels, rows, cols } objects, but got ${given(o.images)}.`);
  if (o.images.length === 0) fail(FN, 'images is empty, so there is nothing to draw; pass at least one { pixels, rows, cols } image.');
  const images = o.images.map(checkImage);
  const columns = checkInt(FN, 'columns', o.columns, 1, 1000);
  const range = checkRange(o.range);
  const maxRows = Math.max(...images.map((im) => im.rows));
  const maxCols = Math.max(...images.map((im) => im.cols));
  const scale = checkInt(FN, 'cellScale', o.cellScale, 1, 64, clamp(Math.floor(112 / Math.max(maxRows, maxCols)), 1, 16));
  const gridRows = Math.ceil(images.length / columns);
  let rowLabels: string[] = [];
  if (o.rowLabels !== undefined) {
    if (!Array.isArray(o.rowLabels) || o.rowLabels.length > gridRows || o.rowLabels.some((l) => typeof l !== 'string')) {
      fail(FN, `rowLabels is ${given(o.rowLabels)}; it must be an array of at most ${gridRows} strings (one per grid row).`);
    }
    rowLabels = o.rowLabels as string[];
  }

  const measure = newCanvas(1, 1).ctx;
  const labelH = images.some((im) => im.label !== undefined) ? LABEL : 0;
  // Small images get wider cells (up to 160 px) so their labels are not cut to nothing; images stay centred.
  const widestLabel = Math.max(0, ...images.map((im) => (im.label === undefined ? 0 : Math.ceil(textWidth(measure, im.label, SIZE.tick)))));
  const cellW = Math.max(maxCols * scale, Math.min(widestLabel, 160));
  const cellH = maxRows * scale;
  const rowLabelW = rowLabels.length > 0 ? Math.ceil(Math.max(...rowLabels.map((l) => textWidth(measure, l, SIZE.label)))) + 12 : 0;
  const shownColumns = Math.min(columns, images.length);
  const gridW = shownColumns * cellW + (shownColumns - 1) * GAP;
  const titleH = title === '' ? 0 : 22 + 10;
  const nonFinite = images.reduce((n, im) => n + countNonFinite(im.pixels), 0);
  const noteH = nonFinite > 0 ? 18 : 0;
  const width = Math.max(PAD * 2 + rowLabelW + gridW, title === '' ? 0 : Math.min(800, textWidth(measure, title, SIZE.title) + 2 * PAD), 120);
  const height = PAD + titleH + gridRows * (cellH + labelH) + (gridRows - 1) * GAP + PAD + noteH;
  if (width > 16000 || height > 16000 || width * height > MAX_PIXELS) {
    fail(FN, `the grid would be ${Math.ceil(width)} × ${height} pixels, more than a viewer opens comfortably (at most 16000 per side and ${MAX_PIXELS / 1e6} megapixels); use a smaller cellScale (now ${scale}), more columns, or fewer images per figure.`);
  }

  const { canvas, ctx } = newCanvas(Math.ceil(width), height);
  drawBackground(ctx, canvas.width, canvas.height);
  const layout: ImageGridLayout = { cells: [], labels: [], cellScale: scale, range };
  if (title !== '') {
    drawTitle(ctx, title, canvas.width / 2, PAD, canvas.width - 2 * PAD);
    layout.title = rect(0, PAD, canvas.width, 22);
  }
  const left = Math.floor((canvas.width - gridW - rowLabelW) / 2) + rowLabelW;
  const top = PAD + titleH;
  rowLabels.forEach((label, r) => {
    const y = top + r * (cellH + labelH + GAP) + cellH / 2;
    drawText(ctx, label, left - 12, y, { px: SIZE.label, align: 'right', baseline: 'middle' });
  });
  images.forEach((im, i) => {
    const cx = left + (i % columns) * (cellW + GAP);
    const cy = top + Math.floor(i / columns) * (cellH + labelH + GAP);
    const x = cx + Math.floor((cellW - im.cols * scale) / 2);
    const y = cy + Math.floor((cellH - im.rows * scale) / 2);
    const w = im.cols * scale;
    const h = im.rows * scale;
    // A thin frame just outside the pixels, so a white digit on white paper still has edges.
    ctx.strokeStyle = '#C8C8C8';
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
    ctx.putImageData(upscale(ctx.createImageData(w, h), im, scale, range), x, y);
    layout.cells.push(rect(x, y, w, h));
    if (im.label === undefined) {
      layout.labels.push(undefined);
    } else {
      const text = fitText(ctx, im.label, SIZE.tick, cellW + GAP - 2);
      drawText(ctx, text, cx + cellW / 2, cy + cellH + 3, { px: SIZE.tick, align: 'center', baseline: 'top' });
      layout.labels.push(rect(cx - GAP / 2, cy + cellH, cellW + GAP, labelH));
    }
  });
  if (nonFinite > 0) {
    drawText(ctx, `magenta: ${nonFinite} NaN/±∞ pixel value${nonFinite === 1 ? '' : 's'}`, canvas.width - PAD, canvas.height - PAD + 2, {
      px: SIZE.note,
      align: 'right',
      color: MUTED,
    });
  }
  return new RenderedFigure(canvas, layout);
}

function countNonFinite(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) n++;
  return n;
}

/** Writes the image into `out` with every pixel repeated scale × scale times. */
function upscale<T extends { data: Uint8ClampedArray; width: number }>(out: T, im: CheckedImage, scale: number, range: [number, number]): T {
  const [lo, hi] = range;
  const toByte = (v: number): number => Math.round(Math.min(1, Math.max(0, (v - lo) / (hi - lo))) * 255);
  const { data, width } = out;
  for (let r = 0; r < im.rows; r++) {
    for (let c = 0; c < im.cols; c++) {
      const base = (r * im.cols + c) * im.channels;
      let rgb: readonly [number, number, number];
      const v0 = im.pixels[base]!;
      if (im.channels === 1) {
        const b = Number.isFinite(v0) ? toByte(v0) : -1;
        rgb = b < 0 ? NON_FINITE_RGB : [b, b, b];
      } else {
        const [v1, v2] = [im.pixels[base + 1]!, im.pixels[base + 2]!];
        rgb = Number.isFinite(v0) && Number.isFinite(v1) && Number.isFinite(v2) ? [toByte(v0), toByte(v1), toByte(v2)] : NON_FINITE_RGB;
      }
      for (let dy = 0; dy < scale; dy++) {
        let p = ((r * scale + dy) * width + c * scale) * 4;
        for (let dx = 0; dx < scale; dx++, p += 4) {
          data[p] = rgb[0];
          data[p + 1] = rgb[1];
          data[p + 2] = rgb[2];
          data[p + 3] = 255;
        }
      }
    }
  }
  return out;
}
