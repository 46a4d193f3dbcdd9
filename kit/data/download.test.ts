import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { CIFAR10_FILES, encodeCifarBatch, loadCifar10 } from './cifar.ts';
import { DownloadError, downloadDataset, type DatasetDownloadOptions } from './download.ts';
import { loadFashionMnist } from './fashion-mnist.ts';
import { loadMnist } from './mnist.ts';
import { dataset, listFiles, tempDir, tinyIdxSplit, writeManifest } from './testing.ts';
import { sha256Hex } from './verify.ts';

const NAMES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const train = tinyIdxSplit(12);
const test = tinyIdxSplit(5);
const GOOD: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte.gz': train.imagesGz,
  'train-labels-idx1-ubyte.gz': train.labelsGz,
  't10k-images-idx3-ubyte.gz': test.imagesGz,
  't10k-labels-idx1-ubyte.gz': test.labelsGz,
};
const CONTENT: Record<string, Uint8Array> = {
  'train-images-idx3-ubyte.gz': train.imagesIdx,
  'train-labels-idx1-ubyte.gz': train.labelsIdx,
  't10k-images-idx3-ubyte.gz': test.imagesIdx,
  't10k-labels-idx1-ubyte.gz': test.labelsIdx,
};
const FASHION = path.join(REPO_ROOT, 'data', 'fashion-mnist');

/** Serves /good/, /bad/ (valid gzip, wrong content), /cut/ (connection dropped mid-body), /short/ (a
 * complete response holding a cut gzip stream), /html/, /stall/, /404/, /fashion/ and /archive/. */
