import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import type { StubFile } from '../lib/exercises.ts';
import { kitFilesOf, loadSubmission, MAX_STUB_BYTES } from '../lib/submission.ts';
import { ZipReader } from '../lib/zip.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-zip-test-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

function zipFile(name: string, members: Record<string, string | Uint8Array>, level: 6 | 9 = 6): string {
  const file = path.join(tmp, name);
  const data = Object.fromEntries(Object.entries(members).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v]));
  fs.writeFileSync(file, zipSync(data, { level }));
  return file;
}

/** Replaces the uncompressed size of `member` in both headers (a lying zip). */
function lie(file: string, member: string, size: number): void {
  const data = fs.readFileSync(file);
  const name = Buffer.from(member);
  for (let i = 0; i + 46 < data.length; i++) {
    if (data.readUInt32LE(i) === 0x02014b50 && data.subarray(i + 46, i + 46 + name.length).equals(name)) data.writeUInt32LE(size, i + 24);
    if (data.readUInt32LE(i) === 0x04034b50 && data.subarray(i + 30, i + 30 + name.length).equals(name)) data.writeUInt32LE(size, i + 22);
  }
  fs.writeFileSync(file, data);
}

describe('ZipReader', () => {
  it('lists members from the central directory and reads stored and deflated ones', () => {
    const f = zipFile('plain.zip', { 'a/b.ts': 'export const b = 1;\n', 'c.txt': 'x'.repeat(5000) });
    const z = ZipReader.open(f);
    expect(z.members.map((m) => [m.name, m.size, m.unsafe])).toEqual([['a/b.ts', 20, false], ['c.txt', 5000, false]]);
    expect(z.read(z.members[0]!, 1000).toString()).toBe('export const b = 1;\n');
    expect(z.read(z.members[1]!, 10_000).toString()).toBe('x'.repeat(5000));
    z.close();
  });

  it('marks absolute, drive-lettered and ../ names as unsafe (they are never used as paths)', () => {
    const f = zipFile('unsafe.zip', { '../../evil.ts': '1', '/etc/x.ts': '2', 'C:/x.ts': '3', 'ok/../../x.ts': '4', 'fine/x.ts': '5' });
    const z = ZipReader.open(f);
    expect(z.members.map((m) => m.unsafe)).toEqual([true, true, true, true, false]);
    z.close();
  });

  it('refuses a member whose header admits it is too big, without inflating it', () => {
    const f = zipFile('big.zip', { 'x.ts': new Uint8Array(4 * 1024 * 1024) });
    const z = ZipReader.open(f);
    expect(() => z.read(z.members[0]!, 1024 * 1024)).toThrow(/4194304 bytes, more than the 1048576 allowed/);
    z.close();
  });

  it('stops inflating a member that lies about its size at the cap (a zip bomb)', () => {
    const f = zipFile('bomb.zip', { 'x.ts': new Uint8Array(16 * 1024 * 1024) }, 9);
    lie(f, 'x.ts', 100);
    const z = ZipReader.open(f);
    expect(z.members[0]!.size).toBe(100);
    expect(z.members[0]!.compressedSize).toBeLessThan(100_000);
    expect(() => z.read(z.members[0]!, 1024 * 1024)).toThrow(/inflates to more than 1048576 bytes/);
    z.close();
  });

  it('explains a file that is not a zip, and a damaged one', () => {
    const notZip = path.join(tmp, 'not.zip');
    fs.writeFileSync(notZip, 'just text, no zip here');
    expect(() => ZipReader.open(notZip)).toThrow(KitError);
    expect(() => ZipReader.open(notZip)).toThrow(/no end-of-central-directory record.*Re-create it/);
    const f = zipFile('cut.zip', { 'a.ts': 'x'.repeat(1000) });
    const data = fs.readFileSync(f);
    const cut = Buffer.concat([data.subarray(0, 40), data.subarray(data.length - 22)]);
    const damaged = path.join(tmp, 'damaged.zip');
    fs.writeFileSync(damaged, cut);
    expect(() => ZipReader.open(damaged)).toThrow(KitError);
  });
});

