import { ArgumentError } from '#kit/errors';
import { makeImageDataset, type ImageDataset } from './dataset.ts';
import { parseIdx } from './idx.ts';
import { findFile } from './locate.ts';
import { datasetSpec, readManifest, type Manifest } from './manifest.ts';
import { readDatasetFile, type ReadOptions } from './read.ts';

/** The manifest name of the offline MNIST subset in data/mnist-subset/ (kit/data/mnist-subset.ts makes it). */
export const MNIST_SUBSET = 'mnist-subset';

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

/** Which MNIST a loader read: the official files ('full') or the subset shipped in data/mnist-subset/ ('subset'). */
export type MnistVariant = 'full' | 'subset';

export interface MnistOptions extends LoadOptions {
  /**
   * 'auto' (the default): the full MNIST when its four official files are on the search path
   * (KIT_DATA_DIR, data/mnist/, /usr/share/datasets/mnist/), else the offline subset. With `dir` or
   * `roots`, 'auto' means the full MNIST from there. 'full' or 'subset' forces one.
   */
  variant?: MnistVariant | 'auto';
}

/** What `loadMnist` reads, decided before any file is opened. */
export interface MnistChoice {
  variant: MnistVariant;
  /** The manifest name of the files: 'mnist' or 'mnist-subset'. */
  dataset: string;
  trainCount: number;
  testCount: number;
  /** One line for people: which MNIST, its sizes, and how to get the full one. */
  description: string;
}

/** An MNIST split together with which MNIST it came from. */
export interface MnistDataset extends ImageDataset, MnistChoice {}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Examples in a split by the manifest: an IDX label file is an 8-byte header and one byte per label. */
function splitCount(dataset: string, prefix: string, manifest: Manifest): number {
  const bytes = datasetSpec(dataset, manifest).files.find((f) => f.name === `${prefix}-labels-idx1-ubyte.gz`)?.bytes;
  return bytes === undefined ? 0 : bytes - 8;
}

/** Decides which MNIST `loadMnist` reads with these options (see MnistOptions.variant). */
export function chooseMnist(options: MnistOptions = {}): MnistChoice {
  const manifest = readManifest(options.manifestPath);
  let variant = options.variant ?? 'auto';
  if (variant === 'auto') {
    const explicit = options.dir !== undefined || options.roots !== undefined;
    const locate = options.env === undefined ? {} : { env: options.env };
    const full = datasetSpec('mnist', manifest).files.every((f) => findFile('mnist', f.name, locate) !== undefined);
    variant = explicit || full || manifest.datasets[MNIST_SUBSET] === undefined ? 'full' : 'subset';
  }
  const dataset = variant === 'full' ? 'mnist' : MNIST_SUBSET;
  const trainCount = splitCount(dataset, 'train', manifest);
  const testCount = splitCount(dataset, 't10k', manifest);
  const sizes = `${fmt(trainCount)} train / ${fmt(testCount)} test`;
  const description =
    variant === 'full'
      ? `MNIST, the full official set: ${sizes}`
      : `MNIST subset shipped with the kit (offline): ${sizes}, all drawn from the first ${fmt(trainCount + testCount)} ` +
        'digits of the official training set; `npm run data -- mnist` gets the full 60,000 / 10,000';
  return { variant, dataset, trainCount, testCount, description };
}

/**
 * MNIST handwritten digits, 28×28×1. The full official set (60,000 train / 10,000 test) when its files
 * are on the search path (`npm run data -- mnist` downloads them), otherwise the subset that ships in
 * data/mnist-subset/ (8,000 train / 2,000 test real digits, see data/mnist-subset/README.md), so this works
 * offline. The result says which: `variant`, `dataset`, `trainCount`, `testCount` and `description`.
 */
export function loadMnist(split: Split, options: MnistOptions = {}): MnistDataset {
  checkSplit(split, 'loadMnist');
  const choice = chooseMnist(options);
  const read: MnistOptions = { ...options };
  delete read.variant;
  return { ...loadIdxDataset(choice.dataset, split, read), ...choice };
}

/** The extra line `npm run data -- --list` prints under a dataset, if any: for MNIST, which one loadMnist reads. */
export function datasetListNote(name: string, options: Pick<MnistOptions, 'env' | 'manifestPath'> = {}): string | undefined {
  if (name !== 'mnist') return undefined;
  const manifest = readManifest(options.manifestPath);
  if (manifest.datasets.mnist === undefined || manifest.datasets[MNIST_SUBSET] === undefined) return undefined;
  const choice = chooseMnist(options);
  return choice.variant === 'full'
    ? `loadMnist() reads the full MNIST (${fmt(choice.trainCount)} train / ${fmt(choice.testCount)} test)`
    : `loadMnist() reads the offline subset ${MNIST_SUBSET} (${fmt(choice.trainCount)} train / ${fmt(choice.testCount)} test) until the full MNIST is present`;
}
