import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { EXERCISES_DIR, homeOf, retarget, SOLUTIONS_DIR, targetDir } from '#kit/target';

describe('targetDir', () => {
  it('defaults to exercises/ and knows "solutions"', () => {
    expect(targetDir({})).toBe(EXERCISES_DIR);
    expect(targetDir({ KIT_TARGET: 'exercises' })).toBe(EXERCISES_DIR);
    expect(targetDir({ KIT_TARGET: 'solutions' })).toBe(SOLUTIONS_DIR);
  });

  it('takes a submission folder, or the exercises/ inside a whole clone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-target-'));
    expect(targetDir({ KIT_TARGET: dir })).toBe(dir);
    fs.mkdirSync(path.join(dir, 'exercises'));
    expect(targetDir({ KIT_TARGET: dir })).toBe(path.join(dir, 'exercises'));
    fs.rmSync(dir, { recursive: true });
  });

  it('explains a KIT_TARGET that is not a folder', () => {
    expect(() => targetDir({ KIT_TARGET: '/no/such/dir' })).toThrow(KitError);
    expect(() => targetDir({ KIT_TARGET: '/no/such/dir' })).toThrow(/KIT_TARGET is set to "\/no\/such\/dir".*leave it unset/);
  });
});

describe('retarget', () => {
  const stub = path.join(EXERCISES_DIR, '01-he-init', 'he-init.ts');

  it('moves exercise implementation files onto the target', () => {
    expect(retarget(stub, SOLUTIONS_DIR)).toBe(path.join(SOLUTIONS_DIR, '01-he-init', 'he-init.ts'));
    expect(retarget(stub, '/sub')).toBe('/sub/01-he-init/he-init.ts');
    expect(retarget(stub, EXERCISES_DIR)).toBe(stub);
  });

  it('never moves tests or files outside exercises/', () => {
    const test = path.join(EXERCISES_DIR, '01-he-init', 'he-init.test.ts');
    expect(retarget(test, SOLUTIONS_DIR)).toBe(test);
    const kit = path.join(EXERCISES_DIR, '..', 'kit', 'rng', 'index.ts');
    expect(retarget(path.resolve(kit), SOLUTIONS_DIR)).toBe(path.resolve(kit));
  });

  it('resolves a submission\'s bare imports from where the file would sit in exercises/', () => {
    expect(homeOf('/sub/01-he-init/he-init.ts', '/sub')).toBe(stub);
    expect(homeOf('/elsewhere/x.ts', '/sub')).toBe('/elsewhere/x.ts');
  });
});