describe('loadSubmission', () => {
  const stubs: StubFile[] = [
    { path: 'exercises/01-a/one.ts', text: 'stub one' },
    { path: 'exercises/01-a/two.ts', text: 'stub two' },
    { path: 'exercises/02-b/one.ts', text: 'stub b-one' },
  ];

  function folder(name: string, files: Record<string, string>): string {
    const dir = path.join(tmp, name);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    return dir;
  }

  it('takes the stub files from a clone of the kit and lists the rest as ignored (tests, solutions, other files)', () => {
    const dir = folder('clone', {
      'exercises/01-a/one.ts': 'mine',
      'exercises/01-a/one.test.ts': 'my own tests',
      'solutions/01-a/one.ts': 'a copy elsewhere',
      'notes.txt': 'hello',
      'node_modules/x/index.js': '',
    });
    const s = loadSubmission(dir, stubs);
    expect([...s.files]).toEqual([['exercises/01-a/one.ts', { from: 'exercises/01-a/one.ts', text: 'mine' }]]);
    expect(s.ignored.map((i) => i.path).sort()).toEqual(['exercises/01-a/one.test.ts', 'node_modules/', 'notes.txt', 'solutions/01-a/one.ts']);
  });

  it('a whole clone (the documented way to hand in): the kit\'s own files are counted, not listed; only what the kit lacks is', () => {
    // The instructor's kit these submissions are judged against.
    const kit = folder('the-kit', {
      'README.md': '', 'package.json': '{}', 'kit/a/index.ts': '', 'exercises/01-a/one.test.ts': '', 'exercises/01-a/README.md': '',
    });
    const dir = folder('whole-clone', {
      'alice-kit/exercises/01-a/one.ts': 'mine',
      'alice-kit/exercises/01-a/two.ts': 'mine too',
      'alice-kit/exercises/01-a/one.test.ts': 'the tests',
      'alice-kit/exercises/01-a/README.md': 'the task',
      'alice-kit/exercises/01-a/helper.ts': 'a file of my own: not graded',
      'alice-kit/exercises/points.json': '{}',
      'alice-kit/README.md': '', 'alice-kit/package.json': '{}', 'alice-kit/kit/a/index.ts': '', 'alice-kit/kit/b/new.ts': '',
      'alice-kit/node_modules/x/index.js': '', 'alice-kit/out/figures/01/a.png': '',
      'alice-kit/notes.txt': 'mine',
      'exercises/02-b/one.ts': 'a second copy, outside the clone',
    });
    const s = loadSubmission(dir, stubs, { isKitFile: kitFilesOf(kit) });
    expect([...s.files.keys()].sort()).toEqual(['exercises/01-a/one.ts', 'exercises/01-a/two.ts', 'exercises/02-b/one.ts']);
    expect(s.ignored.map((i) => i.path).sort()).toEqual(['alice-kit/exercises/01-a/helper.ts', 'alice-kit/notes.txt']);
    expect(s.ignoredCount).toBe(2);
    // the tests, both READMEs, points.json, package.json, kit/ (a folder the kit has), node_modules/, out/
    expect(s.kitFiles).toBe(9);
    // Without the kit to compare with (the default), everything not graded is listed, as before.
    expect(loadSubmission(dir, stubs).ignoredCount).toBe(11);
  });

  it('accepts a folder laid out like exercises/, one wrapped in a folder, and loose files with unique names', () => {
    expect([...loadSubmission(folder('flat', { '01-a/two.ts': 'flat two' }), stubs).files.keys()]).toEqual(['exercises/01-a/two.ts']);
    expect([...loadSubmission(folder('wrapped', { 'kit-main/exercises/02-b/one.ts': 'w' }), stubs).files.keys()]).toEqual(['exercises/02-b/one.ts']);
    // "one.ts" exists in two exercises: a loose one.ts is ambiguous and ignored; two.ts is unique.
    const loose = loadSubmission(folder('loose', { 'one.ts': '?', 'two.ts': 'loose two' }), stubs);
    expect([...loose.files.keys()]).toEqual(['exercises/01-a/two.ts']);
    expect(loose.ignored.map((i) => i.path)).toEqual(['one.ts']);
  });

  it('never reads a 1 GB file (sparse) and refuses an oversized stub file, with the reason', () => {
    const dir = folder('huge', { 'exercises/01-a/two.ts': 'ok' });
    for (const f of ['big.bin', 'exercises/01-a/one.ts']) {
      const fd = fs.openSync(path.join(dir, f), 'w');
      fs.ftruncateSync(fd, 1024 ** 3);
      fs.closeSync(fd);
    }
    const t0 = Date.now();
    const s = loadSubmission(dir, stubs);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect([...s.files.keys()]).toEqual(['exercises/01-a/two.ts']);
    expect(s.problems.join('\n')).toMatch(/exercises\/01-a\/one\.ts is 1\.0 GB, more than the 512\.0 kB a stub file may have/);
    expect(s.ignored.find((i) => i.path === 'big.bin')?.why).toBe('not a stub file (1.0 GB)');
    expect(MAX_STUB_BYTES).toBe(512 * 1024);
  });

  it('does not follow a symbolic link in place of a stub file', () => {
    const dir = folder('links', {});
    fs.mkdirSync(path.join(dir, 'exercises', '01-a'), { recursive: true });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'exercises', '01-a', 'one.ts'));
    const s = loadSubmission(dir, stubs);
    expect(s.files.size).toBe(0);
    expect(s.problems[0]).toMatch(/one\.ts is a symbolic link, not a file/);
  });

  it('reads a .zip the same way, and never uses an unsafe member name', () => {
    const z = zipFile('sub.zip', {
      '../../exercises/01-a/one.ts': 'evil',
      'kit/exercises/01-a/one.ts': 'good one',
      'README.md': 'hi',
    });
    const s = loadSubmission(z, stubs);
    expect(s.name).toBe('sub');
    expect(s.kind).toBe('zip');
    expect([...s.files]).toEqual([['exercises/01-a/one.ts', { from: 'kit/exercises/01-a/one.ts', text: 'good one' }]]);
    expect(s.ignored.find((i) => i.path === '../../exercises/01-a/one.ts')?.why).toMatch(/unsafe name/);
  });

  it('explains a submission that does not exist or is not a zip', () => {
    expect(() => loadSubmission(path.join(tmp, 'nope'), stubs)).toThrow(/does not exist/);
    const txt = path.join(tmp, 'homework.txt');
    fs.writeFileSync(txt, 'x');
    expect(() => loadSubmission(txt, stubs)).toThrow(/is a file but not a \.zip/);
  });
});
