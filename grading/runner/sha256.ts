/**
 * HMAC-SHA-256 written out in plain arithmetic, for the sentinel that runs inside the test worker
 * beside the student's code. Node's `crypto` would do the same job, but the student's code could
 * patch `Hmac.prototype` and see the key go by; this function holds every built-in it needs from
 * the moment the module loads (before any student code) and calls nothing that can be replaced later.
 */

// Captured at load time: later changes to these globals do not reach us.
const U8 = Uint8Array;
const U32 = Uint32Array;
const apply = Reflect.apply;
// eslint-disable-next-line @typescript-eslint/unbound-method -- captured on purpose; always called through Reflect.apply with a string
const charCodeAt = String.prototype.charCodeAt;

const K = new U32([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const HEX = '0123456789abcdef';

/** UTF-8 bytes of a string (surrogate pairs joined), without TextEncoder. */
export function utf8(s: string): Uint8Array {
  const out = new U8(s.length * 3 + 1);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = apply(charCodeAt, s, [i]);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = apply(charCodeAt, s, [i + 1]);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out[n++] = c;
    else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  const trimmed = new U8(n);
  for (let i = 0; i < n; i++) trimmed[i] = out[i]!;
  return trimmed;
}

export function sha256(data: Uint8Array): Uint8Array {
  const bitLength = data.length * 8;
  const padded = new U8(((data.length + 9 + 63) >> 6) << 6);
  for (let i = 0; i < data.length; i++) padded[i] = data[i]!;
  padded[data.length] = 0x80;
  // Messages here are far below 2^32 bits: the high word of the length stays 0.
  const end = padded.length;
  padded[end - 4] = (bitLength >>> 24) & 255;
  padded[end - 3] = (bitLength >>> 16) & 255;
  padded[end - 2] = (bitLength >>> 8) & 255;
  padded[end - 1] = bitLength & 255;
  const h = new U32([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new U32(64);
  for (let off = 0; off < end; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      w[t] = (padded[j]! << 24) | (padded[j + 1]! << 16) | (padded[j + 2]! << 8) | padded[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15]!;
      const b = w[t - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (k + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = h[0]! + a; h[1] = h[1]! + b; h[2] = h[2]! + c; h[3] = h[3]! + d;
    h[4] = h[4]! + e; h[5] = h[5]! + f; h[6] = h[6]! + g; h[7] = h[7]! + k;
  }
  const out = new U8(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i]! >>> 24;
    out[i * 4 + 1] = (h[i]! >>> 16) & 255;
    out[i * 4 + 2] = (h[i]! >>> 8) & 255;
    out[i * 4 + 3] = h[i]! & 255;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return s;
}

/** HMAC-SHA-256 (RFC 2104) of `message` under `key`, as lowercase hex. */
export function hmacSha256Hex(key: Uint8Array, message: string): string {
  let k = key;
  if (k.length > 64) k = sha256(k);
  const msg = utf8(message);
  const inner = new U8(64 + msg.length);
  const outer = new U8(64 + 32);
  for (let i = 0; i < 64; i++) {
    const b = i < k.length ? k[i]! : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  for (let i = 0; i < msg.length; i++) inner[64 + i] = msg[i]!;
  const ih = sha256(inner);
  for (let i = 0; i < 32; i++) outer[64 + i] = ih[i]!;
  return toHex(sha256(outer));
}

/** Hex string → bytes (the key arrives as hex). */
export function fromHex(hex: string): Uint8Array {
  const out = new U8(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = HEX.indexOf(hex[2 * i]!);
    const lo = HEX.indexOf(hex[2 * i + 1]!);
    out[i] = (hi << 4) | lo;
  }
  return out;
}
