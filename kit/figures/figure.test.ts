import { mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GlobalFonts } from '@napi-rs/canvas';
import { ArgumentError, KitError, REPO_ROOT } from '#kit/errors';
import { figurePath, lineChart } from './index.ts';
import { font, FONT_FAMILY, FONT_FILE } from './font.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const tiny = (): ReturnType<typeof lineChart> => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', y: [1, 2, 3] }] });
const scratch = (): string => mkdtempSync(path.join(os.tmpdir(), 'dlkit-figures-'));

describe('Figure.save', () => {
  it('creates missing folders, writes the PNG and returns its absolute path, leaving nothing else', async () => {
    const dir = scratch();
    const fig = tiny();
    const where = await fig.save(path.join(dir, 'a', 'b', 'loss.png'));
    expect(where).toBe(path.resolve(dir, 'a', 'b', 'loss.png'));
    const bytes = readFileSync(where);
    expect(bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(bytes).toEqual(fig.png());
    expect(readdirSync(path.join(dir, 'a', 'b'))).toEqual(['loss.png']);
  });

  it('replaces an existing file by renaming a complete temporary file over it', async () => {
    const dir = scratch();
    const file = path.join(dir, 'fig.png');
    writeFileSync(file, 'an older figure');
    const before = statSync(file).ino;
    await tiny().save(file);
    expect(readFileSync(file).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    // Writing in place would keep the inode; a rename brings the temporary file's.
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['fig.png']);
  });

  it('fails with a KitError and cleans up when the target cannot be replaced', async () => {
    const dir = scratch();
    mkdirSync(path.join(dir, 'taken.png', 'inside'), { recursive: true });
    await expect(tiny().save(path.join(dir, 'taken.png'))).rejects.toThrow(KitError);
    await expect(tiny().save(path.join(dir, 'taken.png'))).rejects.toThrow(/Could not save the figure to .*taken\.png/);
    expect(readdirSync(dir)).toEqual(['taken.png']);
  });

  it('refuses a file name that does not end in .png', async () => {
    await expect(tiny().save(path.join(scratch(), 'loss.jpg'))).rejects.toThrow(ArgumentError);
    await expect(tiny().save(path.join(scratch(), 'loss.jpg'))).rejects.toThrow(/does not end in \.png.*"[^"]*loss\.png"/);
  });
});

describe('figurePath', () => {
  const saved = process.env.KIT_OUT_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.KIT_OUT_DIR;
    else process.env.KIT_OUT_DIR = saved;
  });

  it('puts figures under <repo>/out/figures/<exercise>/<name>.png', () => {
    delete process.env.KIT_OUT_DIR;
    expect(figurePath('04-final-training', 'loss')).toBe(path.join(REPO_ROOT, 'out', 'figures', '04-final-training', 'loss.png'));
    expect(figurePath('05-autoencoder', 'grid.png')).toBe(path.join(REPO_ROOT, 'out', 'figures', '05-autoencoder', 'grid.png'));
  });

  it('uses KIT_OUT_DIR in place of <repo>/out', () => {
    process.env.KIT_OUT_DIR = '/tmp/elsewhere';
    expect(figurePath('08-loss-landscape', 'contour')).toBe(path.join('/tmp/elsewhere', 'figures', '08-loss-landscape', 'contour.png'));
    process.env.KIT_OUT_DIR = 'relative/out';
    expect(figurePath('08-loss-landscape', 'contour')).toBe(path.resolve('relative/out', 'figures', '08-loss-landscape', 'contour.png'));
  });

  it.each([['../escape'], ['a/b'], [''], ['.hidden'], ['x..y']])('rejects the name %j', (bad) => {
    expect(() => figurePath('04-final-training', bad)).toThrow(ArgumentError);
    expect(() => figurePath(bad, 'loss')).toThrow(/figurePath: exercise is .*single file name/);
  });
});

describe('font', () => {
  it('ships DejaVu Sans with its licence and draws with it', () => {
    tiny();
    expect(statSync(FONT_FILE).size).toBeGreaterThan(100_000);
    expect(readFileSync(path.join(path.dirname(FONT_FILE), 'LICENSE'), 'utf8')).toMatch(/Bitstream Vera Fonts Copyright/);
    expect(GlobalFonts.families.map((f) => f.family)).toContain(FONT_FAMILY);
    expect(font(12)).toBe(`12px "${FONT_FAMILY}"`);
  });
});
