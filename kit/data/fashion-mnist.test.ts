import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import type { ImageDataset } from './dataset.ts';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from './fashion-mnist.ts';
import { datasetSpec } from './manifest.ts';
import { tempDir } from './testing.ts';
import { sha256Hex } from './verify.ts';

const SHIPPED = path.join(REPO_ROOT, 'data', 'fashion-mnist');

function classCounts(d: ImageDataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of d.labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

describe('Fashion-MNIST, the real files shipped in data/fashion-mnist/', () => {
  let train: ImageDataset;
  let test: ImageDataset;
  beforeAll(() => {
    train = loadFashionMnist('train');
    test = loadFashionMnist('test');
  });

  it('has 60,000 training and 10,000 test images of 28×28×1', () => {
    expect(train).toMatchObject({ count: 60_000, rows: 28, cols: 28, channels: 1 });
    expect(train.images.length).toBe(60_000 * 784);
    expect(train.labels.length).toBe(60_000);
    expect(test).toMatchObject({ count: 10_000, rows: 28, cols: 28, channels: 1 });
    expect(test.images.length).toBe(10_000 * 784);
  });

  it('is balanced: exactly 6,000 / 1,000 images per class', () => {
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
  });

  it('uses the whole pixel range 0..255', () => {
    let min = 255;
    let max = 0;
    const px = train.images;
    for (let i = 0; i < px.length; i++) {
      const v = px[i] ?? 0;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 255]);
  });

  it('starts with an ankle boot, as the official files do', () => {
    expect(train.labels[0]).toBe(9);
    expect(FASHION_MNIST_CLASSES[9]).toBe('Ankle boot');
    expect(test.labels[0]).toBe(9);
  });

  it('ships files whose decompressed SHA-256 is the one in the manifest', () => {
    for (const f of datasetSpec('fashion-mnist').files) {
      const content = gunzipSync(readFileSync(path.join(SHIPPED, f.name)));
      expect(content.length).toBe(f.bytes);
      expect(sha256Hex(content)).toBe(f.sha256);
    }
  });

  it('loads from KIT_DATA_DIR first, gunzipped copies included, and stops at a corrupt copy there', () => {
    const tmp = tempDir();
    try {
      const dir = path.join(tmp.dir, 'fashion-mnist');
      mkdirSync(dir);
      for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
        writeFileSync(path.join(dir, name), gunzipSync(readFileSync(path.join(SHIPPED, `${name}.gz`))));
      }
      const fromEnv = loadFashionMnist('test', { env: { KIT_DATA_DIR: tmp.dir } });
      // Hashes, not toEqual: deep equality over 7.8 million elements is needlessly slow.
      expect(sha256Hex(fromEnv.labels)).toBe(sha256Hex(test.labels));
      expect(sha256Hex(fromEnv.images)).toBe(sha256Hex(test.images));

      copyFileSync(path.join(SHIPPED, 't10k-labels-idx1-ubyte.gz'), path.join(dir, 't10k-labels-idx1-ubyte.gz'));
      const corrupt = path.join(dir, 't10k-labels-idx1-ubyte.gz');
      const gz = readFileSync(corrupt);
      writeFileSync(corrupt, gz.subarray(0, gz.length - 100));
      expect(() => loadFashionMnist('test', { env: { KIT_DATA_DIR: tmp.dir } })).toThrow(
        new RegExp(`${corrupt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the gzip stream ends early.*npm run data -- fashion-mnist`),
      );
    } finally {
      tmp.cleanup();
    }
  });
});
