import { drawLegend, layoutLegend, type LegendEntry, type LegendLayout } from './legend.ts';
import { rect, type Rect } from './rect.ts';
import { linearAxis, logAxis, unit, type Axis } from './ticks.ts';
import { drawText, drawTitle, MUTED, SIZE, textWidth, type Ctx } from './text.ts';

/**
 * The frame shared by every x–y chart: title, legend row, plot area, nice ticks, grid, axis titles.
 * Layout first (sizes depend on the tick labels), then the grid under the data, then the axes over it.
 */

export interface AxisRequest {
  min: number;
  max: number;
  log?: boolean;
  /** Keep [min, max] as the domain (a contour grid's edges) instead of growing it to round ticks. */
  tight?: boolean;
  /** The values are whole numbers (epochs, steps): ticks only at whole numbers (linear axes). */
  integer?: boolean;
}

export interface ChartSpec {
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  x: AxisRequest;
  y: AxisRequest;
  legend?: readonly LegendEntry[];
  /** Pixels kept free at the right edge (for a colour bar). */
  rightReserve?: number;
  /** A small grey note under the chart, e.g. how many points were not drawn and why. */
  footnote?: string;
}

export interface ChartLayout {
  /** The plot area; data coordinates map onto it through `x` and `y`. */
  plot: Rect;
  title: Rect;
  legend?: Rect;
  /** The grey note under the chart (what was not drawn), when there is one. */
  footnote?: Rect;
  x: Axis;
  y: Axis;
}

const PAD = 14;
const TICK = 5;
const TICK_GAP = 4;
const LINE = 18;

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function makeAxis(request: AxisRequest, count: number): Axis {
  if (request.log === true) return logAxis(request.min, request.max, count);
  return linearAxis(request.min, request.max, count, request.tight === true, request.integer === true);
}

/** x ticks whose labels do not collide: fewer ticks until neighbours keep 12 px apart. */
function fittingXAxis(ctx: Ctx, request: AxisRequest, plotWidth: number): Axis {
  for (let count = clamp(Math.round(plotWidth / 90), 2, 12); ; count--) {
    const axis = makeAxis(request, count);
    const spots = axis.ticks.map((t, i) => ({ at: unit(axis, t) * plotWidth, half: textWidth(ctx, axis.labels[i]!, SIZE.tick) / 2 }));
    const fits = spots.every((s, i) => i === 0 || s.at - s.half - (spots[i - 1]!.at + spots[i - 1]!.half) >= 12);
    if (fits || count <= 2) return axis;
  }
}

export interface Chart {
  layout: ChartLayout;
  legend: LegendLayout | undefined;
  spec: ChartSpec;
}

export function layoutChart(ctx: Ctx, spec: ChartSpec): Chart {
  const { width, height } = spec;
  const title = rect(0, PAD, width, spec.title === '' ? 0 : 22);
  const entries = spec.legend ?? [];
  const legend = entries.length > 0 ? layoutLegend(ctx, entries, width - 2 * PAD) : undefined;
  const legendTop = title.y + title.height + (title.height > 0 ? 6 : 0);
  const top = legendTop + (legend === undefined ? 0 : legend.height + 6) + 10;
  const bottom =
    height - PAD - (spec.footnote === undefined ? 0 : 16) - (spec.xLabel === '' ? 0 : LINE + 4) - 16 - TICK_GAP - TICK;
  const plotHeight = Math.max(40, bottom - top);
  const y = makeAxis(spec.y, clamp(Math.round(plotHeight / 65), 2, 10));
  const yLabelWidth = Math.max(0, ...y.labels.map((l) => textWidth(ctx, l, SIZE.tick)));
  const left = Math.ceil(PAD + (spec.yLabel === '' ? 0 : LINE + 8) + yLabelWidth + TICK_GAP + TICK);
  const right = width - PAD - (spec.rightReserve ?? 0) - 10;
  const plotWidth = Math.max(40, right - left);
  const x = fittingXAxis(ctx, spec.x, plotWidth);
  const layout: ChartLayout = { plot: rect(left, top, plotWidth, plotHeight), title, x, y };
  if (legend !== undefined) layout.legend = rect(PAD, legendTop, width - 2 * PAD, legend.height);
  return { layout, legend, spec };
}

