import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { encodeNpy, parseNpy, readNpy, writeNpy } from './npy.ts';
import { tempDir } from './testing.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  tmp.cleanup();
});

/** Elements of any typed array as a plain array, for comparisons. */
const values = (a: ArrayLike<number | bigint>): (number | bigint)[] => Array.from(a);

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

function thrown(fn: () => unknown): KitError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KitError) return err;
    throw err;
  }
  throw new Error('expected a KitError');
}

// Bytes written by numpy 2.4 (np.save / numpy.lib.format.write_array), so the parser is checked
// against the real writer and not only against our own encoder.
const NUMPY_F4_2x3 =
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d20' +
  '2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a' +
  '000000000000803e0000003f0000403f0000803f0000a03f';
const NUMPY_U1_2x2 =
  '934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2032292c207d20' +
  '2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a010203ff';
const NUMPY_V2_F8 =
  '934e554d50590200740000007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d20' +
  '2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f83f00000000000000c0';
const NUMPY_V3_I8 =
  '934e554d50590300740000007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d20' +
  '2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a010000000000000002000000000000000300000000000000';

describe('.npy reader', () => {
  it('reads what numpy writes: <f4 and |u1 (1.0), <f8 (2.0), <i8 (3.0)', () => {
    const f4 = parseNpy(hex(NUMPY_F4_2x3), 'f4.npy');
    expect(f4.dtype).toBe('<f4');
    expect(f4.shape).toEqual([2, 3]);
    expect(f4.data).toBeInstanceOf(Float32Array);
    expect(values(f4.data)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);

    const u1 = parseNpy(hex(NUMPY_U1_2x2), 'u1.npy');
    expect(u1.dtype).toBe('|u1');
    expect(values(u1.data)).toEqual([1, 2, 3, 255]);

    const f8 = parseNpy(hex(NUMPY_V2_F8), 'f8.npy');
    expect(f8.shape).toEqual([2]);
    expect(values(f8.data)).toEqual([1.5, -2]);

    const i8 = parseNpy(hex(NUMPY_V3_I8), 'i8.npy');
    expect(i8.data).toBeInstanceOf(BigInt64Array);
    expect(values(i8.data)).toEqual([1n, 2n, 3n]);
  });

  it('reads a 0-d array', () => {
    const scalar = encodeNpy({ data: Float32Array.of(3), shape: [] });
    expect(parseNpy(scalar, 's.npy')).toMatchObject({ shape: [], dtype: '<f4' });
  });

  it('rejects Fortran order, big-endian data, unknown dtypes and structured dtypes with the fix', () => {
    const withHeader = (dict: string, data: Uint8Array): Uint8Array => {
      const header = dict + ' '.repeat((64 - ((10 + dict.length + 1) % 64)) % 64) + '\n';
      const out = new Uint8Array(10 + header.length + data.length);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
      out.set(new TextEncoder().encode(header), 10);
      out.set(data, 10 + header.length);
      return out;
    };
    const fortran = thrown(() => parseNpy(withHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(24)), 'f.npy'));
    expect(fortran.message).toContain('f.npy');
    expect(fortran.message).toContain('Fortran (column-major) order');
    expect(fortran.message).toContain('np.ascontiguousarray');

    const big = thrown(() => parseNpy(withHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", new Uint8Array(12)), 'b.npy'));
    expect(big.message).toContain("big-endian dtype '>f4'");
    expect(big.message).toContain("newbyteorder('<')");

    const complex = thrown(() => parseNpy(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), 'c.npy'));
    expect(complex.message).toContain("dtype '<c8' is not supported; expected one of |u1");

    const structured = "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }";
    expect(thrown(() => parseNpy(withHeader(structured, new Uint8Array(4)), 'r.npy')).message).toContain('structured');

    // Python 2 era files spell dimensions as long integers.
    const py2 = parseNpy(withHeader("{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 1L), }", Uint8Array.of(7, 8)), 'p.npy');
    expect(py2.shape).toEqual([2, 1]);
  });

  it('rejects a file that is not .npy or whose data is cut short', () => {
    const notNpy = thrown(() => parseNpy(new TextEncoder().encode('PK\x03\x04 zip archive'), 'a.npz'));
    expect(notNpy.message).toContain('expected a .npy file starting with 93 4e 55 4d 50 59');
    expect(notNpy.message).toContain('found 50 4b 03 04');
    const full = hex(NUMPY_F4_2x3);
    const cut = thrown(() => parseNpy(full.subarray(0, full.length - 4), 'cut.npy'));
    expect(cut.message).toContain("shape (2, 3) of '<f4' needs 24 data bytes but the file holds 20 (truncated)");
  });
});