let server: Server;
let base: string;
let closedPort: string;
let archives: Record<string, Uint8Array> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, kind = '', name = ''] = (req.url ?? '').split('/');
    const good = GOOD[name];
    const send = (body: Uint8Array): void => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
      res.end(body);
    };
    if (kind === 'good' && good !== undefined) send(good);
    else if (kind === 'bad' && good !== undefined) send(gzipSync(tinyIdxSplit(3).imagesIdx));
    else if (kind === 'short' && good !== undefined) send(good.subarray(0, Math.floor(good.length / 2)));
    else if (kind === 'html') send(new TextEncoder().encode('<html>maintenance</html>'));
    else if (kind === 'cut' && good !== undefined) {
      res.writeHead(200, { 'content-length': String(good.length) });
      res.write(good.subarray(0, Math.floor(good.length / 2)), () => {
        res.socket?.destroy();
      });
    } else if (kind === 'stall' && good !== undefined) {
      res.writeHead(200, { 'content-length': String(good.length) });
      res.write(good.subarray(0, 10));
    } else if (kind === 'fashion' && NAMES.includes(name)) send(readFileSync(path.join(FASHION, name)));
    else if (kind === 'archive' && archives[name] !== undefined) send(archives[name]);
    else {
      res.writeHead(404, 'Not Found');
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  // A port that was just free: connecting to it is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = String((probe.address() as AddressInfo).port);
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let tmp: ReturnType<typeof tempDir>;
let manifestPath: string;
let dest: string;
beforeEach(() => {
  tmp = tempDir();
  dest = path.join(tmp.dir, 'dest');
  manifestPath = writeManifest(tmp.dir, {
    mnist: dataset(
      NAMES.map((name) => ({
        name,
        format: 'idx',
        compression: 'gzip' as const,
        bytes: CONTENT[name]?.length ?? 0,
        sha256: sha256Hex(CONTENT[name] ?? new Uint8Array()),
      })),
    ),
  });
});
afterEach(() => {
  tmp.cleanup();
});

async function failure(options: DatasetDownloadOptions, name = 'mnist'): Promise<DownloadError> {
  try {
    await downloadDataset(name, { manifestPath, dest, ...options });
  } catch (err) {
    if (err instanceof DownloadError) return err;
    throw err;
  }
  throw new Error('expected a DownloadError');
}

describe('downloadDataset, per-file datasets', () => {
  it('downloads, verifies and renames every file into place, then finds them present', async () => {
    const lines: string[] = [];
    const result = await downloadDataset('mnist', { manifestPath, dest, urls: [`${base}/good/`], log: (l) => lines.push(l) });
    expect(result.files.map((f) => [f.name, f.status, f.check])).toEqual(NAMES.map((n) => [n, 'downloaded', 'sha256']));
    expect(listFiles(dest)).toEqual([...NAMES].sort());
    expect(lines.some((l) => l.includes('checksum verified'))).toBe(true);
    expect(loadMnist('train', { dir: dest, manifestPath }).count).toBe(12);
    const again = await downloadDataset('mnist', { manifestPath, dest, urls: [`http://127.0.0.1:${closedPort}/`] });
    expect(again.files.every((f) => f.status === 'present')).toBe(true);
  });

  it('falls through the mirrors in order until one works', async () => {
    const lines: string[] = [];
    const result = await downloadDataset('mnist', {
      manifestPath,
      dest,
      urls: [`${base}/404/`, `http://127.0.0.1:${closedPort}/`, `${base}/bad/`, `${base}/good/`],
      log: (l) => lines.push(l),
    });
    expect(result.files.every((f) => f.url?.startsWith(`${base}/good/`))).toBe(true);
    expect(lines.filter((l) => l.includes('failed')).length).toBe(3 * NAMES.length);
    expect(listFiles(dest)).toEqual([...NAMES].sort());
  });

  const cases: [string, string, RegExp][] = [
    ['an HTTP 404', '404', /HTTP 404 Not Found/],
    ['an unreachable host', 'closed', /fetch failed: .*ECONNREFUSED/],
    ['a corrupt download', 'bad', /checksum mismatch: expected SHA-256 [0-9a-f]{64} .* but found [0-9a-f]{64}/],
    ['a connection dropped mid-transfer', 'cut', /terminated/],
    ['a truncated gzip stream', 'short', /the gzip stream ends early — the download was probably interrupted/],
    ['an HTML error page served as the file', 'html', /checksum mismatch: expected SHA-256/],
  ];
  for (const [what, kind, reason] of cases) {
    it(`fails on ${what} with one paragraph naming the URL, the error and the fix, leaving nothing behind`, async () => {
      const url = kind === 'closed' ? `http://127.0.0.1:${closedPort}/` : `${base}/${kind}/`;
      const err = await failure({ urls: [url] });
      expect(err.message).toContain(`Could not download train-images-idx3-ubyte.gz into ${dest}`);
      expect(err.message).toContain(`${url}train-images-idx3-ubyte.gz (`);
      expect(err.message).toMatch(reason);
      expect(err.message).toContain('No partial file is left behind');
      expect(err.message).toContain('`npm run data -- mnist`');
      expect(err.message).toContain('KIT_DATA_DIR');
      expect(err.message).not.toContain('\n');
      expect(err.attempts).toHaveLength(1);
      expect(listFiles(dest)).toEqual([]);
    });
  }

  it('lists every mirror tried when all fail', async () => {
    const urls = [`${base}/404/`, `http://127.0.0.1:${closedPort}/`, `${base}/bad/`];
    const err = await failure({ urls });
    expect(err.attempts.map((a) => a.url)).toEqual(urls.map((u) => `${u}train-images-idx3-ubyte.gz`));
    expect(err.message).toMatch(/HTTP 404.*ECONNREFUSED.*checksum mismatch/);
    expect(listFiles(dest)).toEqual([]);
  });

  it('gives up on a server that stops sending, leaving nothing behind', async () => {
    const err = await failure({ urls: [`${base}/stall/`], idleTimeoutMs: 300 });
    expect(err.message).toContain('no data received');
    expect(listFiles(dest)).toEqual([]);
  });

  it('replaces a corrupt copy in the destination with a verified one', async () => {
    mkdirSync(dest);
    writeFileSync(path.join(dest, 't10k-labels-idx1-ubyte.gz'), gzipSync(Uint8Array.of(1, 2, 3)));
    const result = await downloadDataset('mnist', { manifestPath, dest, urls: [`${base}/good/`] });
    expect(result.files.find((f) => f.name === 't10k-labels-idx1-ubyte.gz')?.status).toBe('downloaded');
    expect(readFileSync(path.join(dest, 't10k-labels-idx1-ubyte.gz'))).toEqual(Buffer.from(test.labelsGz));
    expect(listFiles(dest)).toEqual([...NAMES].sort());
  });

  it('verifies the real Fashion-MNIST files against the real manifest', async () => {
    const result = await downloadDataset('fashion-mnist', { dest, urls: [`${base}/fashion/`] });
    expect(result.files.map((f) => f.check)).toEqual(['sha256', 'sha256', 'sha256', 'sha256']);
    expect(loadFashionMnist('test', { dir: dest }).count).toBe(10_000);
  });
});

describe('downloadDataset, tarball datasets (CIFAR-10 layout)', () => {
  const BATCHES = [...CIFAR10_FILES];

  /** A cifar-10-binary.tar.gz look-alike with 2-image batches, made with the system tar. */
  function makeArchive(members: string[]): { tgz: Uint8Array; batches: Record<string, Uint8Array> } {
    const root = path.join(tmp.dir, 'src');
    mkdirSync(path.join(root, 'cifar-10-batches-bin'), { recursive: true });
    const batches: Record<string, Uint8Array> = {};
    members.forEach((name, k) => {
      const images = Uint8Array.from({ length: 2 * 3072 }, (_, i) => (i + k) % 256);
      const bytes = name.endsWith('.bin') ? encodeCifarBatch(images, Uint8Array.of(k, 9 - k)) : new TextEncoder().encode('airplane\n');
      batches[name] = bytes;
      writeFileSync(path.join(root, 'cifar-10-batches-bin', name), bytes);
    });
    const tar = path.join(tmp.dir, 'a.tar');
    execFileSync('tar', ['-cf', tar, '-C', root, 'cifar-10-batches-bin']);
    return { tgz: gzipSync(readFileSync(tar)), batches };
  }

  function cifarManifest(tgz: Uint8Array, archiveSha256 = sha256Hex(tgz)): string {
    return writeManifest(tmp.dir, {
      'cifar-10': dataset(
        [
          ...BATCHES.map((name) => ({ name, member: `cifar-10-batches-bin/${name}`, format: 'cifar-10-bin', bytes: 2 * 3073 })),
          { name: 'batches.meta.txt', member: 'cifar-10-batches-bin/batches.meta.txt', format: 'text', optional: true },
        ],
        { urls: undefined, archive: { name: 'cifar-10-binary.tar.gz', format: 'tar.gz', urls: [], archiveSha256 } },
      ),
    });
  }

  it('downloads the archive, checks it, extracts the batches and deletes the archive', async () => {
    const { tgz, batches } = makeArchive([...BATCHES, 'batches.meta.txt']);
    archives = { 'a1.tar.gz': tgz };
    const m = cifarManifest(tgz);
    const result = await downloadDataset('cifar-10', { manifestPath: m, dest, urls: [`${base}/404/x.tar.gz`, `${base}/archive/a1.tar.gz`] });
    expect(result.files.map((f) => f.status)).toEqual(new Array(7).fill('downloaded'));
    expect(listFiles(dest)).toEqual([...BATCHES, 'batches.meta.txt'].sort());
    expect(new Uint8Array(readFileSync(path.join(dest, 'test_batch.bin')))).toEqual(batches['test_batch.bin']);
    const trainSet = loadCifar10('train', { dir: dest, manifestPath: m });
    expect(Array.from(trainSet.labels)).toEqual([0, 9, 1, 8, 2, 7, 3, 6, 4, 5]);
    const again = await downloadDataset('cifar-10', { manifestPath: m, dest, urls: [`${base}/404/x`] });
    expect(again.files.every((f) => f.status === 'present')).toBe(true);
  });

  it('rejects an archive with the wrong checksum and leaves nothing behind', async () => {
    const { tgz } = makeArchive(BATCHES);
    archives = { 'a2.tar.gz': tgz };
    const m = cifarManifest(tgz, 'ab'.repeat(32));
    const err = await failure({ manifestPath: m, urls: [`${base}/archive/a2.tar.gz`] }, 'cifar-10');
    expect(err.message).toContain(`${base}/archive/a2.tar.gz (checksum mismatch: expected SHA-256 ${'ab'.repeat(32)} but found ${sha256Hex(tgz)}`);
    expect(err.message).toContain('cifar-10-binary.tar.gz');
    expect(listFiles(dest)).toEqual([]);
  });

  it('rejects an archive that lacks a batch, keeping neither the archive nor partial files', async () => {
    const { tgz } = makeArchive(BATCHES.slice(1));
    archives = { 'a3.tar.gz': tgz };
    const m = cifarManifest(tgz);
    await expect(downloadDataset('cifar-10', { manifestPath: m, dest, urls: [`${base}/archive/a3.tar.gz`] })).rejects.toThrow(
      /has no member cifar-10-batches-bin\/data_batch_1\.bin/,
    );
    expect(listFiles(dest).filter((f) => f.endsWith('.partial') || f.endsWith('.tar.gz'))).toEqual([]);
  });
});
