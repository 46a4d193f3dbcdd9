/**
 * seedRandomness (grading/runner/seed-randomness.ts): after it, every randomness source a submission can
 * reach is a function of the seed — in this process and in a fresh one, through the module object, an ESM
 * named import, CommonJS require and the Web Crypto prototype — and what cannot be seeded is refused.
 */
import { execFileSync } from 'node:child_process';
import nodeCrypto, { randomBytes as namedRandomBytes, randomInt as namedRandomInt, randomUUID as namedRandomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { seedRandomness } from '../runner/seed-randomness.ts';

const MODULE = fileURLToPath(new URL('../runner/seed-randomness.ts', import.meta.url));
const hex = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

/** One draw from every source. */
async function draw(): Promise<Record<string, unknown>> {
  const web = globalThis.crypto;
  const proto = Object.getPrototypeOf(web) as typeof web;
  return {
    math: [Math.random(), Math.random()],
    webValues: hex(web.getRandomValues(new Uint8Array(9))),
    webValues32: hex(web.getRandomValues(new Int32Array(3))),
    webUUID: web.randomUUID(),
    viaPrototype: hex(proto.getRandomValues.call(web, new Uint16Array(4))),
    randomBytes: nodeCrypto.randomBytes(10).toString('hex'),
    named: namedRandomBytes(10).toString('hex'),
    namedInt: namedRandomInt(-50, 50),
    namedUUID: namedRandomUUID(),
    fillSync: hex(nodeCrypto.randomFillSync(new Uint32Array(4), 1, 2)),
    fill: await new Promise((resolve) => { nodeCrypto.randomFill(Buffer.alloc(6), (_err, b) => { resolve(b.toString('hex')); }); }),
    bytesAsync: await new Promise((resolve) => { nodeCrypto.randomBytes(6, (_err, b) => { resolve(b.toString('hex')); }); }),
    int: nodeCrypto.randomInt(1_000_000),
    intAsync: await new Promise((resolve) => { nodeCrypto.randomInt(3, 9, (_err, n) => { resolve(n); }); }),
    moduleValues: hex(nodeCrypto.getRandomValues(new Uint8Array(5))),
    webcrypto: hex(nodeCrypto.webcrypto.getRandomValues(new Uint8Array(5))),
    uuid: nodeCrypto.randomUUID(),
  };
}

describe('seedRandomness', () => {
  it('the same seed gives the same numbers from every source, another seed others', async () => {
    seedRandomness(1);
    const a = await draw();
    seedRandomness(1);
    const b = await draw();
    seedRandomness(2);
    const c = await draw();
    expect(b).toEqual(a);
    // (Small integer ranges may coincide by chance; every other source differs.)
    for (const key of Object.keys(a).filter((k) => k !== 'namedInt' && k !== 'intAsync')) expect(c[key], key).not.toEqual(a[key]);
    // Re-seeding restarts the streams.
    seedRandomness(1);
    expect(Math.random()).toBe((a['math'] as number[])[0]);
  });

  it('keeps the Web Crypto and node:crypto contracts: ranges, UUID v4, fills in place, refuses what the real ones refuse', () => {
    seedRandomness(3);
    for (let i = 0; i < 200; i++) {
      const n = nodeCrypto.randomInt(5, 8);
      expect(n >= 5 && n < 8 && Number.isInteger(n)).toBe(true);
    }
    expect(globalThis.crypto.randomUUID()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const buf = new Uint8Array(8);
    nodeCrypto.randomFillSync(buf, 2, 3);
    expect([buf[0], buf[1], buf[5], buf[6], buf[7]]).toEqual([0, 0, 0, 0, 0]);
    expect(() => globalThis.crypto.getRandomValues(new Float64Array(2) as unknown as Uint8Array)).toThrow(/integer-type TypedArray/);
    expect(() => globalThis.crypto.getRandomValues(new Uint8Array(65_537))).toThrow(/exceeds/);
    expect(() => nodeCrypto.randomBytes(-1)).toThrow(RangeError);
    expect(() => nodeCrypto.randomInt(5, 5)).toThrow(RangeError);
  });

  it('locks the replacements (Math.random excepted: the kit\'s helpers swap it), so a submission cannot put the originals back', () => {
    seedRandomness(4);
    for (const [target, key] of [
      [nodeCrypto, 'randomBytes'], [nodeCrypto, 'randomFillSync'], [nodeCrypto, 'randomFill'], [nodeCrypto, 'randomInt'], [nodeCrypto, 'randomUUID'],
      [globalThis.crypto, 'getRandomValues'], [globalThis.crypto, 'randomUUID'], [Object.getPrototypeOf(globalThis.crypto), 'getRandomValues'],
    ] as Array<[object, string]>) {
      const d = Object.getOwnPropertyDescriptor(target, key);
      expect(d, key).toMatchObject({ writable: false, configurable: false });
      expect(() => { (target as Record<string, unknown>)[key] = () => 0; }, key).toThrow(TypeError);
    }
    expect(Object.getOwnPropertyDescriptor(Math, 'random')).toMatchObject({ writable: true });
    const saved = Math.random;
    Math.random = () => 0.5;
    expect(Math.random()).toBe(0.5);
    Math.random = saved;
  });

  it('refuses what cannot be seeded: generated keys, ECDSA signatures, RSA-OAEP, blob URLs', async () => {
    seedRandomness(5);
    const subtle = globalThis.crypto.subtle;
    await expect(subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])).rejects.toThrow(/not available while grading/);
    const key = await subtle.importKey('raw', new Uint8Array(32), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    // Deterministic operations still work.
    expect((await subtle.sign('HMAC', key, new Uint8Array(4))).byteLength).toBe(32);
    await expect(subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(4))).rejects.toThrow(/ECDSA is not available while grading/);
    await expect(subtle.encrypt({ name: 'RSA-OAEP' }, key, new Uint8Array(4))).rejects.toThrow(/not available while grading/);
    expect(() => URL.createObjectURL(new Blob(['x']))).toThrow(/not available while grading/);
  });
});

describe('seedRandomness in fresh processes (what grading twice does)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-seed-test-'));
  afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); });
  // A real ES module: its named imports are bound before seedRandomness runs, and must still see the seeded functions.
  const script = path.join(dir, 'draw.mjs');
  fs.writeFileSync(script, `
import { createRequire } from 'node:module';
import { randomBytes, randomInt, randomUUID, getRandomValues, webcrypto } from 'node:crypto';
const { seedRandomness } = await import(${JSON.stringify(MODULE)});
seedRandomness(Number(process.argv[2]));
const required = createRequire(import.meta.url)('crypto');
const hex = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
console.log(JSON.stringify([
  Math.random(), randomBytes(8).toString('hex'), randomInt(1e9), randomUUID(), hex(getRandomValues(new Uint8Array(6))),
  hex(webcrypto.getRandomValues(new Uint8Array(6))), required.randomBytes(8).toString('hex'), required.randomUUID(),
  hex(globalThis.crypto.getRandomValues(new Uint8Array(6))), globalThis.crypto.randomUUID(),
]));
`);
  const run = (seed: number): string[] =>
    JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script, String(seed)], { encoding: 'utf8', timeout: 60_000 })) as string[];

  it('two processes with the same seed draw the same values, through ESM named imports and require alike; another seed differs', () => {
    const a = run(11);
    expect(run(11)).toEqual(a);
    const b = run(12);
    a.forEach((v, i) => { expect(b[i], `source ${i}`).not.toEqual(v); });
  }, 120_000);
});
