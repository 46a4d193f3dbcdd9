/**
 * Tests for exercise 08, part 4: plotPath's two files, on a made-up landscape whose shape is known.
 *
 * The grid is deliberately not square (7 x values, 5 y values) and the surface not symmetric, so a
 * transposed or mirrored grid shows. The page's data are read back from the HTML; the PNG is decoded
 * and measured: the path's start and end markers (the contour map draws them in fixed colours) give
 * the map from data to pixels, and the brightness of the filled contours at the grid nodes must rise
 * with the loss there (viridis runs from dark to bright).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { plotlyBundle, readPlotlyPage } from '#kit/plotly';
import type { LandscapePath, LossGrid } from './landscape.ts';
import { plotPath } from './plot.ts';

/** An asymmetric valley: f(a, b) = 0.3 + 0.1a² + 0.8(b − 0.2a)². */
const f = (a: number, b: number): number => 0.3 + 0.1 * a * a + 0.8 * (b - 0.2 * a) ** 2;

function syntheticLandscape(): { grid: LossGrid; path: LandscapePath } {
  const x = Float64Array.from({ length: 7 }, (_, i) => -3 + i);
  const y = Float64Array.from({ length: 5 }, (_, j) => -1 + 0.5 * j);
  const z = Array.from(y, (b) => Float64Array.from(x, (a) => f(a, b)));
  const n = 9;
  const px = Float64Array.from({ length: n }, (_, t) => -2.5 + (4.5 * t) / (n - 1));
  const py = Float64Array.from(px, (a, t) => -0.8 + (1.3 * t) / (n - 1) + 0.1 * Math.sin(a));
  return { grid: { x, y, z }, path: { x: px, y: py, loss: Float64Array.from(px, (a, t) => f(a, py[t]!)) } };
}

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-plot-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Rgba {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

async function decode(file: string): Promise<Rgba> {
  const image = await loadImage(fs.readFileSync(file));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, data: ctx.getImageData(0, 0, image.width, image.height).data };
}

/** Centroids of the connected blobs of pixels within 12 of `rgb` in every channel, biggest first. */
function blobs(img: Rgba, rgb: readonly [number, number, number]): { x: number; y: number; size: number }[] {
  const { width, height, data } = img;
  const hit = new Uint8Array(width * height);
  for (let p = 0; p < width * height; p++) {
    if (Math.abs(data[4 * p]! - rgb[0]) <= 12 && Math.abs(data[4 * p + 1]! - rgb[1]) <= 12 && Math.abs(data[4 * p + 2]! - rgb[2]) <= 12) hit[p] = 1;
  }
  const out: { x: number; y: number; size: number }[] = [];
  for (let start = 0; start < hit.length; start++) {
    if (hit[start] !== 1) continue;
    const stack = [start];
    hit[start] = 2;
    let [sx, sy, size] = [0, 0, 0];
    while (stack.length > 0) {
      const p = stack.pop()!;
      const [x, y] = [p % width, Math.floor(p / width)];
      sx += x;
      sy += y;
      size++;
      for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1]) {
        if (q >= 0 && hit[q] === 1) {
          hit[q] = 2;
          stack.push(q);
        }
      }
    }
    out.push({ x: sx / size, y: sy / size, size });
  }
  return out.sort((a, b) => b.size - a.size);
}

