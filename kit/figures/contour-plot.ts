import { newCanvas } from './canvas.ts';
import { drawColorBar, colorBarWidth } from './color-bar.ts';
import { contourSegments, type SampledField } from './contour-lines.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { clipToPlot, drawAxes, drawBackground, layoutChart, toPixelX, toPixelY, type ChartLayout } from './frame.ts';
import type { LegendEntry } from './legend.ts';
import { drawMarker } from './markers.ts';
import { rgbCss, viridis, type Rgb } from './palette.ts';
import type { Rect } from './rect.ts';
import { formatLinear, linearAxis } from './ticks.ts';
import { checkBoolean, checkInt, checkNumbers, checkObject, checkSize, checkString, fail, given, isArrayLike } from './validate.ts';

export interface ContourPath {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Legend name of the path, e.g. 'SGD'. Default 'path'. */
  label?: string;
}

export interface ContourPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Grid coordinates, strictly increasing. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** z[j][i] is the value at (x[i], y[j]): one row per y, one entry per x; all finite. */
  z: ArrayLike<number>[];
  /** About this many filled levels at round values (default 10), or the level boundaries themselves. */
  levels?: number | number[];
  /** Levels spaced evenly in log z (every z must be > 0): for losses spanning decades. */
  logZ?: boolean;
  /** Lines along the level boundaries (default true). */
  lines?: boolean;
  /** Name of z beside the colour bar, e.g. 'loss'. */
  zLabel?: string;
  /** A path drawn on top as connected markers, its start and end marked. */
  path?: ContourPath;
  /** Pixels; default 760 × 600. */
  width?: number;
  height?: number;
}

export interface ContourPlotLayout extends ChartLayout {
  colorBar: Rect;
  /** Level boundaries, increasing; band k (colour `bandColors[k]`) holds boundaries[k] ≤ z < boundaries[k + 1]. */
  boundaries: number[];
  bandColors: Rgb[];
}

const FN = 'contourPlot';
export const PATH_STYLE = { marker: '#FFFFFF', start: '#56B4E9', end: '#D55E00', casing: '#000000' } as const;

function checkAxis(name: string, value: unknown): ArrayLike<number> {
  const v = checkNumbers(FN, name, value);
  if (v.length < 2) fail(FN, `${name} has ${v.length} value${v.length === 1 ? '' : 's'}; a grid needs at least 2 coordinates per axis.`);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) fail(FN, `${name}[${i}] is ${given(v[i])}; grid coordinates must be finite.`);
    if (i > 0 && !(v[i]! > v[i - 1]!)) {
      fail(FN, `${name} must be strictly increasing, but ${name}[${i}] = ${v[i]} does not exceed ${name}[${i - 1}] = ${v[i - 1]}; sort the grid (and z with it) or drop repeats.`);
    }
  }
  return v;
}

