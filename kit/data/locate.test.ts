import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitError, REPO_ROOT } from '#kit/errors';
import { encodeIdx } from './idx.ts';
import { findFile, fixFor, isTrackedByGit, locateFile, searchRoots, SYSTEM_DATASETS_DIR } from './locate.ts';
import { loadMnist } from './mnist.ts';
import { readDatasetFile } from './read.ts';
import { dataset, fileRecord, tempDir, tinyIdxSplit, writeManifest } from './testing.ts';
import { cachedCheck, clearVerificationCache } from './verify.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
  clearVerificationCache();
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

const MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** A tiny MNIST in `dir` (gzipped) with a manifest of its real checksums; 12 train and 5 test images. */
function tinyMnist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const train = tinyIdxSplit(12);
  const test = tinyIdxSplit(5);
  const contents = [train.imagesIdx, train.labelsIdx, test.imagesIdx, test.labelsIdx];
  const gz = [train.imagesGz, train.labelsGz, test.imagesGz, test.labelsGz];
  MNIST_FILES.forEach((name, i) => {
    writeFileSync(path.join(dir, name), gz[i] ?? new Uint8Array());
  });
  return writeManifest(tmp.dir, {
    mnist: dataset(MNIST_FILES.map((name, i) => ({ ...fileRecord(name, 'idx', contents[i] ?? new Uint8Array()), compression: 'gzip' as const }))),
  });
}

describe('search path', () => {
  it('follows ARCHITECTURE.md contract 5: $KIT_DATA_DIR/<name>, $KIT_DATA_DIR, data/<name>, /usr/share/datasets/<name>', () => {
    const roots = searchRoots('fashion-mnist', { env: { KIT_DATA_DIR: tmp.dir } }).map((r) => r.dir);
    expect(roots).toEqual([
      path.join(tmp.dir, 'fashion-mnist'),
      tmp.dir,
      path.join(REPO_ROOT, 'data', 'fashion-mnist'),
      path.join(SYSTEM_DATASETS_DIR, 'fashion-mnist'),
    ]);
    expect(SYSTEM_DATASETS_DIR).toBe('/usr/share/datasets');
    expect(searchRoots('mnist', { env: {} }).map((r) => r.dir)).toEqual([path.join(REPO_ROOT, 'data', 'mnist'), '/usr/share/datasets/mnist']);
    expect(searchRoots('mnist', { dir: tmp.dir })).toEqual([{ dir: tmp.dir, label: 'options.dir' }]);
  });

  it('takes the first folder that has the file, and accepts the gunzipped twin of a .gz', () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    writeFileSync(path.join(b, 'x.gz'), '');
    writeFileSync(path.join(a, 'x'), '');
    const roots = [
      { dir: a, label: 'a' },
      { dir: b, label: 'b' },
    ];
    expect(findFile('d', 'x.gz', { roots })).toBe(path.join(a, 'x'));
    expect(findFile('d', 'y.gz', { roots })).toBeUndefined();
    // KIT_DATA_DIR beats the repository's copy of the real dataset.
    mkdirSync(path.join(tmp.dir, 'fashion-mnist'));
    writeFileSync(path.join(tmp.dir, 'fashion-mnist', 't10k-labels-idx1-ubyte'), '');
    expect(findFile('fashion-mnist', 't10k-labels-idx1-ubyte.gz', { env: { KIT_DATA_DIR: tmp.dir } })).toBe(
      path.join(tmp.dir, 'fashion-mnist', 't10k-labels-idx1-ubyte'),
    );
    expect(findFile('fashion-mnist', 't10k-labels-idx1-ubyte.gz', { env: {} })).toBe(
      path.join(REPO_ROOT, 'data', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz'),
    );
  });

  it('names every place searched and the command that fixes a missing dataset', () => {
    const err = thrown(() => locateFile('no-such-set', 'train.bin', { env: { KIT_DATA_DIR: tmp.dir } }, 'dataset-no-such-set'));
    const m = err.message;
    expect(m).toContain('Dataset "no-such-set" not found');
    expect(m).toContain('train.bin');
    for (const dir of [path.join(tmp.dir, 'no-such-set'), tmp.dir, path.join(REPO_ROOT, 'data', 'no-such-set'), '/usr/share/datasets/no-such-set']) {
      expect(m).toContain(dir);
    }
    expect(m).toContain(`Run \`npm run data -- no-such-set\` to download it into ${path.join(tmp.dir, 'no-such-set')}`);
    expect(m).toContain('apt-get install dataset-no-such-set');
    expect(m).not.toContain('\n');
    const unset = thrown(() => locateFile('no-such-set', 'train.bin', { env: {} }));
    expect(unset.message).toContain('$KIT_DATA_DIR (not set)');
    expect(unset.message).toContain('to download it into data/no-such-set/');
    const inDir = thrown(() => locateFile('no-such-set', 'train.bin', { dir: tmp.dir }));
    expect(inDir.message).toContain(`searched, in order: ${tmp.dir} (options.dir).`);
    expect(inDir.message).toContain(`\`npm run data -- no-such-set --dir ${tmp.dir}\``);
  });

  it('reports a missing MNIST file through the loader, with the gunzipped name it also tried', () => {
    const manifestPath = tinyMnist(path.join(tmp.dir, 'elsewhere'));
    const empty = path.join(tmp.dir, 'empty');
    mkdirSync(empty);
    // Only the KIT_DATA_DIR roots: a developer's own data/mnist/ must not make this test pass or fail.
    const roots = searchRoots('mnist', { env: { KIT_DATA_DIR: empty } }).slice(0, 2);
    const err = thrown(() => loadMnist('train', { manifestPath, roots }));
    expect(err.message).toContain('train-images-idx3-ubyte.gz or train-images-idx3-ubyte');
    expect(err.message).toContain(path.join(empty, 'mnist'));
    expect(err.message).toContain('npm run data -- mnist');
  });
});

