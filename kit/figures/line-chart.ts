import { newCanvas } from './canvas.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { drawAxes, drawBackground, drawGrid, layoutChart, toPixelX, toPixelY, type ChartLayout } from './frame.ts';
import type { LegendEntry } from './legend.ts';
import { drawMarker } from './markers.ts';
import { seriesStyle } from './palette.ts';
import { checkSeries, drawable, extent } from './series.ts';
import { checkBoolean, checkObject, checkSize, checkString } from './validate.ts';

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

/**
 * A line chart of one or more series: nice ticks, a legend when there are two or more series, NaN and
 * ±Infinity left out as gaps in the line (counted in a note under the chart, never drawn at 0).
 */
export function lineChart(options: LineChartOptions): FigureWith<LineChartLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title)!;
  const xLabel = checkString(FN, 'xLabel', o.xLabel)!;
  const yLabel = checkString(FN, 'yLabel', o.yLabel)!;
  const series = checkSeries(FN, o.series, false);
  const logY = checkBoolean(FN, 'logY', o.logY);
  const { width, height } = checkSize(FN, o, 800, 500);

  const { xMin, xMax, yMin, yMax, footnote } = extent(FN, series, false, logY);
  const markers = o.markers === undefined ? series.every((s) => s.y.length <= 50) : checkBoolean(FN, 'markers', o.markers);
  const styles = series.map((s, i) => ({ name: s.name, ...seriesStyle(i) }));
  const legend: LegendEntry[] | undefined =
    series.length > 1
      ? styles.map((s) => ({ name: s.name, color: s.color, kind: 'line', dash: s.dash, ...(markers ? { marker: 'circle' } : {}) }))
      : undefined;

  const { canvas, ctx } = newCanvas(width, height);
  const chart = layoutChart(ctx, {
    width,
    height,
    title,
    xLabel,
    yLabel,
    // x of whole numbers only (the default 0, 1, 2, …, epochs, steps) gets whole-number ticks: a short run's
    // chart would otherwise label fractions of an epoch that no point has.
    x: { min: xMin, max: xMax, integer: series.every((s) => Array.from(s.x).every((v) => !Number.isFinite(v) || Number.isInteger(v))) },
    y: { min: yMin, max: yMax, log: logY },
    ...(legend === undefined ? {} : { legend }),
    ...(footnote === undefined ? {} : { footnote }),
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
    const ok = (i: number): boolean => i >= 0 && i < y.length && drawable(x[i]!, y[i]!, false, logY);
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