function checkGrid(z: unknown, xs: ArrayLike<number>, ys: ArrayLike<number>, logZ: boolean): { rows: ArrayLike<number>[]; min: number; max: number } {
  const [nx, ny] = [xs.length, ys.length];
  const shape = 'z[j][i] is the value at (x[i], y[j]), so z needs one row per y value, each with one entry per x value';
  if (!Array.isArray(z)) fail(FN, `z must be an array of rows (arrays of numbers), but got ${given(z)}; ${shape}.`);
  if (z.length !== ny) fail(FN, `z has ${z.length} rows but y has ${ny} values; ${shape} (${ny} rows of ${nx}).`);
  let [min, max] = [Infinity, -Infinity];
  const rows = z.map((row: unknown, j) => {
    if (!isArrayLike(row)) fail(FN, `z[${j}] is ${given(row)}, not an array of numbers; ${shape}.`);
    const r = checkNumbers(FN, `z[${j}]`, row);
    if (r.length !== nx) fail(FN, `z[${j}] has ${r.length} values but x has ${nx}; ${shape} (${ny} rows of ${nx}).`);
    for (let i = 0; i < nx; i++) {
      const v = r[i]!;
      if (!Number.isFinite(v)) {
        fail(FN, `z[${j}][${i}] (at x = ${xs[i]}, y = ${ys[j]}) is ${given(v)}; every z value must be finite for a filled map. Find why that point's value is not a number (a diverged loss?) or evaluate a smaller region.`);
      }
      if (logZ && v <= 0) fail(FN, `z[${j}][${i}] is ${v}, but logZ needs every z > 0; leave logZ out or shift z.`);
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return r;
  });
  return { rows, min, max };
}

function checkLevels(value: unknown, min: number, max: number, logZ: boolean): number[] {
  if (isArrayLike(value)) {
    const levels = Array.from(checkNumbers(FN, 'levels', value));
    const ok = levels.length >= 2 && levels.every((l, i) => Number.isFinite(l) && (i === 0 || l > levels[i - 1]!)) && (!logZ || levels[0]! > 0);
    if (!ok) fail(FN, `levels is [${levels.map(given).join(', ')}]; as an array it must hold at least 2 finite, strictly increasing boundaries${logZ ? ' (all > 0 with logZ)' : ''}.`);
    return levels;
  }
  const count = checkInt(FN, 'levels', value, 2, 64, 10);
  if (!logZ) return linearAxis(min, max, count).ticks;
  const exponents = linearAxis(Math.log10(min), Math.log10(max), count).ticks;
  return exponents.map((e) => Number((10 ** e).toPrecision(3)));
}

/** Grid cell and fraction along it for a coordinate (the grid may be unevenly spaced). */
function cellIndex(coords: ArrayLike<number>, v: number): [number, number] {
  let lo = 0;
  let hi = coords.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (coords[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const t = (v - coords[lo]!) / (coords[lo + 1]! - coords[lo]!);
  return [lo, Math.min(1, Math.max(0, t))];
}

/**
 * z interpolated bilinearly at every pixel centre of a width × height plot (row-major, top row first:
 * the top of the plot is the largest y).
 */
function sampleField(xs: ArrayLike<number>, ys: ArrayLike<number>, rows: readonly ArrayLike<number>[], width: number, height: number): Float64Array {
  const [x0, x1, y0, y1] = [xs[0]!, xs[xs.length - 1]!, ys[0]!, ys[ys.length - 1]!];
  const cols = Array.from({ length: width }, (_, px) => cellIndex(xs, x0 + ((px + 0.5) / width) * (x1 - x0)));
  const field = new Float64Array(width * height);
  for (let py = 0; py < height; py++) {
    const [j, ty] = cellIndex(ys, y1 - ((py + 0.5) / height) * (y1 - y0));
    const r0 = rows[j]!;
    const r1 = rows[j + 1]!;
    for (let px = 0; px < width; px++) {
      const [i, tx] = cols[px]!;
      const top = r0[i]! + tx * (r0[i + 1]! - r0[i]!);
      const bottom = r1[i]! + tx * (r1[i + 1]! - r1[i]!);
      field[py * width + px] = top + ty * (bottom - top);
    }
  }
  return field;
}

function bandOf(boundaries: readonly number[], v: number): number {
  let k = 0;
  while (k < boundaries.length - 2 && v >= boundaries[k + 1]!) k++;
  return k;
}

/**
 * A filled contour map of z over the (x, y) grid, in viridis with a colour bar, lines on the level
 * boundaries, and optionally a path (an optimiser's trajectory) drawn over it with its start and end marked.
 */
export function contourPlot(options: ContourPlotOptions): FigureWith<ContourPlotLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title)!;
  const xLabel = checkString(FN, 'xLabel', o.xLabel)!;
  const yLabel = checkString(FN, 'yLabel', o.yLabel)!;
  const zLabel = checkString(FN, 'zLabel', o.zLabel, true) ?? '';
  const xs = checkAxis('x', o.x);
  const ys = checkAxis('y', o.y);
  const logZ = checkBoolean(FN, 'logZ', o.logZ);
  const lines = o.lines === undefined ? true : checkBoolean(FN, 'lines', o.lines);
  const grid = checkGrid(o.z, xs, ys, logZ);
  const boundaries = checkLevels(o.levels, grid.min, grid.max, logZ);
  const path = checkPath(o.path);
  const { width, height } = checkSize(FN, o, 760, 600);
  const bands = boundaries.length - 1;
  const bandColors = Array.from({ length: bands }, (_, k) => viridis(bands === 1 ? 0.5 : k / (bands - 1)));
  const labels = logZ ? boundaries.map((b) => Number(b.toPrecision(2)).toString()) : formatLinear(boundaries, boundaries[1]! - boundaries[0]!);

  const [x0, x1, y0, y1] = [xs[0]!, xs[xs.length - 1]!, ys[0]!, ys[ys.length - 1]!];
  let outside = 0;
  if (path !== undefined) {
    for (let i = 0; i < path.x.length; i++) {
      const [px, py] = [path.x[i]!, path.y[i]!];
      if (Number.isFinite(px) && Number.isFinite(py) && (px < x0 || px > x1 || py < y0 || py > y1)) outside++;
    }
  }
  const legend: LegendEntry[] | undefined =
    path === undefined
      ? undefined
      : [
          { name: path.label, color: PATH_STYLE.marker, kind: 'marker', marker: 'circle', stroke: PATH_STYLE.casing },
          { name: 'start', color: PATH_STYLE.start, kind: 'marker', marker: 'square', stroke: PATH_STYLE.casing },
          { name: 'end', color: PATH_STYLE.end, kind: 'marker', marker: 'diamond', stroke: PATH_STYLE.casing },
        ];
  const notes = [
    path !== undefined && path.nonFinite > 0 ? `${path.nonFinite} NaN/±∞ path point${path.nonFinite === 1 ? '' : 's'} not drawn` : '',
    outside > 0 ? `${outside} path point${outside === 1 ? '' : 's'} outside the grid` : '',
  ].filter((s) => s !== '');

  const { canvas, ctx } = newCanvas(width, height);
  const chart = layoutChart(ctx, {
    width,
    height,
    title,
    xLabel,
    yLabel,
    x: { min: x0, max: x1, tight: true },
    y: { min: y0, max: y1, tight: true },
    rightReserve: colorBarWidth(ctx, labels, zLabel),
    ...(legend === undefined ? {} : { legend }),
    ...(notes.length === 0 ? {} : { footnote: notes.join(', ') }),
  });
  const { layout } = chart;
  const { plot } = layout;
  drawBackground(ctx, width, height);

  const field = sampleField(xs, ys, grid.rows, plot.width, plot.height);
  const image = ctx.createImageData(plot.width, plot.height);
  for (let p = 0; p < field.length; p++) {
    const c = bandColors[bandOf(boundaries, field[p]!)]!;
    image.data[4 * p] = c[0];
    image.data[4 * p + 1] = c[1];
    image.data[4 * p + 2] = c[2];
    image.data[4 * p + 3] = 255;
  }
  ctx.putImageData(image, plot.x, plot.y);

  const unclip = clipToPlot(ctx, plot);
  if (lines && bands > 1) drawLevelLines(ctx, plot, field, boundaries.slice(1, -1));
  if (path !== undefined) drawPath(ctx, layout, path);
  unclip();
  drawAxes(ctx, chart);
  const colorBar = drawColorBar(ctx, { plot, boundaries, colors: bandColors.map(rgbCss), labels, log: logZ, zLabel });
  return new RenderedFigure(canvas, { ...layout, colorBar, boundaries, bandColors });
}

interface CheckedPath {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: string;
  nonFinite: number;
}

function checkPath(value: unknown): CheckedPath | undefined {
  if (value === undefined) return undefined;
  const o = checkObject(FN, 'path', value);
  const x = checkNumbers(FN, 'path.x', o.x);
  const y = checkNumbers(FN, 'path.y', o.y);
  if (x.length !== y.length) fail(FN, `path.x has ${x.length} values but path.y has ${y.length}; give one (x, y) pair per step.`);
  let nonFinite = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!) || !Number.isFinite(y[i]!)) nonFinite++;
  if (x.length === nonFinite) fail(FN, `path has ${x.length} point${x.length === 1 ? '' : 's'}, none of them finite; pass the (x, y) coordinates of at least one step.`);
  return { x, y, label: checkString(FN, 'path.label', o.label, true) ?? 'path', nonFinite };
}

