/**
 * `#kit/figures`: PNG charts for the exercises (line charts, image grids, scatter plots, contour maps,
 * confusion matrices), rendered with @napi-rs/canvas and the bundled DejaVu Sans font, saved atomically.
 */
export type { Figure, FigureWith } from './figure.ts';
export { figurePath } from './path.ts';
export { lineChart, type LineChartLayout, type LineChartOptions, type LineSeries } from './line-chart.ts';
export { imageGrid, type GridImage, type ImageGridLayout, type ImageGridOptions } from './image-grid.ts';
export type { ChartLayout } from './frame.ts';
export type { Rect } from './rect.ts';
export type { Axis } from './ticks.ts';
export { scatterPlot, type ScatterPlotLayout, type ScatterPlotOptions, type ScatterSeries } from './scatter-plot.ts';
export { contourPlot, type ContourPath, type ContourPlotLayout, type ContourPlotOptions } from './contour-plot.ts';
export { confusionMatrix, type ConfusionMatrixLayout, type ConfusionMatrixOptions } from './confusion-matrix.ts';
