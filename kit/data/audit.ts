import path from 'node:path';

/**
 * Who reads which dataset file. Every file the kit's loaders read (readDatasetFile, and readIdx /
 * readNpy by path) is reported to the listeners registered here. Exercise tests use it to prove that
 * code under test never touched a test split (exercise 03 tunes hyper-parameters on validation data
 * only), including reads made while the student's module is imported.
 */
export interface DatasetFileRead {
  /** Manifest name ('fashion-mnist', …) when read through the search path; undefined for a bare path. */
  dataset: string | undefined;
  /** The file's base name, e.g. 't10k-images-idx3-ubyte.gz'. */
  file: string;
  /** Where it was read from. */
  path: string;
}

export type DatasetReadListener = (read: DatasetFileRead) => void;

/** Shared by every copy of this module in the process, so no loader can slip past a listener. */
const LISTENERS = Symbol.for('dlkit.data.readListeners');

function listeners(): Set<DatasetReadListener> {
  const g = globalThis as { [LISTENERS]?: Set<DatasetReadListener> };
  g[LISTENERS] ??= new Set();
  return g[LISTENERS];
}

/** Calls `listener` for every dataset file read from now on; returns the function that stops it. */
export function watchDatasetReads(listener: DatasetReadListener): () => void {
  listeners().add(listener);
  return () => {
    listeners().delete(listener);
  };
}

/** Reports a read to the listeners (called by the loaders). */
export function reportDatasetRead(dataset: string | undefined, file: string): void {
  const read: DatasetFileRead = { dataset, file: path.basename(file), path: file };
  for (const listener of listeners()) listener(read);
}

/**
 * True for files of a test split: MNIST-layout `t10k-*` (also as .npy named `*test*`, as the course
 * ships them) and CIFAR-10's `test_batch*`.
 */
export function isTestSplitFile(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  return base.startsWith('t10k-') || base.startsWith('test_batch') || /(^|[_-])test([_.-]|$)/.test(base);
}