describe('verified loading', () => {
  it('loads a dataset whose files match the manifest', () => {
    const dir = path.join(tmp.dir, 'mnist');
    const manifestPath = tinyMnist(dir);
    const train = loadMnist('train', { dir, manifestPath });
    expect(train).toMatchObject({ count: 12, rows: 4, cols: 3, channels: 1 });
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(train.images.constructor).toBe(Uint8Array);
    expect(loadMnist('test', { dir, manifestPath }).count).toBe(5);
  });

  it('fails on a checksum mismatch naming the file, both SHA-256s and the fix', () => {
    const dir = path.join(tmp.dir, 'mnist');
    const manifestPath = tinyMnist(dir);
    const other = tinyIdxSplit(12);
    const file = path.join(dir, 'train-images-idx3-ubyte.gz');
    const tampered = new Uint8Array(other.imagesIdx);
    tampered[40] = 99;
    writeFileSync(file, tampered);
    const err = thrown(() => loadMnist('train', { dir, manifestPath }));
    expect(err.message).toContain(`Checksum mismatch for ${file}`);
    const shas = err.message.match(/[0-9a-f]{64}/g) ?? [];
    expect(shas).toHaveLength(2);
    expect(shas[0]).not.toBe(shas[1]);
    expect(err.message).toContain(`delete ${file} and run \`npm run data -- mnist\``);
  });

  it('re-verifies a file rewritten after it was verified once', () => {
    const dir = path.join(tmp.dir, 'mnist');
    const manifestPath = tinyMnist(dir);
    const labels = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    expect(readDatasetFile('mnist', 't10k-labels-idx1-ubyte.gz', { dir, manifestPath }).check).toBe('sha256');
    expect(cachedCheck(labels, statSync(labels))).toBe('sha256');
    writeFileSync(labels, encodeIdx(Uint8Array.of(1, 2, 3, 4, 6), [5]));
    const later = new Date(Date.now() + 5000);
    utimesSync(labels, later, later);
    expect(() => readDatasetFile('mnist', 't10k-labels-idx1-ubyte.gz', { dir, manifestPath })).toThrow(/Checksum mismatch/);
  });

  it('rejects images and labels of different lengths', () => {
    const dir = path.join(tmp.dir, 'mnist');
    mkdirSync(dir);
    const train = tinyIdxSplit(12);
    const fewer = tinyIdxSplit(11);
    writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), train.imagesIdx);
    writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), fewer.labelsIdx);
    const manifestPath = writeManifest(tmp.dir, {
      mnist: dataset([fileRecord('train-images-idx3-ubyte.gz', 'idx', train.imagesIdx), fileRecord('train-labels-idx1-ubyte.gz', 'idx', fewer.labelsIdx)]),
    });
    const err = thrown(() => loadMnist('train', { dir, manifestPath }));
    expect(err.message).toContain('Label/image count mismatch');
    expect(err.message).toContain(`${path.join(dir, 'train-labels-idx1-ubyte')} has 11 labels`);
    expect(err.message).toContain(`${path.join(dir, 'train-images-idx3-ubyte')} has 12 images of 4×3×1`);
    expect(err.message).toContain('npm run data -- mnist');
  });

  it('reports a truncated .gz dataset file as an interrupted download with the fix command', () => {
    const dir = path.join(tmp.dir, 'mnist');
    const manifestPath = tinyMnist(dir);
    const file = path.join(dir, 't10k-images-idx3-ubyte.gz');
    const gz = tinyIdxSplit(5).imagesGz;
    writeFileSync(file, gz.subarray(0, gz.length - 20));
    const err = thrown(() => loadMnist('test', { dir, manifestPath }));
    expect(err.message).toContain(file);
    expect(err.message).toContain('the gzip stream ends early — the download was probably interrupted');
    expect(err.message).toContain(`delete ${file} and run \`npm run data -- mnist\``);
  });

  it('checks archive-only entries by the archive hash, and their gunzipped twins by size', () => {
    const dir = path.join(tmp.dir, 'mnist');
    mkdirSync(dir);
    const split = tinyIdxSplit(3);
    writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), split.labelsGz);
    const record = { name: 't10k-labels-idx1-ubyte.gz', format: 'idx', bytes: split.labelsIdx.length };
    const wrongArchive = writeManifest(tmp.dir, { mnist: dataset([{ ...record, archiveSha256: 'ab'.repeat(32) }]) });
    expect(() => readDatasetFile('mnist', 't10k-labels-idx1-ubyte.gz', { dir, manifestPath: wrongArchive })).toThrow(
      /expected SHA-256 (ab){32} of the compressed file but found [0-9a-f]{64}/,
    );
    const raw = path.join(tmp.dir, 'raw');
    mkdirSync(raw);
    writeFileSync(path.join(raw, 't10k-labels-idx1-ubyte'), split.labelsIdx);
    expect(readDatasetFile('mnist', 't10k-labels-idx1-ubyte.gz', { dir: raw, manifestPath: wrongArchive }).check).toBe('size');
  });
});

describe('fixFor: the data that ships in git', () => {
  it('advises `git checkout -- data/<name>/` (offline) for a tracked file of the repository', () => {
    const file = path.join(REPO_ROOT, 'data', 'fashion-mnist', 't10k-labels-idx1-ubyte.gz');
    const fix = fixFor('fashion-mnist', file, 'dataset-fashion-mnist');
    expect(isTrackedByGit('data/fashion-mnist/t10k-labels-idx1-ubyte.gz')).toBe(true);
    expect(fix).toMatch(/^To fix it: `git checkout -- data\/fashion-mnist\/` restores the copy that ships with the kit/);
    expect(fix).not.toContain('\n');
  });

  it('keeps the download advice for a file git does not track', () => {
    const file = path.join(REPO_ROOT, 'data', 'cifar-10', 'data_batch_1.bin');
    expect(fixFor('cifar-10', file)).toBe(`To fix it: delete ${file} and run \`npm run data -- cifar-10\` to download a verified copy.`);
  });
});
