import { KitError } from '#kit/errors';

/** A regular file read from a tar archive; `data` is a view into the archive bytes. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return new TextDecoder('utf-8').decode(end === -1 ? field : field.subarray(0, end));
}

function numeric(bytes: Uint8Array, start: number, length: number, archive: string): number {
  const first = bytes[start] ?? 0;
  // GNU base-256: high bit set, the rest big-endian binary (used for sizes of 8 GiB and more).
  if (first & 0x80) {
    let n = first & 0x7f;
    for (let i = 1; i < length; i++) n = n * 256 + (bytes[start + i] ?? 0);
    return n;
  }
  const s = text(bytes, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new KitError(`${archive}: malformed tar header (numeric field "${s}"); the archive is damaged.`);
  return parseInt(s, 8);
}

function paxRecords(data: Uint8Array): Map<string, string> {
  // Each record is "<length> <key>=<value>\n", where length counts the whole record in bytes.
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number(new TextDecoder().decode(data.subarray(pos, space)));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = new TextDecoder().decode(data.subarray(space + 1, pos + len - 1));
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/**
 * The regular files of an uncompressed tar archive (ustar, GNU long names, pax `path`/`size`).
 * Directories, links and devices are skipped: only file contents are wanted, never paths to create.
 * `archive` names the source in error messages.
 */
export function readTar(bytes: Uint8Array, archive: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  for (;;) {
    if (pos + BLOCK > bytes.length) {
      throw new KitError(
        `${archive}: the tar archive ends early (at byte ${String(pos)} of ${String(bytes.length)}) without its end marker; ` +
          'the download was probably interrupted.',
      );
    }
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    const stored = numeric(header, 148, 8, archive);
    if (stored !== sum) {
      throw new KitError(`${archive}: tar header checksum at byte ${String(pos)} is ${String(stored)}, expected ${String(sum)}; the archive is damaged.`);
    }
    const type = String.fromCharCode(header[156] ?? 0);
    const size = pax.has('size') ? Number(pax.get('size')) : numeric(header, 124, 12, archive);
    const dataStart = pos + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new KitError(
        `${archive}: a tar entry needs ${String(size)} bytes at byte ${String(dataStart)} but the archive has only ` +
          `${String(bytes.length)}; the download was probably interrupted.`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === '0' || type === '\0' || type === '7') {
      const prefix = text(header, 345, 155);
      // Only POSIX ustar ("ustar\0") has a name prefix there; old GNU tar ("ustar  ") keeps times in those bytes.
      const posix = text(header, 257, 6) === 'ustar';
      const base = text(header, 0, 100);
      const ustarName = posix && prefix !== '' ? `${prefix}/${base}` : base;
      entries.push({ name: pax.get('path') ?? longName ?? ustarName, data });
    }
    longName = undefined;
    pax = new Map();
  }
  return entries;
}
