import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { encodeIdx, parseIdx, readIdx } from './idx.ts';
import { gunzipIfNeeded, isGzip } from './gzip.ts';
import { tempDir } from './testing.ts';

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

describe('IDX', () => {
  const images = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);

  it('round-trips images and labels, raw and gzipped, with big-endian dims', () => {
    const bytes = encodeIdx(images, [2, 3, 4]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    const raw = path.join(tmp.dir, 'x-idx3-ubyte');
    const gz = path.join(tmp.dir, 'x-idx3-ubyte.gz');
    writeFileSync(raw, bytes);
    writeFileSync(gz, gzipSync(bytes));
    for (const file of [raw, gz]) {
      const a = readIdx(file, 3);
      expect(a.dims).toEqual([2, 3, 4]);
      expect(Array.from(a.data)).toEqual(Array.from(images));
    }
    const labels = parseIdx(encodeIdx(Uint8Array.of(9, 0, 3), [3]), 'l', 'fix', 1);
    expect(labels.dims).toEqual([3]);
    expect(Array.from(labels.data)).toEqual([9, 0, 3]);
  });

  it('detects gzip by its magic number, not by the file name', () => {
    const bytes = encodeIdx(images, [2, 3, 4]);
    expect(isGzip(bytes)).toBe(false);
    expect(isGzip(gzipSync(bytes))).toBe(true);
    const misnamed = path.join(tmp.dir, 'plain.gz');
    writeFileSync(misnamed, bytes);
    expect(readIdx(misnamed).dims).toEqual([2, 3, 4]);
  });

  it('reports a truncated gzip stream as an interrupted download, with the file and the fix', () => {
    const gz = gzipSync(encodeIdx(images, [2, 3, 4]));
    const file = path.join(tmp.dir, 'cut-idx3-ubyte.gz');
    writeFileSync(file, gz.subarray(0, gz.length - 12));
    const err = thrown(() => readIdx(file));
    expect(err.message).toContain(file);
    expect(err.message).toContain('the gzip stream ends early — the download was probably interrupted');
    expect(err.message).toContain('Replace');
    expect(err.message).not.toContain('\n');
  });

  it('reports a damaged gzip stream with the fix command it is given', () => {
    const gz = gzipSync(encodeIdx(images, [2, 3, 4]));
    gz[12] = (gz[12] ?? 0) ^ 0xff;
    gz[13] = (gz[13] ?? 0) ^ 0xff;
    const err = thrown(() => gunzipIfNeeded(gz, 'damaged.gz', 'To fix it: run `npm run data -- fashion-mnist`.'));
    expect(err.message).toMatch(/^damaged\.gz: /);
    expect(err.message).toContain('npm run data -- fashion-mnist');
  });

  it('names expected and found magic numbers in hex', () => {
    const labels = encodeIdx(Uint8Array.of(1, 2), [2]);
    const err = thrown(() => parseIdx(labels, 'labels-as-images', 'To fix it: x.', 3));
    expect(err.message).toContain('labels-as-images');
    expect(err.message).toContain('expected 0x00000803 (uint8 images, 3 dimensions)');
    expect(err.message).toContain('found 0x00000801');
    expect(err.message).toContain('To fix it: x.');
    const floats = Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 0);
    expect(thrown(() => parseIdx(floats, 'f', '', 1)).message).toContain('found 0x00000d01');
    const junk = new TextEncoder().encode('<html>404</html>');
    expect(thrown(() => parseIdx(junk, 'page', '', 1)).message).toContain('found 0x3c68746d');
  });

  it('rejects a byte length that does not match the dims', () => {
    const bytes = encodeIdx(images, [2, 3, 4]);
    const short = thrown(() => parseIdx(bytes.subarray(0, bytes.length - 1), 'short', 'fix it', 3));
    expect(short.message).toContain('2 × 3 × 4, i.e. 24 data bytes');
    expect(short.message).toContain('holds 23 data bytes (truncated)');
    const long = new Uint8Array(bytes.length + 5);
    long.set(bytes);
    expect(thrown(() => parseIdx(long, 'long', '', 3)).message).toContain('trailing garbage');
    expect(thrown(() => parseIdx(Uint8Array.of(0, 0), 'tiny', '', 1)).message).toContain('only 2 bytes');
  });
});
