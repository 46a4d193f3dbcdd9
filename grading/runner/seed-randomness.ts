/**
 * Seeds every source of randomness that code in a test worker can reach, before any student code runs,
 * so that the same submission graded twice draws the same numbers and gets the same score: Math.random,
 * the Web Crypto API on globalThis (getRandomValues, randomUUID), and node:crypto's randomBytes,
 * randomFill(Sync), randomInt, randomUUID, getRandomValues and webcrypto (the module object is patched
 * and `syncBuiltinESMExports` makes ESM named imports see it too; CommonJS `require` shares the object).
 * What cannot be made reproducible — keys from `crypto.subtle.generateKey`, ECDSA/RSA-PSS signatures and
 * RSA-OAEP ciphertexts, whose randomness is drawn inside OpenSSL, and `URL.createObjectURL`'s random blob
 * URLs — is refused with a reason instead.
 *
 * The replacements are locked (non-writable, non-configurable) where the property allows it, except
 * Math.random: the kit's own test helpers swap it for a while, so it stays a plain assignment, as the
 * sentinel has always done (which neither locks nor watches it). A later call re-seeds the same
 * replacements (the locks stay).
 */
import nodeCrypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { types } from 'node:util';

/** splitmix32-style counter hash: the generator the sentinel has always used for Math.random. */
function counter32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Math.random from a seed: 53 random bits, exactly the numbers the sentinel's generator gave before. */
function seededRandom(seed: number): () => number {
  const next32 = counter32(seed);
  return () => (next32() * 2 ** 21 + (next32() >>> 11)) / 2 ** 53;
}

/** The byte stream behind every crypto source: its own generator, so drawing bytes never shifts Math.random. */
let next32 = counter32(1);

function fill(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) {
    const r = next32();
    for (let k = 0; k < 4 && i + k < bytes.length; k++) bytes[i + k] = (r >>> (8 * k)) & 0xff;
  }
}

/** The bytes of any buffer or view, as Uint8Array over the same memory. */
function bytesOf(buf: unknown, what: string): Uint8Array {
  if (types.isAnyArrayBuffer(buf)) return new Uint8Array(buf);
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  throw new TypeError(`The "${what}" argument must be an instance of ArrayBuffer or ArrayBufferView.`);
}

function checkSize(size: unknown, max: number, what: string): number {
  if (typeof size !== 'number') throw new TypeError(`The "${what}" argument must be of type number. Received ${typeof size}`);
  if (!Number.isInteger(size) || size < 0 || size > max) throw new RangeError(`The value of "${what}" is out of range. It must be >= 0 && <= ${max}. Received ${size}`);
  return size;
}

const later = process.nextTick.bind(process);

// ---- Web Crypto ------------------------------------------------------------------------------------

function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
  if (!types.isTypedArray(array) || types.isFloat32Array(array) || types.isFloat64Array(array)) {
    throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
  }
  if (array.byteLength > 65_536) {
    throw new DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, 'QuotaExceededError');
  }
  fill(bytesOf(array, 'data'));
  return array;
}

function randomUUID(): `${string}-${string}-${string}-${string}-${string}` {
  const b = new Uint8Array(16);
  fill(b);
  b[6] = (b[6]! & 0x0f) | 0x40; // version 4
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** SubtleCrypto operations whose output OpenSSL randomises: refused, since they cannot be seeded. */
const RANDOMISED: Record<string, ReadonlySet<string>> = {
  sign: new Set(['ECDSA', 'RSA-PSS']),
  encrypt: new Set(['RSA-OAEP']),
  wrapKey: new Set(['RSA-OAEP']),
};

function refused(what: string): Promise<never> {
  return Promise.reject(new DOMException(`${what} is not available while grading: its result is random, and a graded run must be reproducible`, 'NotSupportedError'));
}

function guardSubtle(proto: Record<string, unknown>): void {
  lock(proto, 'generateKey', function generateKey(): Promise<never> {
    return refused('crypto.subtle.generateKey');
  });
  for (const [method, algorithms] of Object.entries(RANDOMISED)) {
    const original = proto[method] as (...args: unknown[]) => Promise<unknown>;
    const argument = method === 'wrapKey' ? 3 : 0; // wrapKey(format, key, wrappingKey, wrapAlgorithm)
    lock(proto, method, function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const alg = args[argument];
      const name = typeof alg === 'string' ? alg : (alg as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && algorithms.has(name.toUpperCase())) return refused(`crypto.subtle.${method} with ${name}`);
      return Reflect.apply(original, this, args);
    });
  }
}

