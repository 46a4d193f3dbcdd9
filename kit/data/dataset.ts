import { KitError } from '#kit/errors';

/**
 * A labelled image-classification dataset held as raw bytes.
 *
 * `images` is NHWC, row-major: image `i`, row `r`, column `c`, channel `ch` is at
 * `((i * rows + r) * cols + c) * channels + ch`, which is the layout `tf.tensor4d(images, [count, rows,
 * cols, channels])` expects. Pixels are 0..255; scale them yourself. `labels[i]` is the class of image `i`.
 */
export interface ImageDataset {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  channels: number;
}

/** Bytes in one image of `d`. */
export function imageSize(d: Pick<ImageDataset, 'rows' | 'cols' | 'channels'>): number {
  return d.rows * d.cols * d.channels;
}

/**
 * Builds a dataset after checking that images and labels describe the same number of examples and
 * that every label is below `numClasses`. `source` (e.g. the two file paths) and `fix` go into errors.
 */
export function makeImageDataset(
  parts: { images: Uint8Array; labels: Uint8Array; rows: number; cols: number; channels: number },
  numClasses: number,
  source: { images: string; labels: string },
  fix: string,
): ImageDataset {
  const size = parts.rows * parts.cols * parts.channels;
  const imageCount = size === 0 ? 0 : parts.images.length / size;
  const count = parts.labels.length;
  if (imageCount !== count) {
    throw new KitError(
      `Label/image count mismatch: ${source.labels} has ${String(count)} labels but ${source.images} has ` +
        `${String(imageCount)} images of ${String(parts.rows)}×${String(parts.cols)}×${String(parts.channels)}; ` +
        `the two files must describe the same examples (one of them is from another split or is damaged). ${fix}`,
    );
  }
  for (let i = 0; i < count; i++) {
    const label = parts.labels[i] ?? 0;
    if (label >= numClasses) {
      throw new KitError(
        `${source.labels}: label ${String(label)} at index ${String(i)} is out of range; expected 0..${String(numClasses - 1)}. ${fix}`,
      );
    }
  }
  return { ...parts, count };
}
