import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { CIFAR10_FILES, CIFAR_RECORD_BYTES, cifar10Installed, encodeCifarBatch, loadCifar10, parseCifarBatch } from './cifar.ts';
import { dataset, fileRecord, tempDir, writeManifest } from './testing.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  tmp.cleanup();
});

function thrown(fn: () => unknown): KitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KitError) return err;
    throw err;
  }
  throw new Error('expected a KitError');
}

/** `n` NHWC images whose pixel (i, y, x, c) encodes all four indices, with labels (i * 3 + first) % 10. */
function fixture(n: number, first = 0): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) images[i * 3072 + p * 3 + c] = (i * 7 + p * 3 + c * 101) % 256;
  }
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => (i * 3 + first) % 10) };
}

describe('CIFAR-10 binary batches', () => {
  it('reads the planar record layout into NHWC', () => {
    const record = new Uint8Array(CIFAR_RECORD_BYTES);
    record[0] = 6;
    // Pixel at row 2, column 5 is plane offset 2 * 32 + 5 in each of the R, G, B planes.
    const p = 2 * 32 + 5;
    record[1 + p] = 200;
    record[1 + 1024 + p] = 100;
    record[1 + 2048 + p] = 50;
    const { images, labels, count } = parseCifarBatch(record, 'one.bin', '');
    expect(count).toBe(1);
    expect(labels[0]).toBe(6);
    expect(Array.from(images.subarray(p * 3, p * 3 + 3))).toEqual([200, 100, 50]);
    expect(images.reduce((s, v) => s + v, 0)).toBe(350);
  });

  it('round-trips through encodeCifarBatch', () => {
    const { images, labels } = fixture(5);
    const back = parseCifarBatch(encodeCifarBatch(images, labels), 'x.bin', '');
    expect(back.count).toBe(5);
    expect(back.images).toEqual(images);
    expect(back.labels).toEqual(labels);
  });

  it('rejects a length that is not whole records, naming the file and sizes', () => {
    const two = fixture(2);
    const bytes = encodeCifarBatch(two.images, two.labels);
    const err = thrown(() => parseCifarBatch(bytes.subarray(0, bytes.length - 100), 'data_batch_1.bin', 'To fix it: run `npm run data -- cifar-10`.'));
    expect(err.message).toContain('data_batch_1.bin');
    expect(err.message).toContain('whole number of 3073-byte records');
    expect(err.message).toContain('found 6046 bytes (1 records and 2973 bytes left over)');
    expect(err.message).toContain('npm run data -- cifar-10');
  });

  it('rejects labels of 10 and above', () => {
    const { images, labels } = fixture(3);
    const bytes = encodeCifarBatch(images, labels);
    bytes[2 * CIFAR_RECORD_BYTES] = 57;
    const err = thrown(() => parseCifarBatch(bytes, 'cifar100.bin', ''));
    expect(err.message).toContain('record 2 has label 57; CIFAR-10 labels are 0..9');
  });
});

describe('cifar10Installed', () => {
  it('is true only when all six batch files are on the search path (the optional CIFAR-10 runs and tests ask it first)', () => {
    expect(CIFAR10_FILES).toEqual(['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
    for (const f of CIFAR10_FILES.slice(0, 5)) writeFileSync(path.join(tmp.dir, f), '');
    expect(cifar10Installed({ dir: tmp.dir })).toBe(false);
    writeFileSync(path.join(tmp.dir, 'test_batch.bin'), '');
    expect(cifar10Installed({ dir: tmp.dir })).toBe(true);
  });
});

describe('loadCifar10', () => {
  // The real batches hold 10,000 records each; these hold a few, under a manifest describing them.
  function writeFixtureDataset(): { dir: string; manifestPath: string; parts: { images: Uint8Array; labels: Uint8Array }[] } {
    const dir = path.join(tmp.dir, 'cifar');
    mkdirSync(dir);
    const names = [...CIFAR10_FILES];
    const parts = names.map((_, k) => fixture(k + 2, k));
    const records = names.map((name, k) => {
      const part = parts[k] ?? fixture(1);
      const bytes = encodeCifarBatch(part.images, part.labels);
      writeFileSync(path.join(dir, name), bytes);
      return fileRecord(name, 'cifar-10-bin', bytes);
    });
    const manifestPath = writeManifest(tmp.dir, { 'cifar-10': dataset(records) });
    return { dir, manifestPath, parts };
  }

  it('concatenates batches 1-5 for train and reads test_batch for test', () => {
    const { dir, manifestPath, parts } = writeFixtureDataset();
    const train = loadCifar10('train', { dir, manifestPath });
    expect(train).toMatchObject({ count: 2 + 3 + 4 + 5 + 6, rows: 32, cols: 32, channels: 3 });
    const trainParts = parts.slice(0, 5);
    expect(train.labels).toEqual(Uint8Array.from(trainParts.flatMap((p) => Array.from(p.labels))));
    const third = parts[2];
    expect(third).toBeDefined();
    if (third === undefined) return;
    // First image of batch 3 sits after the 2 + 3 images of batches 1 and 2.
    expect(train.images.subarray(5 * 3072, 6 * 3072)).toEqual(third.images.subarray(0, 3072));
    const test = loadCifar10('test', { dir, manifestPath });
    expect(test.count).toBe(7);
    expect(test.labels).toEqual(parts[5]?.labels);
  });

  it('fails on a corrupted batch with the expected and actual checksums', () => {
    const { dir, manifestPath } = writeFixtureDataset();
    const good = fixture(7, 5);
    const bad = encodeCifarBatch(good.images, good.labels);
    bad[100] = (bad[100] ?? 0) ^ 1;
    writeFileSync(path.join(dir, 'test_batch.bin'), bad);
    const err = thrown(() => loadCifar10('test', { dir, manifestPath }));
    expect(err.message).toContain(path.join(dir, 'test_batch.bin'));
    expect(err.message).toMatch(/expected SHA-256 [0-9a-f]{64} .* but found [0-9a-f]{64}/);
    expect(err.message).toContain('npm run data -- cifar-10');
  });

  it('rejects an unknown split', () => {
    expect(() => loadCifar10('validation' as 'train')).toThrow(/split must be 'train' or 'test', got "validation"/);
  });
});
