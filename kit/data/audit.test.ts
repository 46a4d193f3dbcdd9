import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTestSplitFile, watchDatasetReads, type DatasetFileRead } from './audit.ts';
import { loadFashionMnist } from './fashion-mnist.ts';
import { encodeIdx, readIdx } from './idx.ts';
import { encodeNpy, readNpy } from './npy.ts';
import { tempDir } from './testing.ts';

describe('dataset read audit', () => {
  it('reports every file a loader reads (dataset, base name, path) until the watcher is stopped', () => {
    const reads: DatasetFileRead[] = [];
    const stop = watchDatasetReads((r) => reads.push(r));
    loadFashionMnist('test');
    stop();
    loadFashionMnist('test');
    expect(reads.map((r) => [r.dataset, r.file])).toEqual([
      ['fashion-mnist', 't10k-images-idx3-ubyte.gz'],
      ['fashion-mnist', 't10k-labels-idx1-ubyte.gz'],
    ]);
    expect(path.basename(reads[0]!.path)).toBe('t10k-images-idx3-ubyte.gz');
  });

  it('also reports files read by path with readIdx and readNpy', () => {
    const { dir, cleanup } = tempDir();
    try {
      const idx = path.join(dir, 't10k-labels-idx1-ubyte');
      writeFileSync(idx, encodeIdx(Uint8Array.from([1, 2]), [2]));
      const npy = path.join(dir, 'fashion_mnist_test_labels.npy');
      writeFileSync(npy, encodeNpy({ data: Uint8Array.from([1, 2]), shape: [2] }));
      const reads: DatasetFileRead[] = [];
      const stop = watchDatasetReads((r) => reads.push(r));
      readIdx(idx);
      readNpy(npy);
      stop();
      expect(reads.map((r) => [r.dataset, r.file, r.path])).toEqual([
        [undefined, 't10k-labels-idx1-ubyte', idx],
        [undefined, 'fashion_mnist_test_labels.npy', npy],
      ]);
    } finally {
      cleanup();
    }
  });

  it('recognises test-split file names (MNIST layout, the course .npy files, CIFAR-10) and nothing else', () => {
    for (const f of ['t10k-images-idx3-ubyte.gz', '/x/t10k-labels-idx1-ubyte', 'fashion_mnist_test_images.npy', 'test_batch.bin', 'test.npy']) {
      expect(isTestSplitFile(f), f).toBe(true);
    }
    for (const f of ['train-images-idx3-ubyte.gz', 'fashion_mnist_train_labels.npy', 'data_batch_1.bin', 'batches.meta.txt', 'latest.npy', 'contest_x.npy']) {
      expect(isTestSplitFile(f), f).toBe(false);
    }
  });
});
