/**
 * Exercise 11, part 5: the figures' content (exact checks on small models that need no training), and
 * the saved files: three PNG images and an HTML page whose embedded figure is read back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { readPlotlyPage } from '#kit/plotly';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { corrupt, type Denoised } from './denoise.ts';
import { comparisonPanel, denoisingPanel, latentFigure, latentSeries, saveFigures, TAB10 } from './figures.ts';

let test: Examples;

beforeAll(async () => {
  await ready();
  test = selectExamples(toExamples(loadMnist('test')), Int32Array.from({ length: 40 }, (_, i) => i));
});

/** A "model" whose output is 1 − x, so every reconstruction is recognisable. */
const inverse = (): tf.LayersModel =>
  tf.sequential({ layers: [tf.layers.dense({ units: 784, inputShape: [784], kernelInitializer: tf.initializers.identity({ gain: -1 }), biasInitializer: 'ones' })] });
/** A "model" whose output is x / 2. */
const half = (): tf.LayersModel =>
  tf.sequential({ layers: [tf.layers.dense({ units: 784, inputShape: [784], kernelInitializer: tf.initializers.identity({ gain: 0.5 }), biasInitializer: 'zeros' })] });

const row = (ex: Examples, i: number): number[] => Array.from(ex.x.subarray(i * 784, (i + 1) * 784));
const close = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => Array.from(a).every((v, i) => Math.abs(v - b[i]!) < 1e-5);

describe('figures: comparisonPanel', () => {
  it('puts the originals in the first row and each model\'s reconstructions of the same digits in a row below, labelled', () => {
    const indices = [3, 0, 17];
    const p = comparisonPanel(test, [{ name: 'AE', model: inverse() }, { name: 'CAE', model: half() }], indices);
    expect(p.columns).toBe(3);
    expect(p.rowLabels).toEqual(['original', 'AE', 'CAE']);
    expect(p.range).toEqual([0, 1]);
    expect(p.title, 'the panel\'s title').not.toBe('');
    expect(p.images).toHaveLength(9);
    indices.forEach((i, k) => {
      const [o, ae, cae] = [p.images[k]!, p.images[3 + k]!, p.images[6 + k]!];
      for (const cell of [o, ae, cae]) expect([cell.rows, cell.cols]).toEqual([28, 28]);
      expect(close(o.pixels, row(test, i)), `original #${String(i)}`).toBe(true);
      expect(close(ae.pixels, row(test, i).map((v) => 1 - v)), `AE #${String(i)}`).toBe(true);
      expect(close(cae.pixels, row(test, i).map((v) => v / 2)), `CAE #${String(i)}`).toBe(true);
      expect([o.label, ae.label, cae.label]).toEqual([`original #${String(i)}`, `AE #${String(i)}`, `CAE #${String(i)}`]);
    });
  });

  it('rejects indices outside the test images with an ArgumentError', () => {
    comparisonPanel(test, [{ name: 'AE', model: half() }], [0]);
    expect(() => comparisonPanel(test, [{ name: 'AE', model: half() }], [40])).toThrow(ArgumentError);
  });
});

describe('figures: denoisingPanel', () => {
  it('shows noisy over denoised over clean for the chosen digits', () => {
    const noisy = corrupt(test.x, 0.3, new Rng(1));
    const result: Denoised = { noisy, denoised: noisy.map((v) => v / 2), noisyMse: 0, denoisedMse: 0 };
    const p = denoisingPanel(test, result, [5, 2]);
    expect(p.rowLabels).toEqual(['noisy', 'denoised', 'clean']);
    expect(p.range, 'the drawing range: noisy pixels outside [0, 1] are clipped by the drawing').toEqual([0, 1]);
    expect(p.title, 'the panel\'s title').not.toBe('');
    expect(p.columns).toBe(2);
    expect(p.images).toHaveLength(6);
    [5, 2].forEach((i, k) => {
      expect(close(p.images[k]!.pixels, noisy.subarray(i * 784, (i + 1) * 784))).toBe(true);
      expect(close(p.images[2 + k]!.pixels, result.denoised.subarray(i * 784, (i + 1) * 784))).toBe(true);
      expect(close(p.images[4 + k]!.pixels, row(test, i))).toBe(true);
      expect(p.images[4 + k]!.label).toBe(`clean #${String(i)}`);
    });
  });
});

