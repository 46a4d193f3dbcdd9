import { imageSize, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';

/**
 * Flattened examples ready for a dense network: `x` holds `count` rows of `features` numbers, row-major
 * (row i is `x.subarray(i * features, (i + 1) * features)`). `labels` is absent for unlabelled data
 * (autoencoders).
 */
export interface Examples {
  x: Float32Array;
  labels?: Uint8Array;
  count: number;
  features: number;
}

/** How pixels 0..255 become inputs: 'unit' → p/255 ∈ [0, 1]; 'centered' → p/255 − 0.5 ∈ [−0.5, 0.5]. */
export type PixelScale = 'unit' | 'centered';

/**
 * Flattens an image dataset (H·W·C features per image, in the dataset's NHWC order) and scales its
 * pixels. Problem 2 of the homework centres the data ('centered'); 'unit' is the default.
 */
export function toExamples(d: ImageDataset, options: { scale?: PixelScale } = {}): Examples {
  const scale = options.scale ?? 'unit';
  if (scale !== 'unit' && scale !== 'centered') {
    throw new ArgumentError(`toExamples: scale must be 'unit' or 'centered', got ${JSON.stringify(scale)}.`);
  }
  const features = imageSize(d);
  const offset = scale === 'centered' ? 0.5 : 0;
  const x = new Float32Array(d.count * features);
  const images = d.images;
  for (let i = 0; i < x.length; i++) x[i] = images[i]! / 255 - offset;
  return { x, labels: d.labels.slice(0, d.count), count: d.count, features };
}

/**
 * Checks that `ex` is usable as training or evaluation data: at least one example, `x` of the stated
 * size, and (when `numClasses` is given) labels present and each in 0..numClasses−1. `name` is the
 * argument's name in the caller, for the error.
 */
export function checkExamples(name: string, ex: Examples, numClasses?: number): void {
  if (typeof ex !== 'object' || ex === null || !(ex.x instanceof Float32Array)) {
    throw new ArgumentError(
      `${name} must be an Examples object { x: Float32Array, labels?: Uint8Array, count, features }; ` +
        `build one from a dataset with toExamples(dataset) from '#kit/train'.`,
    );
  }
  if (!Number.isInteger(ex.count) || ex.count < 1) {
    throw new ArgumentError(
      `${name} is empty (count = ${String(ex.count)}): it needs at least 1 example. Check how it was built ` +
        `(a split or subset of size 0?).`,
    );
  }
  if (!Number.isInteger(ex.features) || ex.features < 1 || ex.x.length !== ex.count * ex.features) {
    throw new ArgumentError(
      `${name}.x has ${String(ex.x.length)} numbers, but count × features = ${String(ex.count)} × ` +
        `${String(ex.features)}; x must hold exactly count rows of features numbers.`,
    );
  }
  if (numClasses === undefined) return;
  const labels = ex.labels;
  if (labels === undefined || labels.length < ex.count) {
    throw new ArgumentError(
      `${name} has ${labels === undefined ? 'no labels' : `only ${String(labels.length)} labels for ${String(ex.count)} examples`}; ` +
        `classification needs one label per example.`,
    );
  }
  for (let i = 0; i < ex.count; i++) {
    const label = labels[i]!;
    if (label >= numClasses) {
      throw new ArgumentError(
        `${name}.labels[${String(i)}] = ${String(label)} is out of range: labels must be in 0..${String(numClasses - 1)} ` +
          `for a network with ${String(numClasses)} outputs. Use a matching output size, or fix the labels.`,
      );
    }
  }
}

/** A new Examples holding copies of rows `indices` of `ex`, in that order. */
export function selectExamples(ex: Examples, indices: ArrayLike<number>): Examples {
  const { features } = ex;
  const n = indices.length;
  const x = new Float32Array(n * features);
  const labels = ex.labels === undefined ? undefined : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= ex.count) {
      throw new ArgumentError(`selectExamples: index ${String(j)} at position ${String(i)} is outside 0..${String(ex.count - 1)}.`);
    }
    x.set(ex.x.subarray(j * features, (j + 1) * features), i * features);
    if (labels !== undefined) labels[i] = ex.labels![j]!;
  }
  return labels === undefined ? { x, count: n, features } : { x, labels, count: n, features };
}

/** The rows of every part, one after the other (e.g. train + validation for a final training run). */
export function concatExamples(...parts: Examples[]): Examples {
  if (parts.length === 0) throw new ArgumentError('concatExamples needs at least one Examples argument.');
  const features = parts[0]!.features;
  const labelled = parts[0]!.labels !== undefined;
  for (const [i, p] of parts.entries()) {
    if (p.features !== features) {
      throw new ArgumentError(
        `concatExamples: part ${String(i)} has ${String(p.features)} features, part 0 has ${String(features)}; all parts need the same.`,
      );
    }
    if ((p.labels !== undefined) !== labelled) {
      throw new ArgumentError('concatExamples: either every part has labels or none does.');
    }
  }
  const count = parts.reduce((n, p) => n + p.count, 0);
  const x = new Float32Array(count * features);
  const labels = labelled ? new Uint8Array(count) : undefined;
  let row = 0;
  for (const p of parts) {
    x.set(p.x.subarray(0, p.count * features), row * features);
    if (labels !== undefined) labels.set(p.labels!.subarray(0, p.count), row);
    row += p.count;
  }
  return labels === undefined ? { x, count, features } : { x, labels, count, features };
}
