/**
 * Exercise 08, part 4 — the figures: the loss surface with the SGD path on it, as a page you can rotate
 * (plotly.js, inlined so it opens offline) and as a contour map for a report (PNG).
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { contourPlot } from '#kit/figures';
import { plotlyPage, type PlotlyTrace } from '#kit/plotly';
import type { LandscapePath, LossGrid } from './landscape.ts';

export interface PlotPathFiles {
  /** Where the interactive page goes (`.html`). */
  html: string;
  /** Where the contour map goes (`.png`). */
  png: string;
}

export interface PlotPathOptions {
  /** Heading of both figures. */
  title?: string;
  /** Fraction of the trajectory's variance along each component, for the axis titles (pca.explainedVarianceRatio). */
  explained?: ArrayLike<number>;
  /** A sentence or two for the page, e.g. how the trajectory was made. */
  caption?: string;
}

const percent = (v: number | undefined): string => (v === undefined ? '' : ` (${(100 * v).toFixed(1)} % of the variance)`);

function checkInputs(grid: LossGrid, path: LandscapePath, files: PlotPathFiles): void {
  if (grid.z.length !== grid.y.length || grid.z.some((row) => row.length !== grid.x.length)) {
    throw new ArgumentError(
      `plotPath: grid.z must have one row per y value (${String(grid.y.length)}), each with one value per x value ` +
        `(${String(grid.x.length)}), as lossGrid returns it.`,
    );
  }
  if (path.x.length !== path.y.length || path.x.length !== path.loss.length || path.x.length === 0) {
    throw new ArgumentError('plotPath: path.x, path.y and path.loss must be non-empty and equally long (one entry per snapshot).');
  }
  if (!files.html.endsWith('.html') || !files.png.endsWith('.png')) {
    throw new ArgumentError(`plotPath: files must be { html: '….html', png: '….png' }; got ${JSON.stringify(files)}.`);
  }
}

/**
 * Draws the landscape twice and saves both files; resolves to their absolute paths.
 *
 * 1. The interactive page: `plotlyPage({ title, caption, figure }).save(files.html)` (from '#kit/plotly')
 *    with exactly two traces, in this order:
 *    - `{ type: 'surface', x: grid.x, y: grid.y, z: grid.z, … }` — plotly, like lossGrid, reads `z[j][i]`
 *      as the height at (x[i], y[j]);
 *    - `{ type: 'scatter3d', mode: 'lines+markers', x: path.x, y: path.y, z: path.loss, … }` — the snapshots.
 *    Plain arrays (`Array.from`) serialise to JSON; typed arrays do not. Name the scene's axes (layout
 *    `scene.xaxis.title.text`, …): first component, second component, f_CE.
 * 2. The contour map: `contourPlot({ title, xLabel, yLabel, x: grid.x, y: grid.y, z: grid.z, zLabel,
 *    path: { x: path.x, y: path.y, label } }).save(files.png)` (from '#kit/figures').
 */
export async function plotPath(grid: LossGrid, path: LandscapePath, files: PlotPathFiles, options: PlotPathOptions = {}): Promise<PlotPathFiles> {
  checkInputs(grid, path, files);
  const title = options.title ?? 'Loss landscape along the SGD trajectory';
  const xLabel = `component 1${percent(options.explained?.[0])}`;
  const yLabel = `component 2${percent(options.explained?.[1])}`;
  // YOUR CODE HERE
  throw new NotImplemented('plotPath');
}
