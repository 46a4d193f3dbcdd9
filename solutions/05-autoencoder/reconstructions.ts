/**
 * Exercise 05, task 4 — showing what the autoencoder does: two test images, each with its
 * reconstruction directly below it, labelled, in one figure.
 */
import { ArgumentError } from '#kit/errors';
import { figurePath, imageGrid, type Figure } from '#kit/figures';
import type { tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { checkImageSize, reconstruct } from './autoencoder.ts';

/** One cell of an image grid (the shape `imageGrid` from #kit/figures takes). */
export interface GridImage {
  pixels: Float32Array;
  rows: number;
  cols: number;
  label: string;
}

/** Everything `imageGrid` needs: cells in row-major order, `columns` per row, pixel values in `range`. */
export interface ReconstructionPanel {
  title: string;
  columns: number;
  images: GridImage[];
  range: [number, number];
}

/**
 * The figure's content for test images `indices` (default the first two): a grid with one column per
 * image, the originals in the first row and their reconstructions in the second, so each reconstruction
 * sits directly below its original.
 *
 * - `images` in row-major order: original of indices[0], original of indices[1], …, then the
 *   reconstructions in the same order;
 * - every image 28 × 28 (`rows`, `cols`) with its own copy of the pixels (values in [0, 1]);
 * - labels that say which is which and which test image it is, e.g. `original #0` and
 *   `reconstruction #0` (each label must contain "original" or "reconstruction" and the index);
 * - `columns` = number of indices, `range` = [0, 1], and a title.
 *
 * Reconstruct only the images you show (`reconstruct` on a small Examples of those rows).
 */
export function reconstructionPanel(model: tf.LayersModel, test: Examples, indices: readonly number[] = [0, 1]): ReconstructionPanel {
  checkImageSize(model, test, 'reconstructionPanel');
  if (indices.length < 1 || indices.some((i) => !Number.isInteger(i) || i < 0 || i >= test.count)) {
    throw new ArgumentError(
      `reconstructionPanel: indices must be whole numbers in 0..${String(test.count - 1)} (test images to show), got ` +
        `[${indices.join(', ')}].`,
    );
  }
  if (new Set(indices).size !== indices.length) {
    throw new ArgumentError(`reconstructionPanel: show different images; [${indices.join(', ')}] repeats one.`);
  }
  const side = Math.round(Math.sqrt(test.features));
  if (side * side !== test.features) {
    throw new ArgumentError(`reconstructionPanel: ${String(test.features)} pixels per image is not a square grayscale image.`);
  }
  // BEGIN SOLUTION
  const f = test.features;
  const x = new Float32Array(indices.length * f);
  indices.forEach((i, k) => {
    x.set(test.x.subarray(i * f, (i + 1) * f), k * f);
  });
  const shown: Examples = { x, count: indices.length, features: f };
  const rebuilt = reconstruct(model, shown);
  const cell = (pixels: Float32Array, label: string): GridImage => ({ pixels, rows: side, cols: side, label });
  return {
    title: 'Autoencoder: test images (top) and their reconstructions (below)',
    columns: indices.length,
    range: [0, 1],
    images: [
      ...indices.map((i, k) => cell(x.slice(k * f, (k + 1) * f), `original #${String(i)}`)),
      ...indices.map((i, k) => cell(rebuilt.slice(k * f, (k + 1) * f), `reconstruction #${String(i)}`)),
    ],
  };
  // END SOLUTION
}

/** Renders the panel with `imageGrid` (#kit/figures), the rows labelled on the left. */
export function reconstructionFigure(panel: ReconstructionPanel): Figure {
  const rowLabels = panel.images.length === 2 * panel.columns ? ['original', 'reconstruction'] : undefined;
  return imageGrid({ ...panel, ...(rowLabels === undefined ? {} : { rowLabels }) });
}

/** Saves the panel as out/figures/05-autoencoder/reconstructions.png and returns the path. */
export function saveReconstructionFigure(panel: ReconstructionPanel, name = 'reconstructions'): Promise<string> {
  return reconstructionFigure(panel).save(figurePath('05-autoencoder', name));
}