describe('figures: latentSeries and latentFigure', () => {
  const codes = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const labels = Uint8Array.from([7, 0, 7, 3, 0]);

  it('groups the 2-D codes by digit, in digit order, named "digit d"', () => {
    const s = latentSeries(codes, labels);
    expect(s.map((x) => x.name)).toEqual(['digit 0', 'digit 3', 'digit 7']);
    expect(Array.from(s[0]!.x)).toEqual([2, 8]);
    expect(Array.from(s[0]!.y)).toEqual([3, 9]);
    expect(Array.from(s[2]!.x)).toEqual([0, 4]);
    expect(Array.from(s[2]!.y)).toEqual([1, 5]);
    expect(() => latentSeries(codes, Uint8Array.from([1, 2]))).toThrow(ArgumentError);
  });

  it('makes one hoverable plotly trace per digit whose hover text is the label', () => {
    const f = latentFigure(codes, labels);
    expect(f.data.map((t) => t.name)).toEqual(['digit 0', 'digit 3', 'digit 7']);
    for (const t of f.data) {
      expect(t.type).toBe('scatter');
      expect(t.mode).toBe('markers');
      const n = (t.x as number[]).length;
      expect(t.text).toEqual(new Array(n).fill(t.name));
    }
    expect((f.data[1]!.x as number[])).toEqual([6]);
  });

  it('colours digit d\'s trace TAB10[d] (whichever digits occur), shows only the label on hover, and titles the axes \'code 1\' and \'code 2\'', () => {
    const f = latentFigure(codes, labels);
    expect(f.data.map((t) => (t.marker as { color?: unknown } | undefined)?.color), 'the traces\' colours: digit 0, 3 and 7 get TAB10[0], TAB10[3], TAB10[7], not the first three colours').toEqual([TAB10[0], TAB10[3], TAB10[7]]);
    for (const t of f.data) expect(t.hoverinfo, `${String(t.name)}: hoverinfo (the hover shows the text, the label, only)`).toBe('text');
    const axis = (a: unknown): unknown => (a as { title?: { text?: unknown } } | undefined)?.title?.text;
    expect([axis(f.layout?.['xaxis']), axis(f.layout?.['yaxis'])], 'layout.xaxis.title.text and layout.yaxis.title.text').toEqual(['code 1', 'code 2']);
  });
});

describe('figures: saveFigures', () => {
  it('writes the reconstructions, the denoising panel, the latent scatter (PNG) and the interactive page', async () => {
    const noisy = corrupt(test.x, 0.3, new Rng(2));
    const codes = Float32Array.from({ length: 2 * test.count }, (_, i) => Math.sin(i));
    const figures = {
      comparison: comparisonPanel(test, [{ name: 'half', model: half() }], [0, 1, 2, 3]),
      denoising: denoisingPanel(test, { noisy, denoised: noisy, noisyMse: 0, denoisedMse: 0 }, [0, 1, 2, 3]),
      codes,
      labels: test.labels!,
    };
    // Into a folder of its own: these stand-in figures must not replace those of `npm run conv-autoencoders`.
    const dir = mkdtempSync(path.join(tmpdir(), 'dlkit-11-figures-'));
    const before = process.env.KIT_OUT_DIR;
    process.env.KIT_OUT_DIR = dir;
    try {
      const files = await saveFigures(figures);
      expect(files).toHaveLength(4);
      for (const file of files) expect(file.startsWith(dir)).toBe(true);
      for (const file of files.slice(0, 3)) expect(Array.from(readFileSync(file).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
      const page = readPlotlyPage(readFileSync(files[3]!, 'utf8'));
      const points = page.figure.data.reduce((n, t) => n + (t.x as number[]).length, 0);
      expect(points).toBe(test.count);
    } finally {
      if (before === undefined) delete process.env.KIT_OUT_DIR;
      else process.env.KIT_OUT_DIR = before;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
