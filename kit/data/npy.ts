import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArgumentError, KitError } from '#kit/errors';
import { reportDatasetRead } from './audit.ts';

/**
 * NumPy's `.npy` format (https://numpy.org/devdocs/reference/generated/numpy.lib.format.html):
 * "\x93NUMPY", major and minor version bytes, the header length (uint16 LE in 1.0, uint32 LE in 2.0
 * and 3.0), then a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`
 * padded with spaces and a newline so the data starts on a 64-byte boundary, then the raw values.
 */
export type NpyDtype = '|u1' | '|i1' | '|b1' | '<i4' | '<i8' | '<f4' | '<f8';
export type NpyData = Uint8Array | Int8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

export interface NpyArray {
  dtype: NpyDtype;
  /** Sizes, outermost first; [] for a 0-d array. Values are in C (row-major) order. */
  shape: number[];
  data: NpyData;
}

interface DtypeInfo {
  size: number;
  make: (buffer: ArrayBuffer) => NpyData;
}

const DTYPES: Record<NpyDtype, DtypeInfo> = {
  '|u1': { size: 1, make: (b) => new Uint8Array(b) },
  '|b1': { size: 1, make: (b) => new Uint8Array(b) },
  '|i1': { size: 1, make: (b) => new Int8Array(b) },
  '<i4': { size: 4, make: (b) => new Int32Array(b) },
  '<i8': { size: 8, make: (b) => new BigInt64Array(b) },
  '<f4': { size: 4, make: (b) => new Float32Array(b) },
  '<f8': { size: 8, make: (b) => new Float64Array(b) },
};

// numpy spells single-byte types with '|' but accepts '<' and '=' for them too.
const ALIASES: Record<string, NpyDtype> = { '<u1': '|u1', '=u1': '|u1', '<i1': '|i1', '=i1': '|i1', '<b1': '|b1', '=b1': '|b1' };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const fixOf = (file: string): string => `Re-create it, e.g. with numpy: \`np.save(${JSON.stringify(file)}, np.ascontiguousarray(a))\`.`;

// Typed arrays use the host's byte order; .npy data here is little-endian, so big-endian hosts swap.
const HOST_IS_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

