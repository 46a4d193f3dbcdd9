import { ArgumentError } from '#kit/errors';
import { makeImageDataset, type ImageDataset } from './dataset.ts';
import { parseIdx } from './idx.ts';
import { readDatasetFile, type ReadOptions } from './read.ts';

export type Split = 'train' | 'test';

/** Options of every dataset loader: `dir` reads from that folder only instead of the search path. */
export type LoadOptions = ReadOptions;

export function checkSplit(split: string, loader: string): asserts split is Split {
  if (split !== 'train' && split !== 'test') {
    throw new ArgumentError(`${loader}: split must be 'train' or 'test', got ${JSON.stringify(split)}.`);
  }
}

/**
 * Loads one split of an MNIST-layout dataset (four IDX files, `train-*` and `t10k-*`). Each file is
 * located, read, decompressed and verified once; images and labels are views into the decompressed bytes.
 */
export function loadIdxDataset(name: string, split: Split, options: LoadOptions = {}): ImageDataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imagesFile = readDatasetFile(name, `${prefix}-images-idx3-ubyte.gz`, options);
  const labelsFile = readDatasetFile(name, `${prefix}-labels-idx1-ubyte.gz`, options);
  const images = parseIdx(imagesFile.content, imagesFile.path, imagesFile.fix, 3);
  const labels = parseIdx(labelsFile.content, labelsFile.path, labelsFile.fix, 1);
  const [, rows = 0, cols = 0] = images.dims;
  return makeImageDataset(
    { images: images.data, labels: labels.data, rows, cols, channels: 1 },
    10,
    { images: imagesFile.path, labels: labelsFile.path },
    `Both files must come from the same ${name} download. ${labelsFile.fix}`,
  );
}

/** Digit names of MNIST, indexed by label. */
export const MNIST_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * MNIST handwritten digits: 60,000 train / 10,000 test images of 28×28×1. Not shipped with the kit;
 * `npm run data -- mnist` downloads it.
 */
export function loadMnist(split: Split, options: LoadOptions = {}): ImageDataset {
  checkSplit(split, 'loadMnist');
  return loadIdxDataset('mnist', split, options);
}
