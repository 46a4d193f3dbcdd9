import { newCanvas } from './canvas.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { drawAxes, drawBackground, drawGrid, layoutChart, toPixelX, toPixelY, type ChartLayout } from './frame.ts';
import type { LegendEntry } from './legend.ts';
import { drawMarker } from './markers.ts';
import { seriesStyle, type MarkerShape } from './palette.ts';
import { checkSeries, drawable, extent } from './series.ts';
import { checkBoolean, checkObject, checkSize, checkString } from './validate.ts';

export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface ScatterPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ScatterSeries[];
  /** Pixels; default 700 × 560. */
  width?: number;
  height?: number;
  logX?: boolean;
  logY?: boolean;
}

export interface ScatterPlotLayout extends ChartLayout {
  series: { name: string; color: string; marker: MarkerShape }[];
}

const FN = 'scatterPlot';

/**
 * Points of one or more series; each series has its own colour and marker shape (a second cue for readers
 * who cannot tell the colours apart), a legend when there are two or more. Dense clouds are drawn
 * translucent so overlaps show.
 */
export function scatterPlot(options: ScatterPlotOptions): FigureWith<ScatterPlotLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title)!;
  const xLabel = checkString(FN, 'xLabel', o.xLabel)!;
  const yLabel = checkString(FN, 'yLabel', o.yLabel)!;
  const series = checkSeries(FN, o.series, true);
  const logX = checkBoolean(FN, 'logX', o.logX);
  const logY = checkBoolean(FN, 'logY', o.logY);
  const { width, height } = checkSize(FN, o, 700, 560);
  const { xMin, xMax, yMin, yMax, footnote } = extent(FN, series, logX, logY);

  const styles = series.map((s, i) => ({ name: s.name, ...seriesStyle(i) }));
  const legend: LegendEntry[] | undefined =
    series.length > 1 ? styles.map((s) => ({ name: s.name, color: s.color, kind: 'marker', marker: s.marker })) : undefined;
  const { canvas, ctx } = newCanvas(width, height);
  const chart = layoutChart(ctx, {
    width,
    height,
    title,
    xLabel,
    yLabel,
    x: { min: xMin, max: xMax, log: logX },
    y: { min: yMin, max: yMax, log: logY },
    ...(legend === undefined ? {} : { legend }),
    ...(footnote === undefined ? {} : { footnote }),
  });
  const { layout } = chart;
  drawBackground(ctx, width, height);
  drawGrid(ctx, layout);
  drawAxes(ctx, chart);
  const total = series.reduce((n, s) => n + s.x.length, 0);
  const radius = total > 2000 ? 2 : 3.5;
  ctx.globalAlpha = total > 500 ? 0.6 : 1;
  series.forEach(({ x, y }, s) => {
    const { color, marker } = styles[s]!;
    for (let i = 0; i < x.length; i++) {
      if (drawable(x[i]!, y[i]!, logX, logY)) drawMarker(ctx, marker, toPixelX(layout, x[i]!), toPixelY(layout, y[i]!), radius, color);
    }
  });
  ctx.globalAlpha = 1;
  return new RenderedFigure(canvas, { ...layout, series: styles.map(({ name, color, marker }) => ({ name, color, marker })) });
}