function headerField(header: string, key: string): string | undefined {
  // Keys are quoted with ' by numpy's repr; accept " too for hand-written headers.
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*`).exec(header);
  if (m === null) return undefined;
  return header.slice(m.index + m[0].length);
}

/** Parses the bytes of a `.npy` file (versions 1.0, 2.0, 3.0; C order; the dtypes of `NpyDtype`). */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fix = fixOf(file);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const found = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new KitError(`${file}: expected a .npy file starting with 93 4e 55 4d 50 59 ("\\x93NUMPY") but found ${found || 'nothing'}. ${fix}`);
  }
  const major = bytes[6] ?? 0;
  const minor = bytes[7] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new KitError(`${file}: .npy ${String(major)}.${String(minor)} header is cut short. ${fix}`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new KitError(`${file}: .npy format version ${String(major)}.${String(minor)} is not supported; expected 1.0, 2.0 or 3.0. ${fix}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw new KitError(`${file}: the .npy header claims ${String(headerLen)} bytes but the file has only ${String(bytes.length)} in all. ${fix}`);
  }
  // Version 3.0 exists only to allow UTF-8 in structured field names; 1.0 and 2.0 are latin1.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descrText = headerField(header, 'descr');
  const descrMatch = descrText === undefined ? null : /^(['"])([^'"]*)\1/.exec(descrText);
  if (descrMatch?.[2] === undefined) {
    throw new KitError(
      `${file}: expected a plain dtype string in the .npy header's 'descr' but found ${JSON.stringify(header.trim())}; ` +
        `structured (record) dtypes are not supported. Save plain arrays. ${fix}`,
    );
  }
  const rawDescr = descrMatch[2];
  const descr = ALIASES[rawDescr] ?? rawDescr;
  if (rawDescr.startsWith('>')) {
    throw new KitError(
      `${file}: big-endian dtype '${rawDescr}' is not supported; expected little-endian (one of ${Object.keys(DTYPES).join(', ')}). ` +
        `Convert it with numpy: \`np.save(path, a.astype(a.dtype.newbyteorder('<')))\`.`,
    );
  }
  if (!(descr in DTYPES)) {
    throw new KitError(`${file}: dtype '${rawDescr}' is not supported; expected one of ${Object.keys(DTYPES).join(', ')}. ${fix}`);
  }
  const dtype = descr as NpyDtype;

  const fortran = /^(True|False)/.exec(headerField(header, 'fortran_order') ?? '')?.[1];
  if (fortran === undefined) throw new KitError(`${file}: the .npy header has no fortran_order entry: ${JSON.stringify(header.trim())}. ${fix}`);
  if (fortran === 'True') {
    throw new KitError(
      `${file}: the array is stored in Fortran (column-major) order; the kit reads C order only. ` +
        `Re-save it with numpy: \`np.save(path, np.ascontiguousarray(a))\`.`,
    );
  }

  const shapeText = /^\(([^)]*)\)/.exec(headerField(header, 'shape') ?? '')?.[1];
  if (shapeText === undefined) throw new KitError(`${file}: the .npy header has no shape tuple: ${JSON.stringify(header.trim())}. ${fix}`);
  const shape: number[] = [];
  for (const part of shapeText.split(',')) {
    const t = part.trim().replace(/L$/, ''); // Python 2 wrote long integers as "3L".
    if (t === '') continue;
    if (!/^\d+$/.test(t)) throw new KitError(`${file}: bad dimension "${t}" in the .npy shape (${shapeText}). ${fix}`);
    shape.push(Number(t));
  }

  const info = DTYPES[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = count * info.size;
  const found = bytes.length - dataStart;
  if (found !== expected) {
    throw new KitError(
      `${file}: shape (${shape.join(', ')}) of '${dtype}' needs ${String(expected)} data bytes but the file holds ` +
        `${String(found)} (${found < expected ? 'truncated' : 'extra bytes at the end'}). ${fix}`,
    );
  }
  // Copying gives the typed array its own aligned buffer: the data offset need not be a multiple of 8.
  // new Uint8Array(view) copies; Buffer#slice (readFileSync's result) would not.
  const copy = new Uint8Array(bytes.subarray(dataStart));
  if (HOST_IS_BIG_ENDIAN) swapBytes(copy, info.size);
  return { dtype, shape, data: info.make(copy.buffer) };
}

/** Reads a `.npy` file. */
export function readNpy(file: string): NpyArray {
  reportDatasetRead(undefined, file);
  return parseNpy(readFileSync(file), file);
}

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Uint8Array) return '|u1';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Float32Array) return '<f4';
  return '<f8';
}

/**
 * Encodes an array as `.npy` bytes. The dtype follows the typed array (`|u1` for Uint8Array, `<f4` for
 * Float32Array, ...) unless `dtype` says `|b1` for a Uint8Array of 0/1. Version 1.0 unless the header needs
 * 2.0 or `version` asks for it.
 */
export function encodeNpy(array: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }, options: { version?: 1 | 2 } = {}): Uint8Array {
  const { data, shape } = array;
  const dtype = array.dtype ?? dtypeOf(data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`encodeNpy: shape [${shape.join(', ')}] holds ${String(count)} values but data has ${String(data.length)}.`);
  }
  if (DTYPES[dtype].size !== data.BYTES_PER_ELEMENT || (dtype === '|b1' && !(data instanceof Uint8Array))) {
    throw new ArgumentError(`encodeNpy: dtype '${dtype}' does not match a ${data.constructor.name}.`);
  }
  const shapeText = shape.length === 1 ? `(${String(shape[0])},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = options.version ?? 1;
  const pad = (prefix: number): string => {
    const unpadded = prefix + dict.length + 1;
    return dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  };
  let header = pad(10);
  if (version === 1 && header.length > 0xffff) version = 2;
  if (version === 2) header = pad(12);
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const body = out.subarray(prefix + header.length);
  body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (HOST_IS_BIG_ENDIAN) swapBytes(body, DTYPES[dtype].size);
  return out;
}

/** Writes `.npy` atomically (temporary file, then rename), so a crash never leaves half an array behind. */
export function writeNpy(file: string, array: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }, options: { version?: 1 | 2 } = {}): void {
  const bytes = encodeNpy(array, options);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${String(process.pid)}.partial`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
