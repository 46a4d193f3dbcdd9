import { gunzipSync } from 'node:zlib';
import { KitError } from '#kit/errors';

/** A gzip stream that cannot be decompressed; `detail` is the short reason without file and fix. */
export class GzipError extends KitError {
  override name = 'GzipError';
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The decompressed bytes of `bytes` if it is gzip, else `bytes` itself, as a plain Uint8Array.
 * `file` and `fix` only feed the error message: a broken stream names the file and how to replace it.
 */
export function gunzipIfNeeded(bytes: Uint8Array, file: string, fix: string): Uint8Array {
  if (!isGzip(bytes)) return plain(bytes);
  let out: Buffer;
  try {
    out = gunzipSync(bytes);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const detail = err instanceof Error ? err.message : String(err);
    // zlib reports a stream cut short as Z_BUF_ERROR ("unexpected end of file"); anything else is damage.
    if (code === 'Z_BUF_ERROR') {
      const short = `the gzip stream ends early — the download was probably interrupted (${String(bytes.length)} compressed bytes, zlib: ${detail})`;
      throw new GzipError(`${file}: ${short}. ${fix}`, short);
    }
    const short = `not a valid gzip stream although it starts like one (zlib: ${detail}); the file is damaged`;
    throw new GzipError(`${file}: ${short}. ${fix}`, short);
  }
  return plain(out);
}

/** The same bytes as a plain Uint8Array: a Buffer's slice() is a view, not a copy, a trap for callers. */
function plain(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