// ---- node:crypto -----------------------------------------------------------------------------------

type Callback<T> = (err: Error | null, value: T) => void;

function randomBytes(size: number): Buffer;
function randomBytes(size: number, callback: Callback<Buffer>): void;
function randomBytes(size: number, callback?: Callback<Buffer>): Buffer | undefined {
  const buf = Buffer.alloc(checkSize(size, 2 ** 31 - 1, 'size'));
  fill(buf);
  if (callback === undefined) return buf;
  later(callback, null, buf);
  return undefined;
}

/** offset and size count elements of a typed array (as node:crypto's do), bytes otherwise. */
function randomFillSync<T>(buf: T, offset = 0, size?: number): T {
  const bytes = bytesOf(buf, 'buf');
  const unit = (buf as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  const start = checkSize(offset, bytes.length / unit, 'offset') * unit;
  const length = size === undefined ? bytes.length - start : checkSize(size, (bytes.length - start) / unit, 'size') * unit;
  fill(bytes.subarray(start, start + length));
  return buf;
}

function randomFill(buf: unknown, ...rest: unknown[]): void {
  const callback = rest.pop() as Callback<unknown>;
  if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function.');
  const [offset, size] = rest as [number | undefined, number | undefined];
  later(callback, null, randomFillSync(buf, offset ?? 0, size));
}

/** An integer in [min, max), uniformly (rejection sampling on 48 bits, node:crypto's range limit). */
function randomInt(...args: unknown[]): number | undefined {
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback<number>) : undefined;
  const [min, max] = args.length >= 2 ? [args[0], args[1]] : [0, args[0]];
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) throw new TypeError('The "min" and "max" arguments must be safe integers.');
  const range = (max as number) - (min as number);
  if (!(range > 0 && range <= 2 ** 48 - 1)) throw new RangeError(`The value of "max" is out of range. It must be greater than "min" and max - min <= 2**48 - 1. Received ${String(max)}`);
  const limit = 2 ** 48 - (2 ** 48 % range);
  let r: number;
  do r = (next32() & 0xffff) * 2 ** 32 + next32();
  while (r >= limit);
  const value = (min as number) + (r % range);
  if (callback === undefined) return value;
  later(callback, null, value);
  return undefined;
}

// ---- installing --------------------------------------------------------------------------------------

/** Replaces `key` on `target` by `value`, locked; a property that is already locked is left as it is. */
function lock(target: object, key: string, value: unknown): void {
  const d = Object.getOwnPropertyDescriptor(target, key);
  // node:crypto's getRandomValues and webcrypto are locked accessors that read the Web Crypto object,
  // which is patched itself.
  if (d?.configurable === false) return;
  Object.defineProperty(target, key, { value, writable: false, enumerable: d?.enumerable ?? true, configurable: false });
}

let installed = false;

function install(): void {
  const web = globalThis.crypto as unknown as Record<string, unknown>;
  const webProto = Object.getPrototypeOf(web) as Record<string, unknown>;
  // The prototype too: Crypto.prototype.getRandomValues.call(crypto, a) reaches the original otherwise.
  for (const target of [webProto, web]) {
    lock(target, 'getRandomValues', getRandomValues);
    lock(target, 'randomUUID', randomUUID);
  }
  guardSubtle(Object.getPrototypeOf(globalThis.crypto.subtle) as Record<string, unknown>);
  // A blob URL carries a random UUID drawn inside Node (blob:nodedata:…): another source no seed reaches.
  lock(URL, 'createObjectURL', function createObjectURL(): never {
    throw new DOMException('URL.createObjectURL is not available while grading: its URLs are random, and a graded run must be reproducible', 'NotSupportedError');
  });
  const mod = nodeCrypto as unknown as Record<string, unknown>;
  const replacements: Record<string, unknown> = {
    randomBytes, randomFillSync, randomFill, randomInt, randomUUID, getRandomValues,
    // Deprecated aliases of randomBytes that still exist.
    pseudoRandomBytes: randomBytes, prng: randomBytes, rng: randomBytes,
  };
  for (const [key, value] of Object.entries(replacements)) if (key in mod) lock(mod, key, value);
  syncBuiltinESMExports();
}

/** Seeds (or re-seeds) every randomness source of this process from `seed`. */
export function seedRandomness(seed: number): void {
  next32 = counter32(Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x27d4eb2f) ^ 0x165667b1);
  Math.random = seededRandom(seed);
  if (!installed) install();
  installed = true;
}
