import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTar } from './tar.ts';
import { tempDir } from './testing.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  tmp.cleanup();
});

const bytesOf = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);

/** Builds a tree like CIFAR-10's archive and tars it with the system tar in `format`. */
function systemTar(format: string): { tar: Uint8Array; files: Record<string, Uint8Array> } {
  const root = path.join(tmp.dir, 'src');
  // 186 bytes: too long for the 100-byte name field, so ustar must use its prefix field, GNU tar its
  // 'L' entries and pax its path records. Each component stays under 100 bytes so ustar can split it.
  const longDir = 'd'.repeat(60) + '/' + 'e'.repeat(60);
  const longFile = 'f'.repeat(60);
  const files: Record<string, Uint8Array> = {
    'cifar-10-batches-bin/data_batch_1.bin': bytesOf(3073 * 2, 1),
    'cifar-10-batches-bin/batches.meta.txt': new TextEncoder().encode('airplane\nautomobile\n'),
    'cifar-10-batches-bin/empty.bin': new Uint8Array(0),
    'cifar-10-batches-bin/exactly-one-block.bin': bytesOf(512, 2),
    [`${longDir}/${longFile}.bin`]: bytesOf(1000, 3),
  };
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), data);
  }
  const out = path.join(tmp.dir, `out-${format}.tar`);
  execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', root, '.']);
  return { tar: new Uint8Array(readFileSync(out)), files };
}

describe('readTar', () => {
  for (const format of ['gnu', 'ustar', 'pax', 'oldgnu']) {
    it(`extracts every regular file from a ${format} archive made by the system tar`, () => {
      const made = systemTar(format);
      const entries = readTar(made.tar, 'fixture.tar');
      const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e.data]));
      expect([...byName.keys()].sort()).toEqual(Object.keys(made.files).sort());
      for (const [name, data] of Object.entries(made.files)) expect(byName.get(name)).toEqual(data);
    });
  }

  it('reports an archive cut short as an interrupted download', () => {
    const { tar } = systemTar('gnu');
    expect(() => readTar(tar.subarray(0, 1536), 'cut.tar')).toThrow(/cut\.tar: .*(ends early|needs \d+ bytes).*interrupted/);
    expect(() => readTar(tar.subarray(0, 700), 'cut.tar')).toThrow(/interrupted/);
  });

  it('reports a damaged header through its checksum', () => {
    const { tar } = systemTar('gnu');
    const bad = new Uint8Array(tar);
    bad[10] = (bad[10] ?? 0) ^ 0x20;
    expect(() => readTar(bad, 'bad.tar')).toThrow(/bad\.tar: tar header checksum .* the archive is damaged/);
  });
});