const LINE_STEP = 2;

/** Lines on the level boundaries, traced on every LINE_STEP-th pixel centre of the filled field. */
function drawLevelLines(ctx: Parameters<typeof drawAxes>[0], plot: Rect, pixels: Float64Array, levels: readonly number[]): void {
  const cols = Math.ceil(plot.width / LINE_STEP);
  const rows = Math.ceil(plot.height / LINE_STEP);
  const values = new Float64Array(cols * rows);
  for (let j = 0; j < rows; j++) for (let i = 0; i < cols; i++) values[j * cols + i] = pixels[j * LINE_STEP * plot.width + i * LINE_STEP]!;
  const field: SampledField = { cols, rows, values, at: (i, j) => [plot.x + i * LINE_STEP + 0.5, plot.y + j * LINE_STEP + 0.5] };
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.35)';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const [ax, ay, bx, by] of contourSegments(field, levels)) {
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
  }
  ctx.stroke();
}

function drawPath(ctx: Parameters<typeof drawAxes>[0], layout: ChartLayout, path: CheckedPath): void {
  const n = path.x.length;
  const ok = (i: number): boolean => i >= 0 && i < n && Number.isFinite(path.x[i]!) && Number.isFinite(path.y[i]!);
  const at = (i: number): [number, number] => [toPixelX(layout, path.x[i]!), toPixelY(layout, path.y[i]!)];
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  for (const [color, w] of [[PATH_STYLE.casing, 4], [PATH_STYLE.marker, 2]] as const) {
    ctx.strokeStyle = color;
    ctx.lineWidth = w;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (!ok(i)) continue;
      const [px, py] = at(i);
      if (ok(i - 1)) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    }
    ctx.stroke();
  }
  const r = n <= 60 ? 3.5 : 2.5;
  const casing = { color: PATH_STYLE.casing, width: 1 };
  for (let i = 0; i < n; i++) if (ok(i)) drawMarker(ctx, 'circle', ...at(i), r, PATH_STYLE.marker, casing);
  let first = 0;
  while (!ok(first)) first++;
  let last = n - 1;
  while (!ok(last)) last--;
  drawMarker(ctx, 'diamond', ...at(last), 7, PATH_STYLE.end, casing);
  drawMarker(ctx, 'square', ...at(first), 6, PATH_STYLE.start, casing);
}
