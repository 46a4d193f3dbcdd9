/**
 * Datasets for the exercises (ARCHITECTURE.md contract 5): loaders for IDX, CIFAR-10 binary and `.npy`,
 * a search path (KIT_DATA_DIR, data/<name>/, /usr/share/datasets/<name>/) with checksums from
 * data/manifest.json, the downloader behind `npm run data -- <name>`, and seeded splits.
 */
export { makeImageDataset, imageSize, type ImageDataset } from './dataset.ts';
export { loadFashionMnist, FASHION_MNIST_CLASSES } from './fashion-mnist.ts';
export {
  loadMnist,
  chooseMnist,
  datasetListNote,
  loadIdxDataset,
  MNIST_CLASSES,
  MNIST_SUBSET,
  type LoadOptions,
  type Split,
  type MnistDataset,
  type MnistOptions,
  type MnistChoice,
  type MnistVariant,
} from './mnist.ts';
export {
  loadCifar10,
  cifar10Installed,
  CIFAR10_FILES,
  parseCifarBatch,
  encodeCifarBatch,
  CIFAR10_CLASSES,
  CIFAR_RECORD_BYTES,
  CIFAR_BATCH_RECORDS,
} from './cifar.ts';
export { parseIdx, readIdx, encodeIdx, type IdxArray } from './idx.ts';
export { parseNpy, readNpy, encodeNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype } from './npy.ts';
export { isGzip, gunzipIfNeeded, GzipError } from './gzip.ts';
export { readTar, type TarEntry } from './tar.ts';
export {
  readManifest,
  datasetSpec,
  MANIFEST_PATH,
  type Manifest,
  type ManifestDataset,
  type ManifestFile,
  type ManifestArchive,
} from './manifest.ts';
export {
  searchRoots,
  findFile,
  locateFile,
  fixFor,
  storedNames,
  defaultDestination,
  SYSTEM_DATASETS_DIR,
  type SearchRoot,
  type LocateOptions,
} from './locate.ts';
export { readDatasetFile, type DatasetFile, type ReadOptions } from './read.ts';
export { sha256Hex, verifyContent, clearVerificationCache, ChecksumError, type CheckKind } from './verify.ts';
export {
  downloadDataset,
  downloadVerified,
  verifyFileOnDisk,
  DownloadError,
  type FetchLike,
  type DownloadOptions,
  type DatasetDownloadOptions,
  type FileStatus,
} from './download.ts';
export { trainValSplit, subset, take, type SplitOptions } from './split.ts';
export { watchDatasetReads, reportDatasetRead, isTestSplitFile, type DatasetFileRead, type DatasetReadListener } from './audit.ts';
