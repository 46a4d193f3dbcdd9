import { createCanvas, loadImage } from '@napi-rs/canvas';
import { hexToRgb, type Rgb } from './palette.ts';
import type { Rect } from './rect.ts';

/**
 * Pixel access to a PNG, for the figures' own tests: they decode the bytes a figure wrote and check what a
 * person would see, not the drawing calls.
 */
export class Pixels {
  constructor(
    readonly width: number,
    readonly height: number,
    readonly data: Uint8ClampedArray,
  ) {}

  at(x: number, y: number): Rgb {
    const p = (Math.floor(y) * this.width + Math.floor(x)) * 4;
    return [this.data[p]!, this.data[p + 1]!, this.data[p + 2]!];
  }

  /** Pixels inside `r` (clipped to the image) for which `test` holds. */
  count(r: Rect, test: (c: Rgb, x: number, y: number) => boolean): number {
    let n = 0;
    const [x0, y0] = [Math.max(0, Math.floor(r.x)), Math.max(0, Math.floor(r.y))];
    const [x1, y1] = [Math.min(this.width, Math.ceil(r.x + r.width)), Math.min(this.height, Math.ceil(r.y + r.height))];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (test(this.at(x, y), x, y)) n++;
    return n;
  }

  /** Mean row of the pixels in column x (within [top, bottom)) that pass `test`; NaN when none do. */
  meanRow(x: number, top: number, bottom: number, test: (c: Rgb) => boolean): number {
    let [sum, n] = [0, 0];
    for (let y = Math.max(0, Math.floor(top)); y < Math.min(this.height, bottom); y++) {
      if (test(this.at(x, y))) {
        sum += y;
        n++;
      }
    }
    return n === 0 ? NaN : sum / n;
  }
}

export async function decodePng(png: Buffer): Promise<Pixels> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, image.height);
  return new Pixels(image.width, image.height, data);
}

/** Within `tolerance` of `color` (a hex string or an RGB triple) in every channel. */
export function near(color: string | Rgb, tolerance = 40): (c: Rgb) => boolean {
  const want = typeof color === 'string' ? hexToRgb(color) : color;
  return (c) => Math.abs(c[0] - want[0]) <= tolerance && Math.abs(c[1] - want[1]) <= tolerance && Math.abs(c[2] - want[2]) <= tolerance;
}

/** Dark enough to be text or an axis line (not the light grid, not the white background). */
export const dark = (c: Rgb): boolean => c[0] + c[1] + c[2] < 3 * 110;

/** A rectangle shrunk by `by` pixels on every side. */
export const inset = (r: Rect, by: number): Rect => ({ x: r.x + by, y: r.y + by, width: r.width - 2 * by, height: r.height - 2 * by });
