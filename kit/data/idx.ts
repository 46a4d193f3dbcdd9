import { readFileSync } from 'node:fs';
import { ArgumentError, KitError } from '#kit/errors';
import { reportDatasetRead } from './audit.ts';
import { gunzipIfNeeded } from './gzip.ts';

/**
 * IDX, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * number 00 00 <type> <ndims>, then ndims big-endian uint32 sizes, then the values in row-major order.
 * Only type 0x08 (unsigned byte) is used by these datasets, so it is the only one read here.
 */
export interface IdxArray {
  /** Sizes, outermost first: [count] for labels, [count, rows, cols] for images. */
  dims: number[];
  /** The values, a view into the decompressed file (no copy). */
  data: Uint8Array;
}

const UBYTE = 0x08;

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function describeMagic(ndims: number): string {
  if (ndims === 1) return 'uint8 labels, 1 dimension';
  if (ndims === 3) return 'uint8 images, 3 dimensions';
  return `uint8, ${String(ndims)} dimensions`;
}

/**
 * Parses decompressed IDX bytes. `expectedDims` (1 for labels, 3 for images) makes a file of the other
 * kind an error; `file` and `fix` (what to do about a bad file) go into error messages.
 */
export function parseIdx(bytes: Uint8Array, file: string, fix: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4) {
    throw new KitError(
      `${file}: expected an IDX file (at least a 4-byte header) but found only ${String(bytes.length)} bytes. ${fix}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const ndims = bytes[3] ?? 0;
  const wantDims = expectedDims ?? ndims;
  const expectedMagic = (UBYTE << 8) | wantDims;
  if (magic !== expectedMagic || ndims === 0) {
    throw new KitError(
      `${file}: wrong IDX magic number: expected ${hex32(expectedMagic)} (${describeMagic(wantDims)}) ` +
        `but found ${hex32(magic)}; this is not the IDX file it should be (wrong file, or not decompressed ` +
        `correctly). ${fix}`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new KitError(
      `${file}: the IDX header announces ${String(ndims)} dimensions (${String(headerBytes)} header bytes) ` +
        `but the file has only ${String(bytes.length)} bytes. ${fix}`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const found = bytes.length - headerBytes;
  if (found !== size) {
    throw new KitError(
      `${file}: the IDX header says dimensions ${dims.join(' × ')}, i.e. ${String(size)} data bytes, ` +
        `but the file holds ${String(found)} data bytes (${found < size ? 'truncated' : 'trailing garbage'}). ${fix}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads an IDX file from disk, gzip-compressed or raw (detected by the gzip magic number). */
export function readIdx(file: string, expectedDims?: number): IdxArray {
  reportDatasetRead(undefined, file);
  const fix = `Replace ${file} with a good copy.`;
  return parseIdx(gunzipIfNeeded(readFileSync(file), file, fix), file, fix, expectedDims);
}

/** Encodes uint8 values as IDX bytes (uncompressed); used to make fixtures and to save arrays. */
export function encodeIdx(data: Uint8Array, dims: readonly number[]): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.length === 0 || dims.length > 255 || size !== data.length) {
    throw new ArgumentError(
      `encodeIdx: dimensions [${dims.join(', ')}] hold ${String(size)} values but data has ${String(data.length)}; ` +
        'pass 1 to 255 dimensions whose product is data.length.',
    );
  }
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | dims.length, false);
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}