/** Spearman's rank correlation (average ranks for ties). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]): number[] => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [rank(a), rank(b)];
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('plotPath', () => {
  it('writes a self-contained page whose first trace is the surface (z[j][i] at (x[i], y[j])) and second the path as a 3-D scatter', async () => {
    const { grid, path: p } = syntheticLandscape();
    const files = await plotPath(grid, p, { html: path.join(dir, 'a', 'land.html'), png: path.join(dir, 'a', 'land.png') }, { title: 'Synthetic valley', explained: [0.8, 0.15] });
    expect(files.html).toBe(path.join(dir, 'a', 'land.html'));
    expect(files.png).toBe(path.join(dir, 'a', 'land.png'));
    const html = fs.readFileSync(files.html, 'utf8');
    expect(html.includes(plotlyBundle().code), 'plotly.js inlined in the page').toBe(true);
    expect(/<script[^>]*\ssrc=/i.test(html.replace(plotlyBundle().code, '')), 'no external script').toBe(false);
    const { figure } = readPlotlyPage(html);
    expect(figure.data.map((t) => t.type)).toEqual(['surface', 'scatter3d']);
    const surface = figure.data[0]!;
    const scatter = figure.data[1]!;
    expect(surface.x).toEqual(Array.from(grid.x));
    expect(surface.y).toEqual(Array.from(grid.y));
    expect(surface.z).toEqual(grid.z.map((r) => Array.from(r)));
    expect(scatter.x).toEqual(Array.from(p.x));
    expect(scatter.y).toEqual(Array.from(p.y));
    expect(scatter.z).toEqual(Array.from(p.loss));
    expect(String(scatter.mode)).toContain('markers');
  });

  it('draws the contour map: the path’s start and end where they belong, and brighter contours where the loss is higher', async () => {
    const { grid, path: p } = syntheticLandscape();
    const files = await plotPath(grid, p, { html: path.join(dir, 'b.html'), png: path.join(dir, 'b.png') });
    const img = await decode(files.png);
    expect(img.width).toBeGreaterThanOrEqual(400);
    // The contour map marks the start in #56B4E9 and the end in #D55E00 (and shows both in its legend,
    // above the plot): the lowest blob of each colour is the marker on the map.
    const lowest = (b: { x: number; y: number; size: number }[]): { x: number; y: number } => b.filter((q) => q.size >= 15).sort((u, v) => v.y - u.y)[0]!;
    const startBlobs = blobs(img, [0x56, 0xb4, 0xe9]);
    const endBlobs = blobs(img, [0xd5, 0x5e, 0x00]);
    expect(startBlobs.filter((q) => q.size >= 15).length, 'a start marker (#56B4E9) on the map').toBeGreaterThanOrEqual(1);
    expect(endBlobs.filter((q) => q.size >= 15).length, 'an end marker (#D55E00) on the map').toBeGreaterThanOrEqual(1);
    const s = lowest(startBlobs);
    const e = lowest(endBlobs);
    const [s0, s1] = [p.x[0]!, p.y[0]!];
    const [e0, e1] = [p.x[p.x.length - 1]!, p.y[p.y.length - 1]!];
    // The start (bottom left of the data) is left of and below the end.
    expect(s.x).toBeLessThan(e.x);
    expect(s.y).toBeGreaterThan(e.y);
    // Data → pixels from the two markers; then sample the filled contours at every grid node.
    const toPx = (a: number): number => s.x + ((a - s0) / (e0 - s0)) * (e.x - s.x);
    const toPy = (b: number): number => s.y + ((b - s1) / (e1 - s1)) * (e.y - s.y);
    const brightness: number[] = [];
    const heights: number[] = [];
    grid.y.forEach((b, j) => {
      grid.x.forEach((a, i) => {
        // Nodes on the frame are pulled 3 px inside it, away from the axis lines.
        const px = Math.round(toPx(a) + (i === 0 ? 3 : i === grid.x.length - 1 ? -3 : 0));
        const py = Math.round(toPy(b) + (j === 0 ? -3 : j === grid.y.length - 1 ? 3 : 0));
        const k = 4 * (py * img.width + px);
        brightness.push(0.299 * img.data[k]! + 0.587 * img.data[k + 1]! + 0.114 * img.data[k + 2]!);
        heights.push(grid.z[j]![i]!);
      });
    });
    const rho = spearman(brightness, heights);
    expect(rho, `rank correlation of contour brightness with the loss at the 35 grid nodes: ${rho.toFixed(3)}`).toBeGreaterThan(0.9);
  });

  it('rejects a grid whose z is not one row per y value, a path of unequal lengths, and wrong file names (ArgumentError)', async () => {
    const { grid, path: p } = syntheticLandscape();
    await plotPath(grid, p, { html: path.join(dir, 'c.html'), png: path.join(dir, 'c.png') });
    const transposed = { ...grid, z: Array.from(grid.x, (_, i) => Float64Array.from(grid.y, (_, j) => grid.z[j]![i]!)) };
    await expect(plotPath(transposed, p, { html: path.join(dir, 'd.html'), png: path.join(dir, 'd.png') })).rejects.toThrow(ArgumentError);
    await expect(plotPath(grid, { ...p, loss: p.loss.slice(1) }, { html: path.join(dir, 'd.html'), png: path.join(dir, 'd.png') })).rejects.toThrow(ArgumentError);
    await expect(plotPath(grid, p, { html: path.join(dir, 'd.png'), png: path.join(dir, 'd.html') })).rejects.toThrow(ArgumentError);
  });
});