describe('.npy writer', () => {
  it('round-trips uint8 and float32 through files, with a 64-byte aligned header', () => {
    const u8 = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const f32 = Float32Array.from({ length: 5 }, (_, i) => i / 3 - 1);
    writeNpy(path.join(tmp.dir, 'u8.npy'), { data: u8, shape: [2, 3, 4] });
    writeNpy(path.join(tmp.dir, 'f32.npy'), { data: f32, shape: [5] });
    const a = readNpy(path.join(tmp.dir, 'u8.npy'));
    expect(a).toMatchObject({ dtype: '|u1', shape: [2, 3, 4] });
    expect(values(a.data)).toEqual(Array.from(u8));
    const b = readNpy(path.join(tmp.dir, 'f32.npy'));
    expect(b).toMatchObject({ dtype: '<f4', shape: [5] });
    expect(values(b.data)).toEqual(Array.from(f32));
    const bytes = readFileSync(path.join(tmp.dir, 'f32.npy'));
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.subarray(10, 10 + headerLen).toString('latin1')).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(5,\), \} *\n$/);
    expect(readdirSync(tmp.dir).sort()).toEqual(['f32.npy', 'u8.npy']);
  });

  it('writes format 2.0 on request and reads it back', () => {
    const data = Float32Array.of(1, -2, 3.5, 4);
    const bytes = encodeNpy({ data, shape: [2, 2] }, { version: 2 });
    expect(Array.from(bytes.subarray(6, 8))).toEqual([2, 0]);
    const headerLen = new DataView(bytes.buffer).getUint32(8, true);
    expect((12 + headerLen) % 64).toBe(0);
    const back = parseNpy(bytes, 'v2.npy');
    expect(back.shape).toEqual([2, 2]);
    expect(values(back.data)).toEqual([1, -2, 3.5, 4]);
  });

  it('round-trips the other dtypes and reads a subarray view at any offset', () => {
    const cases = [Int8Array.of(-1, 2), Int32Array.of(-5, 7, 1 << 30), BigInt64Array.of(-1n, 2n ** 40n), Float64Array.of(Math.PI, -0.5)];
    for (const data of cases) {
      const bytes = encodeNpy({ data, shape: [data.length] });
      // An odd offset into a larger buffer: the reader must not assume alignment.
      const shifted = new Uint8Array(bytes.length + 3);
      shifted.set(bytes, 3);
      const back = parseNpy(shifted.subarray(3), 'x.npy');
      expect(back.data.constructor).toBe(data.constructor);
      expect(values(back.data)).toEqual(values(data));
    }
    const bools = parseNpy(encodeNpy({ data: Uint8Array.of(1, 0, 1), shape: [3], dtype: '|b1' }), 'b.npy');
    expect(bools.dtype).toBe('|b1');
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/shape \[2, 3\] holds 6 values but data has 5/);
  });

  it('leaves no temporary file when the final rename fails', () => {
    // A non-empty directory where the file should go: the temporary file is written, the rename fails.
    const target = path.join(tmp.dir, 'x.npy');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep'), '');
    expect(() => {
      writeNpy(target, { data: Uint8Array.of(1), shape: [1] });
    }).toThrow();
    expect(readdirSync(tmp.dir)).toEqual(['x.npy']);
  });
});