/** Data → canvas pixels (may fall outside the plot area for values beyond the domain). */
export function toPixelX(layout: ChartLayout, v: number): number {
  return layout.plot.x + unit(layout.x, v) * layout.plot.width;
}
export function toPixelY(layout: ChartLayout, v: number): number {
  return layout.plot.y + layout.plot.height - unit(layout.y, v) * layout.plot.height;
}

export function drawBackground(ctx: Ctx, width: number, height: number): void {
  ctx.fillStyle = '#FFFFFF';
  ctx.fillRect(0, 0, width, height);
}

/** Light grid lines at the ticks, drawn before the data. */
export function drawGrid(ctx: Ctx, layout: ChartLayout): void {
  const { plot } = layout;
  ctx.strokeStyle = '#E4E4E4';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const t of layout.x.ticks) {
    const px = Math.round(toPixelX(layout, t)) + 0.5;
    ctx.moveTo(px, plot.y);
    ctx.lineTo(px, plot.y + plot.height);
  }
  for (const t of layout.y.ticks) {
    const py = Math.round(toPixelY(layout, t)) + 0.5;
    ctx.moveTo(plot.x, py);
    ctx.lineTo(plot.x + plot.width, py);
  }
  ctx.stroke();
}

/** Restricts drawing to the plot area until the returned function is called. */
export function clipToPlot(ctx: Ctx, plot: Rect): () => void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, plot.y, plot.width, plot.height);
  ctx.clip();
  return () => {
    ctx.restore();
  };
}

/** Frame, ticks, tick labels, axis titles, title, legend and footnote, drawn over the data. */
export function drawAxes(ctx: Ctx, chart: Chart): void {
  const { layout, spec } = chart;
  const { plot } = layout;
  ctx.strokeStyle = '#333333';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(plot.x - 0.5, plot.y - 0.5, plot.width + 1, plot.height + 1);

  ctx.beginPath();
  const xs = layout.x.ticks.map((t) => Math.round(toPixelX(layout, t)) + 0.5);
  const ys = layout.y.ticks.map((t) => Math.round(toPixelY(layout, t)) + 0.5);
  const base = plot.y + plot.height;
  for (const px of xs) {
    ctx.moveTo(px, base);
    ctx.lineTo(px, base + TICK);
  }
  for (const py of ys) {
    ctx.moveTo(plot.x - TICK, py);
    ctx.lineTo(plot.x, py);
  }
  ctx.stroke();
  xs.forEach((px, i) => {
    drawText(ctx, layout.x.labels[i]!, px, base + TICK + TICK_GAP, { px: SIZE.tick, align: 'center', baseline: 'top' });
  });
  ys.forEach((py, i) => {
    drawText(ctx, layout.y.labels[i]!, plot.x - TICK - TICK_GAP, py, { px: SIZE.tick, align: 'right', baseline: 'middle' });
  });

  const cx = plot.x + plot.width / 2;
  if (spec.xLabel !== '') {
    drawText(ctx, spec.xLabel, cx, base + TICK + TICK_GAP + 16 + 6, { px: SIZE.label, align: 'center', baseline: 'top' });
  }
  if (spec.yLabel !== '') {
    ctx.save();
    ctx.translate(PAD + LINE / 2, plot.y + plot.height / 2);
    ctx.rotate(-Math.PI / 2);
    drawText(ctx, spec.yLabel, 0, 0, { px: SIZE.label, align: 'center', baseline: 'middle' });
    ctx.restore();
  }
  if (spec.title !== '') drawTitle(ctx, spec.title, spec.width / 2, layout.title.y, spec.width - 2 * PAD);
  if (chart.legend !== undefined && layout.legend !== undefined) {
    layout.legend = drawLegend(ctx, chart.legend, spec.width / 2, layout.legend.y);
  }
  if (spec.footnote !== undefined) {
    drawText(ctx, spec.footnote, spec.width - PAD, spec.height - PAD, { px: SIZE.note, align: 'right', color: MUTED });
    const w = Math.ceil(textWidth(ctx, spec.footnote, SIZE.note));
    layout.footnote = rect(spec.width - PAD - w, spec.height - PAD - SIZE.note, w, SIZE.note + 3);
  }
}
