import { ArgumentError, KitError } from '#kit/errors';
import { makeImageDataset, type ImageDataset } from './dataset.ts';
import { checkSplit, type LoadOptions, type Split } from './mnist.ts';
import { findFile, type LocateOptions } from './locate.ts';
import { readDatasetFile } from './read.ts';

/**
 * CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each record is 1 label byte
 * then a 32×32 colour image as three planes (1024 red, 1024 green, 1024 blue bytes, each row-major).
 * The kit stores images NHWC (pixel-interleaved RGB), the layout tfjs convolutions take.
 */
export const CIFAR_ROWS = 32;
export const CIFAR_COLS = 32;
export const CIFAR_CHANNELS = 3;
const PLANE = CIFAR_ROWS * CIFAR_COLS;
const IMAGE = PLANE * CIFAR_CHANNELS;
export const CIFAR_RECORD_BYTES = 1 + IMAGE;
export const CIFAR_BATCH_RECORDS = 10_000;

export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Number of records in a batch file of `length` bytes, or a KitError if it is not whole records. */
export function cifarRecordCount(length: number, file: string, fix: string): number {
  if (length === 0 || length % CIFAR_RECORD_BYTES !== 0) {
    throw new KitError(
      `${file}: expected a CIFAR-10 binary batch, a whole number of ${String(CIFAR_RECORD_BYTES)}-byte records ` +
        `(1 label + 3×32×32 pixels; 10,000 records = 30,730,000 bytes per official batch), but found ` +
        `${String(length)} bytes (${String(Math.floor(length / CIFAR_RECORD_BYTES))} records and ` +
        `${String(length % CIFAR_RECORD_BYTES)} bytes left over). ${fix}`,
    );
  }
  return length / CIFAR_RECORD_BYTES;
}

/**
 * Decodes a batch into `images` (NHWC) and `labels` starting at example `offset`; returns the record count.
 * Writing in place lets the five training batches fill one buffer without an extra copy.
 */
export function decodeCifarBatchInto(
  bytes: Uint8Array,
  file: string,
  fix: string,
  images: Uint8Array,
  labels: Uint8Array,
  offset: number,
): number {
  const n = cifarRecordCount(bytes.length, file, fix);
  if ((offset + n) * IMAGE > images.length || offset + n > labels.length) {
    throw new ArgumentError(`decodeCifarBatchInto: ${String(n)} records at offset ${String(offset)} do not fit the output arrays.`);
  }
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD_BYTES;
    const label = bytes[rec] ?? 0;
    if (label >= CIFAR10_CLASSES.length) {
      throw new KitError(
        `${file}: record ${String(i)} has label ${String(label)}; CIFAR-10 labels are 0..9. This is not a CIFAR-10 ` +
          `batch (CIFAR-100's binary format has two label bytes per record) or it is damaged. ${fix}`,
      );
    }
    labels[offset + i] = label;
    const out = (offset + i) * IMAGE;
    const r = rec + 1;
    const g = r + PLANE;
    const b = g + PLANE;
    for (let p = 0; p < PLANE; p++) {
      const o = out + 3 * p;
      images[o] = bytes[r + p] ?? 0;
      images[o + 1] = bytes[g + p] ?? 0;
      images[o + 2] = bytes[b + p] ?? 0;
    }
  }
  return n;
}

/** Decodes one CIFAR-10 binary batch file's bytes into NHWC images and labels. */
export function parseCifarBatch(bytes: Uint8Array, file: string, fix: string): { images: Uint8Array; labels: Uint8Array; count: number } {
  const n = cifarRecordCount(bytes.length, file, fix);
  const images = new Uint8Array(n * IMAGE);
  const labels = new Uint8Array(n);
  decodeCifarBatchInto(bytes, file, fix, images, labels, 0);
  return { images, labels, count: n };
}

/** Encodes NHWC images and labels as a CIFAR-10 binary batch (the inverse of parseCifarBatch); for fixtures. */
export function encodeCifarBatch(images: Uint8Array, labels: Uint8Array): Uint8Array {
  const n = labels.length;
  if (images.length !== n * IMAGE) {
    throw new ArgumentError(
      `encodeCifarBatch: ${String(n)} labels need ${String(n * IMAGE)} image bytes (32×32×3 each), got ${String(images.length)}.`,
    );
  }
  const out = new Uint8Array(n * CIFAR_RECORD_BYTES);
  for (let i = 0; i < n; i++) {
    const rec = i * CIFAR_RECORD_BYTES;
    out[rec] = labels[i] ?? 0;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < CIFAR_CHANNELS; c++) out[rec + 1 + c * PLANE + p] = images[i * IMAGE + 3 * p + c] ?? 0;
    }
  }
  return out;
}

export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
/** Every file of the binary version: what must be there before anything reads one. */
export const CIFAR10_FILES: readonly string[] = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];

/**
 * True when every CIFAR-10 file is on the data search path (nothing is read). CIFAR-10 does not ship,
 * so its runs (06, 07) fall back to Fashion-MNIST and its tests skip themselves when this is false.
 */
export function cifar10Installed(options: LocateOptions = {}): boolean {
  return CIFAR10_FILES.every((f) => findFile('cifar-10', f, options) !== undefined);
}

/**
 * CIFAR-10: train = data_batch_1..5 concatenated (50,000 images), test = test_batch (10,000), each
 * 32×32×3 NHWC. Not shipped with the kit; `npm run data -- cifar-10` downloads it.
 */
export function loadCifar10(split: Split, options: LoadOptions = {}): ImageDataset {
  checkSplit(split, 'loadCifar10');
  const files = (split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES).map((f) => readDatasetFile('cifar-10', f, options));
  const total = files.reduce((sum, f) => sum + cifarRecordCount(f.content.length, f.path, f.fix), 0);
  const images = new Uint8Array(total * IMAGE);
  const labels = new Uint8Array(total);
  let offset = 0;
  for (const f of files) offset += decodeCifarBatchInto(f.content, f.path, f.fix, images, labels, offset);
  const first = files[0]?.path ?? 'cifar-10';
  return makeImageDataset(
    { images, labels, rows: CIFAR_ROWS, cols: CIFAR_COLS, channels: CIFAR_CHANNELS },
    CIFAR10_CLASSES.length,
    { images: first, labels: first },
    `To fix it: run \`npm run data -- cifar-10\`.`,
  );
}
