/**
 * Exercise 08, part 4 — the figures: the loss surface with the SGD path on it, as a page you can rotate
 * (plotly.js, inlined so it opens offline) and as a contour map for a report (PNG).
 */
import { ArgumentError } from '#kit/errors';
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
  // BEGIN SOLUTION
  const surface: PlotlyTrace = {
    type: 'surface',
    name: 'f_CE',
    x: Array.from(grid.x),
    y: Array.from(grid.y),
    z: grid.z.map((row) => Array.from(row)),
    colorscale: 'Viridis',
    opacity: 0.9,
    colorbar: { title: { text: 'f_CE' } },
    contours: { z: { show: true, usecolormap: true, project: { z: true } } },
    hovertemplate: 'c1 %{x:.3g}<br>c2 %{y:.3g}<br>f_CE %{z:.4f}<extra></extra>',
  };
  const sgd: PlotlyTrace = {
    type: 'scatter3d',
    mode: 'lines+markers',
    name: 'SGD',
    x: Array.from(path.x),
    y: Array.from(path.y),
    z: Array.from(path.loss),
    marker: { size: 4, color: '#D55E00' },
    line: { color: '#D55E00', width: 4 },
    hovertemplate: 'snapshot %{pointNumber}<br>f_CE %{z:.4f}<extra></extra>',
  };
  const axis = (text: string): Record<string, unknown> => ({ title: { text } });
  const page = plotlyPage({
    title,
    caption: options.caption ?? '',
    figure: {
      data: [surface, sgd],
      layout: {
        margin: { l: 0, r: 0, t: 10, b: 0 },
        legend: { x: 0.02, y: 0.98 },
        scene: {
          xaxis: axis(xLabel),
          yaxis: axis(yLabel),
          zaxis: axis('f_CE (training)'),
          aspectmode: 'manual',
          aspectratio: { x: 1, y: 1, z: 0.7 },
          camera: { eye: { x: 1.6, y: -1.6, z: 1.1 } },
        },
      },
    },
  });
  const html = await page.save(files.html);
  const png = await contourPlot({
    title,
    xLabel,
    yLabel,
    x: grid.x,
    y: grid.y,
    z: grid.z,
    zLabel: 'f_CE',
    path: { x: path.x, y: path.y, label: 'SGD' },
  }).save(files.png);
  return { html, png };
  // END SOLUTION
}
