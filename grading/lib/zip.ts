/**
 * A zip reader for submissions that reads only what the grader asks for. It parses the central
 * directory at the end of the file, never the whole archive, and extracts a member only on request,
 * streaming the inflate (fflate) and stopping at a byte cap: a zip bomb or a 1 GB member costs nothing
 * unless it is one of the few files the grader wants, and then it is refused at the cap. Member names
 * are only compared, never used as paths on disk, so `../` cannot escape anything; unsafe names are
 * reported as such.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { Inflate } from 'fflate';
import { KitError } from '#kit/errors';

export interface ZipMember {
  /** The name as stored, with `\` turned into `/`. */
  name: string;
  compressedSize: number;
  size: number;
  method: number;
  encrypted: boolean;
  directory: boolean;
  symlink: boolean;
  /** Unix permission bits when the archive records them (0 otherwise). */
  mode: number;
  /** Absolute, drive-lettered or with `..` segments: never used. */
  unsafe: boolean;
  /** The stored name is not valid UTF-8 (a legacy code page, or garbage): shown decoded as well as it can be. */
  badName: boolean;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Upper bounds that no honest submission comes near. */
const MAX_CENTRAL_DIRECTORY = 32 * 1024 * 1024;
const MAX_MEMBERS = 200_000;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

function isUnsafe(name: string): boolean {
  return name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..') || name.includes('\0');
}

export class ZipReader {
  readonly members: ZipMember[];
  readonly #fd: number;
  readonly #file: string;

  private constructor(file: string, fd: number, members: ZipMember[]) {
    this.#file = file;
    this.#fd = fd;
    this.members = members;
  }

  static open(file: string): ZipReader {
    const fd = fs.openSync(file, 'r');
    try {
      return new ZipReader(file, fd, ZipReader.#centralDirectory(file, fd));
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  static #bad(file: string, why: string): KitError {
    return new KitError(`${file} is not a zip file the grader can read: ${why}. Re-create it with a standard zip tool (zip -r, or "Compress" in a file manager), without encryption.`);
  }

  static #centralDirectory(file: string, fd: number): ZipMember[] {
    const size = fs.fstatSync(fd).size;
    const tailLength = Math.min(size, 22 + 65_535);
    const tail = readAt(fd, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw ZipReader.#bad(file, 'no end-of-central-directory record');
    const count = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw ZipReader.#bad(file, 'it is a ZIP64 archive (more than 65 535 files or 4 GB)');
    if (cdSize > MAX_CENTRAL_DIRECTORY || count > MAX_MEMBERS) throw ZipReader.#bad(file, `its directory lists ${count} files in ${cdSize} bytes`);
    if (cdOffset + cdSize > size) throw ZipReader.#bad(file, 'its directory points past the end of the file');
    const cd = readAt(fd, cdOffset, cdSize);
    const members: ZipMember[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw ZipReader.#bad(file, `directory entry ${i + 1} is damaged`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const compressedSize = cd.readUInt32LE(p + 20);
      const sizeU = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      const externalAttributes = cd.readUInt32LE(p + 38);
      const localHeaderOffset = cd.readUInt32LE(p + 42);
      const rawName = cd.subarray(p + 46, p + 46 + nameLength);
      // Flag 0x800 promises UTF-8; many tools write UTF-8 without it, older ones a code page (shown as latin1).
      const utf8 = isUtf8(rawName);
      const name = ((flags & 0x800) !== 0 || utf8 ? rawName.toString('utf8') : rawName.toString('latin1')).replaceAll('\\', '/');
      const unixMode = externalAttributes >>> 16;
      members.push({
        name,
        compressedSize,
        size: sizeU,
        method,
        encrypted: (flags & 1) !== 0,
        directory: name.endsWith('/'),
        symlink: (unixMode & 0o170000) === 0o120000,
        mode: unixMode & 0o777,
        unsafe: isUnsafe(name),
        badName: !utf8,
        localHeaderOffset,
      });
      p += 46 + nameLength + extraLength + commentLength;
    }
    return members;
  }

  /**
   * The bytes of one member, refusing more than `maxBytes` after decompression whatever the header
   * claims (a lying header cannot make this allocate more).
   */
  read(member: ZipMember, maxBytes: number): Buffer {
    const why = (s: string): KitError => new KitError(`${this.#file}: ${member.name}: ${s}`);
    if (member.encrypted) throw why('the file is encrypted');
    if (member.size > maxBytes) throw why(`the file is ${member.size} bytes, more than the ${maxBytes} allowed (too big)`);
    if (member.compressedSize > maxBytes * 2 + 1024) throw why('the compressed file is implausibly large (too big)');
    const header = readAt(this.#fd, member.localHeaderOffset, 30);
    if (header.length < 30 || header.readUInt32LE(0) !== LOCAL) throw why('its local header is damaged');
    const start = member.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const compressed = readAt(this.#fd, start, member.compressedSize);
    if (compressed.length !== member.compressedSize) throw why('the archive is truncated');
    if (member.method === 0) {
      if (compressed.length > maxBytes) throw why(`more than ${maxBytes} bytes (too big)`);
      return compressed;
    }
    if (member.method !== 8) throw why(`compression method ${member.method} is not supported (use deflate)`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const inflater = new Inflate((chunk) => {
      total += chunk.length;
      if (total > maxBytes) throw why(`it inflates to more than ${maxBytes} bytes (too big)`);
      chunks.push(chunk);
    });
    const STEP = 4096;
    for (let off = 0; off < compressed.length; off += STEP) {
      inflater.push(compressed.subarray(off, Math.min(off + STEP, compressed.length)), off + STEP >= compressed.length);
    }
    if (compressed.length === 0) inflater.push(new Uint8Array(0), true);
    return Buffer.concat(chunks);
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}
