import { newCanvas } from './canvas.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { drawAxes, drawBackground, drawGrid, layoutChart, toPixelX, toPixelY, type ChartLayout } from './frame.ts';
import type { LegendEntry } from './legend.ts';
import { drawMarker } from './markers.ts';
import { seriesStyle } from './palette.ts';
import { checkBoolean, checkNumbers, checkObject, checkSize, checkString, fail, given } from './validate.ts';

export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  /** Defaults to 0, 1, 2, … */
  x?: ArrayLike<number>;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Pixels; default 800 × 500. */
  width?: number;
  height?: number;
  /** Logarithmic y axis (losses). Values ≤ 0 cannot be placed on it and are left out as gaps. */
  logY?: boolean;
  /** Draw a dot at every point; default: when no series has more than 50 points. */
  markers?: boolean;
}

export interface LineChartLayout extends ChartLayout {
  series: { name: string; color: string; dash: readonly number[] }[];
}

const FN = 'lineChart';

interface CheckedSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

const indexes = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

function checkSeries(value: unknown): CheckedSeries[] {
  if (!Array.isArray(value)) fail(FN, `series must be an array of { name, y, x? } objects, but got ${given(value)}.`);
  if (value.length === 0) fail(FN, 'series is empty, so there is nothing to draw; pass at least one { name, y } series.');
  return value.map((raw, s) => {
    const where = `series[${s}]`;
    const o = checkObject(FN, where, raw);
    const name = checkString(FN, `${where}.name`, o.name)!;
    const y = checkNumbers(FN, `${where}.y`, o.y);
    if (o.x === undefined) return { name, x: indexes(y.length), y };
    const x = checkNumbers(FN, `${where}.x`, o.x);
    if (x.length !== y.length) {
      fail(
        FN,
        `${where} (${JSON.stringify(name)}) has ${x.length} x values but ${y.length} y values; x and y must have the ` +
          'same length (one x per y), or leave x out to plot y against 0, 1, 2, ….',
      );
    }
    return { name, x, y };
  });
}

/**
 * A line chart of one or more series: nice ticks, a legend when there are two or more series, NaN and
 * ±Infinity left out as gaps in the line (counted in a note under the chart, never drawn at 0).
 */
export function lineChart(options: LineChartOptions): FigureWith<LineChartLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title)!;
  const xLabel = checkString(FN, 'xLabel', o.xLabel)!;
  const yLabel = checkString(FN, 'yLabel', o.yLabel)!;
  const series = checkSeries(o.series);
  const logY = checkBoolean(FN, 'logY', o.logY);
  const { width, height } = checkSize(FN, o, 800, 500);

  const drawable = (x: number, y: number): boolean => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  let nonFinite = 0;
  let nonPositive = 0;
  for (const { x, y } of series) {
    for (let i = 0; i < y.length; i++) {
      const [xi, yi] = [x[i]!, y[i]!];
      if (!drawable(xi, yi)) {
        if (!Number.isFinite(xi) || !Number.isFinite(yi)) nonFinite++;
        else nonPositive++;
        continue;
      }
      xMin = Math.min(xMin, xi);
      xMax = Math.max(xMax, xi);
      yMin = Math.min(yMin, yi);
      yMax = Math.max(yMax, yi);
    }
  }
  if (xMin > xMax) {
    const total = series.reduce((n, s) => n + s.y.length, 0);
    fail(
      FN,
      total === 0
        ? 'every series is empty, so the chart would be empty; pass at least one y value.'
        : `none of the ${total} points can be drawn: every one has a NaN or ±Infinity coordinate${logY ? ' or a y ≤ 0, which a log axis (logY) cannot show' : ''}. ` +
            'Check the values you pass (a loss that became NaN means training diverged).',
    );
  }
  const markers = o.markers === undefined ? series.every((s) => s.y.length <= 50) : checkBoolean(FN, 'markers', o.markers);
  const styles = series.map((s, i) => ({ name: s.name, ...seriesStyle(i) }));
  const legend: LegendEntry[] | undefined =
    series.length > 1
      ? styles.map((s) => ({ name: s.name, color: s.color, kind: 'line', dash: s.dash, ...(markers ? { marker: 'circle' } : {}) }))
      : undefined;
  const skipped = [
    nonFinite > 0 ? `${nonFinite} NaN/±∞ point${nonFinite === 1 ? '' : 's'}` : '',
    nonPositive > 0 ? `${nonPositive} point${nonPositive === 1 ? '' : 's'} with y ≤ 0 (log axis)` : '',
  ].filter((s) => s !== '');

  const { canvas, ctx } = newCanvas(width, height);
  const chart = layoutChart(ctx, {
    width,
    height,
    title,
    xLabel,
    yLabel,
    x: { min: xMin, max: xMax },
    y: { min: yMin, max: yMax, log: logY },
    ...(legend === undefined ? {} : { legend }),
    ...(skipped.length === 0 ? {} : { footnote: `not drawn: ${skipped.join(', ')}` }),
  });
  const { layout } = chart;
  drawBackground(ctx, width, height);
  drawGrid(ctx, layout);
  // Axes before the data: the domain always covers every point, and a point on the plot's edge should sit
  // on top of the frame rather than be cut in half by it.
  drawAxes(ctx, chart);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  series.forEach(({ x, y }, s) => {
    const { color, dash } = styles[s]!;
    const ok = (i: number): boolean => i >= 0 && i < y.length && drawable(x[i]!, y[i]!);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash([...dash]);
    ctx.beginPath();
    for (let i = 0; i < y.length; i++) {
      if (!ok(i)) continue;
      const [px, py] = [toPixelX(layout, x[i]!), toPixelY(layout, y[i]!)];
      if (ok(i - 1)) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    for (let i = 0; i < y.length; i++) {
      // A point between two gaps has no line through it: it still gets a dot, or it would vanish.
      if (ok(i) && (markers || (!ok(i - 1) && !ok(i + 1)))) {
        drawMarker(ctx, 'circle', toPixelX(layout, x[i]!), toPixelY(layout, y[i]!), 3, color);
      }
    }
  });
  return new RenderedFigure(canvas, { ...layout, series: styles.map(({ name, color, dash }) => ({ name, color, dash })) });
}
