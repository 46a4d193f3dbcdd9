/**
 * Exercise 11, part 5 — the figures: test digits over their reconstructions by each autoencoder, noisy
 * over denoised over clean, and the 2-D codes of the test digits (a PNG and an interactive page).
 */
import { ArgumentError } from '#kit/errors';
import { figurePath, imageGrid, scatterPlot, type GridImage, type ScatterSeries } from '#kit/figures';
import { pagePath, plotlyPage, type PlotlyFigure } from '#kit/plotly';
import type { tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import type { Denoised } from './denoise.ts';
import { checkImages, reconstruct } from './latent.ts';

const EXERCISE = '11-conv-autoencoders';

/** An image grid's content: `images` row-major, `columns` per row, one label per grid row. */
export interface Panel {
  title: string;
  columns: number;
  rowLabels: string[];
  images: GridImage[];
  range: [number, number];
}

function checkIndices(fn: string, count: number, indices: readonly number[]): void {
  if (!Array.isArray(indices) || indices.length === 0 || indices.some((i) => !Number.isInteger(i) || i < 0 || i >= count)) {
    throw new ArgumentError(`${fn}: indices must be a non-empty list of whole numbers in 0..${String(count - 1)} (the images to show), got [${String(indices)}].`);
  }
}

/** `n` copies of 28 × 28 cells from `pixels` (n × 784, row-major), each labelled `${name} #${index}`. */
function cells(pixels: Float32Array, indices: readonly number[], name: string): GridImage[] {
  return indices.map((i, k) => ({ pixels: pixels.slice(k * 784, (k + 1) * 784), rows: 28, cols: 28, label: `${name} #${String(i)}` }));
}

/** The rows `indices` of `images`, as Examples of their own. */
export function pick(images: Examples, indices: readonly number[]): Examples {
  const f = images.features;
  const x = new Float32Array(indices.length * f);
  indices.forEach((i, k) => {
    x.set(images.x.subarray(i * f, (i + 1) * f), k * f);
  });
  return { x, count: indices.length, features: f };
}

/**
 * Originals over reconstructions: the first grid row holds the test images `indices`, then one row per
 * model with its reconstructions of the same images (`reconstruct` on just those rows), column by column.
 * `rowLabels` are 'original' and the models' names; each image's label is `<row label> #<index>`
 * (e.g. `CAE #3`); `columns` = number of indices; `range` [0, 1].
 */
export function comparisonPanel(test: Examples, models: readonly { name: string; model: tf.LayersModel }[], indices: readonly number[]): Panel {
  checkIndices('comparisonPanel', test.count, indices);
  if (models.length === 0) throw new ArgumentError('comparisonPanel: give at least one { name, model } to compare with the originals.');
  for (const m of models) checkImages(m.model, test, `comparisonPanel (${m.name})`);
  // BEGIN SOLUTION
  const shown = pick(test, indices);
  return {
    title: 'Test digits and their reconstructions',
    columns: indices.length,
    rowLabels: ['original', ...models.map((m) => m.name)],
    range: [0, 1],
    images: [...cells(shown.x, indices, 'original'), ...models.flatMap((m) => cells(reconstruct(m.model, shown), indices, m.name))],
  };
  // END SOLUTION
}

/**
 * Noisy over denoised over clean, for the test images `indices` of a `denoise` result on `clean`: three
 * grid rows labelled 'noisy', 'denoised', 'clean', image labels `<row label> #<index>`. Noisy pixels
 * outside [0, 1] are clipped by the drawing (`range` [0, 1]).
 */
export function denoisingPanel(clean: Examples, result: Denoised, indices: readonly number[]): Panel {
  checkIndices('denoisingPanel', clean.count, indices);
  if (result.noisy.length !== clean.x.length || result.denoised.length !== clean.x.length) {
    throw new ArgumentError('denoisingPanel: result must be the denoise(…) of these clean images (as many pixels as clean.x).');
  }
  // BEGIN SOLUTION
  const rows = { noisy: result.noisy, denoised: result.denoised, clean: clean.x };
  return {
    title: 'Denoising: noisy input, the model\'s output, the clean digit',
    columns: indices.length,
    rowLabels: Object.keys(rows),
    range: [0, 1],
    images: Object.entries(rows).flatMap(([name, px]) => cells(pick({ x: px, count: clean.count, features: 784 }, indices).x, indices, name)),
  };
  // END SOLUTION
}

function checkCodes(fn: string, codes: Float32Array, labels: ArrayLike<number>): void {
  if (codes.length !== 2 * labels.length || labels.length === 0) {
    throw new ArgumentError(`${fn}: codes must hold 2 numbers per label (a 2-D code for each image): ${String(codes.length)} numbers for ${String(labels.length)} labels.`);
  }
}

/**
 * The latent scatter's series: one per digit 0–9 that occurs in `labels`, in digit order, named
 * `digit <d>`, with x and y the first and second code coordinates of the images with that label.
 */
export function latentSeries(codes: Float32Array, labels: ArrayLike<number>): ScatterSeries[] {
  checkCodes('latentSeries', codes, labels);
  // BEGIN SOLUTION
  const series: ScatterSeries[] = [];
  for (let d = 0; d <= 9; d++) {
    const rows = Array.from(labels, (l, i) => (l === d ? i : -1)).filter((i) => i >= 0);
    if (rows.length > 0) series.push({ name: `digit ${String(d)}`, x: rows.map((i) => codes[2 * i]!), y: rows.map((i) => codes[2 * i + 1]!) });
  }
  return series;
  // END SOLUTION
}

/** matplotlib's tab10: ten colours that tell the digits apart. */
export const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/**
 * The interactive page's figure: one plotly trace `{ type: 'scatter', mode: 'markers', name, x, y,
 * text, hoverinfo: 'text', marker: { color } }` per series of `latentSeries`, where `text` holds, for
 * every point, the label shown on hover: `digit <d>`. Colours: `TAB10[d]`. Axis titles 'code 1' and
 * 'code 2' in `layout.xaxis.title.text` and `layout.yaxis.title.text`.
 */
export function latentFigure(codes: Float32Array, labels: ArrayLike<number>): PlotlyFigure {
  checkCodes('latentFigure', codes, labels);
  // BEGIN SOLUTION
  return {
    data: latentSeries(codes, labels).map((s) => {
      const d = Number(s.name.replace('digit ', ''));
      return {
        type: 'scatter',
        mode: 'markers',
        name: s.name,
        x: Array.from(s.x),
        y: Array.from(s.y),
        text: Array.from(s.x, () => s.name),
        hoverinfo: 'text',
        marker: { color: TAB10[d % 10], size: 5, opacity: 0.7 },
      };
    }),
    layout: { xaxis: { title: { text: 'code 1' } }, yaxis: { title: { text: 'code 2' } }, legend: { title: { text: 'label' } } },
  };
  // END SOLUTION
}

/** Saves reconstructions.png, denoising.png, latent.png and latent.html under out/figures/11-conv-autoencoders/. */
export async function saveFigures(figs: { comparison: Panel; denoising: Panel; codes: Float32Array; labels: ArrayLike<number> }): Promise<string[]> {
  const grid = (p: Panel): ReturnType<typeof imageGrid> => imageGrid({ title: p.title, columns: p.columns, images: p.images, range: p.range, rowLabels: p.rowLabels });
  return [
    await grid(figs.comparison).save(figurePath(EXERCISE, 'reconstructions')),
    await grid(figs.denoising).save(figurePath(EXERCISE, 'denoising')),
    await scatterPlot({ title: 'Test digits in the 2-D code of the dense autoencoder', xLabel: 'code 1', yLabel: 'code 2', series: latentSeries(figs.codes, figs.labels) }).save(figurePath(EXERCISE, 'latent')),
    await plotlyPage({
      title: 'The 2-D latent space of the dense autoencoder',
      caption: 'Each point is a test digit placed at its code; hover over a point for its label, click a legend entry to hide that digit.',
      figure: latentFigure(figs.codes, figs.labels),
    }).save(pagePath(EXERCISE, 'latent')),
  ];
}
