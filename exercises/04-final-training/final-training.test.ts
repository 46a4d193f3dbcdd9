/**
 * Tests for exercise 04 (the final training run). The main test trains `finalConfig()` on all 60,000
 * Fashion-MNIST training images and evaluates it once on the 10,000 test images: ≥ 87 % is required.
 * The run is seeded (initialisation, batch order), so its verdict is the same every time on the same
 * backend; the reference configuration's margin over several seeds is measured by
 * `npm run bench -- --only time-to-87`.
 *
 * The table and the chart of the last 20 losses of that run are printed and saved
 * (out/figures/04-final-training/last-20-losses.png), like the screenshot the homework asks for.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { figurePath, lineChart } from '#kit/figures';
import { stderrOf } from '#kit/testing';
import { ready } from '#kit/tf';
import { accuracy, checkTestBudget, selectExamples, toExamples, type Examples } from '#kit/train';
import { trainConfig } from '../03-hyperparam-tuning/tuning.ts';
import {
  finalConfig,
  finalTraining,
  LAST_ITERATIONS,
  lossChartOptions,
  lossTable,
  type FinalRun,
} from './final-training.ts';

beforeAll(async () => {
  await ready();
});

const SEED = 541;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let data: { train: Examples; test: Examples } | undefined;
/** The whole training split (= the tuning's train + validation parts) and the test split, centred. */
function fashion(): { train: Examples; test: Examples } {
  data ??= {
    train: toExamples(loadFashionMnist('train'), { scale: 'centered' }),
    test: toExamples(loadFashionMnist('test'), { scale: 'centered' }),
  };
  return data;
}

let run: FinalRun | undefined;
/** The final run, once for the tests that look at it. */
function finalRun(): FinalRun {
  if (run === undefined) {
    const config = finalConfig();
    checkTestBudget(config, 60_000, 'finalConfig()');
    const { train, test } = fashion();
    run = finalTraining(config, train, test, { seed: SEED, progress: '04 final run' });
  }
  return run;
}

describe('finalConfig', () => {
  it('has 3, 4 or 5 hidden layers and fits the test budget', () => {
    const config = finalConfig();
    expect([3, 4, 5]).toContain(config.layers);
    expect(() => {
      checkTestBudget(config, 60_000, 'finalConfig()');
    }).not.toThrow();
  });
});

describe('final run', () => {
  it('reaches ≥ 87 % accuracy on the 10,000 test images after training on all 60,000 training images (and reports it honestly)', () => {
    const r = finalRun();
    const { test } = fashion();
    const measured = accuracy(r.model, test);
    console.log(`04 final run: test accuracy ${(100 * measured).toFixed(2)} % (finalConfig: ${JSON.stringify(finalConfig())})`);
    expect(r.testAccuracy, `the reported test accuracy, against ${String(measured)} measured here. Rule: report the accuracy of the final model on the 10,000 test images, measured once after training`).toBe(measured);
    expect(measured, `test accuracy of the final model: ${String(measured)}. Rule: finalConfig() trained on all 60,000 training images reaches ≥ 0.87 on the test set`).toBeGreaterThanOrEqual(0.87);
  });

  it(`records the training loss of the last ${String(LAST_ITERATIONS)} iterations (mini-batches), shows them as a table and saves their chart`, async () => {
    const r = finalRun();
    const config = finalConfig();
    const stepsPerEpoch = Math.ceil(60_000 / config.batchSize);
    expect(r.iterations).toBe(config.epochs * stepsPerEpoch);
    expect(r.lastLosses).toHaveLength(LAST_ITERATIONS);
    expect(r.firstIteration).toBe(r.iterations - LAST_ITERATIONS + 1);
    expect(r.epochLosses).toHaveLength(config.epochs);
    if (config.epochs > 1) expect(r.epochLosses.at(-1)!, `the last epoch's mean training loss, against the first's ${String(r.epochLosses[0])}. Rule: the training loss falls over the run`).toBeLessThan(r.epochLosses[0]!);
    // Mini-batch losses, not epoch means: they scatter around the last epoch's mean.
    const mean = r.lastLosses.reduce((a, b) => a + b, 0) / r.lastLosses.length;
    const around = `mean of the last ${String(LAST_ITERATIONS)} recorded losses: ${String(mean)}, the last epoch's mean ${String(r.epochLosses.at(-1))}. ` +
      'Rule: lastLosses are the training losses of the last mini-batches, so they average near the last epoch\'s mean (between 0.5× and 2×)';
    expect(mean, around).toBeGreaterThan(0.5 * r.epochLosses.at(-1)!);
    expect(mean, around).toBeLessThan(2 * r.epochLosses.at(-1)!);
    expect(new Set(r.lastLosses).size, `distinct values among the last ${String(LAST_ITERATIONS)} losses. Rule: one loss per mini-batch, which scatter; ` +
      'repeated values mean epoch means (or one value) recorded instead').toBeGreaterThan(LAST_ITERATIONS / 2);
    const table = lossTable(r.lastLosses, r.firstIteration);
    console.log(`04 final run: the last ${String(LAST_ITERATIONS)} training losses\n${table}`);
    const file = await lineChart(lossChartOptions(r.lastLosses, r.firstIteration)).save(
      figurePath('04-final-training', 'last-20-losses'),
    );
    console.log(`04 final run: chart saved to ${file}`);
    expect([...readFileSync(file).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });
});

describe('finalTraining on a small set', () => {
  it('keeps exactly the last lastN losses with their iteration numbers, reproducibly, and evaluates on the test set it is given', () => {
    const small = { ...fashion(), train: selectExamples(fashion().train, Array.from({ length: 300 }, (_, i) => i)) };
    const testPart = selectExamples(fashion().test, Array.from({ length: 500 }, (_, i) => i));
    const config = { layers: 3, units: 32, learningRate: 0.001, batchSize: 64, epochs: 2, l2: 0, optimizer: 'adam' as const };
    const all = finalTraining(config, small.train, testPart, { seed: 3, lastN: 20, progress: false });
    // 2 epochs × ⌈300/64⌉ = 10 iterations: fewer than 20, so all of them.
    expect(all.iterations, 'iterations: one per mini-batch, 2 epochs × ⌈300/64⌉ = 10').toBe(10);
    expect(all.lastLosses, 'lastLosses with lastN = 20 after 10 iterations: all 10 (not the epoch means)').toHaveLength(10);
    expect(all.firstIteration, 'firstIteration: iterations are numbered from 1').toBe(1);
    expect(all.testAccuracy, 'testAccuracy: the accuracy of the returned model on the test set given (not the training set)').toBe(accuracy(all.model, testPart));
    // The same seed through trainConfig: the losses are the mini-batch losses of those 10 steps, in order.
    const stepLosses: number[] = [];
    trainConfig(config, small.train, { seed: 3, onBatch: (loss) => stepLosses.push(loss) }).model.dispose();
    expect(all.lastLosses, 'lastLosses: the loss of each mini-batch step (what trainConfig reports through onBatch), in order').toEqual(stepLosses);
    const tail = finalTraining(config, small.train, testPart, { seed: 3, lastN: 4, progress: false });
    expect(tail.firstIteration, 'firstIteration with lastN = 4 of 10: iteration 7 (10 − 4 + 1)').toBe(7);
    expect(tail.lastLosses, 'lastLosses with lastN = 4: the LAST four steps\' losses (not the first four)').toEqual(all.lastLosses.slice(6));
    for (const r of [all, tail]) r.model.dispose();
    expect(() => finalTraining(config, small.train, testPart, { seed: 3, lastN: 0, progress: false })).toThrow(/lastN/);
    expect(() => finalTraining(config, small.train, { ...testPart, count: 0, x: new Float32Array(0) }, { seed: 3 })).toThrow(ArgumentError);
  });
});

describe('finalTraining on a small set: the progress display', () => {
  // 257 images in batches of 64: four full batches and one of a single image, so an epoch's loss (each
  // batch weighted by its size) differs clearly from the plain mean of its five batch losses.
  const config = { layers: 1, units: 8, learningRate: 0.01, batchSize: 64, epochs: 2, l2: 0, optimizer: 'adam' as const };
  const train = (): Examples => selectExamples(fashion().train, Array.from({ length: 257 }, (_, i) => i));
  const testPart = (): Examples => selectExamples(fashion().test, Array.from({ length: 50 }, (_, i) => i));

  it('shows a live line per step (batches of the epoch, the running loss) and a summary per epoch with the epoch\'s loss, under the title given', () => {
    let result: FinalRun | undefined;
    const out = stderrOf('tty', () => {
      result = finalTraining(config, train(), testPart(), { seed: 5, lastN: 3, progress: 'small progress run' });
    });
    const run = result!;
    run.model.dispose();
    expect(out, 'the display shows the title given as options.progress').toContain('small progress run');
    // The first live line is drawn after the first step: batch 1 of ⌈257/64⌉ = 5, with that step's loss.
    const first = out.split('\r').find((l) => l.includes('epoch 1/2'));
    expect(first, 'progress({ title, epochs: config.epochs, batchesPerEpoch: ⌈count / batchSize⌉ }): the live line reads "epoch 1/2" and "1/5"').toMatch(/epoch 1\/2.* 1\/5 /);
    expect(first, 'p.batch({ loss }) every step: the live line shows the running loss').toMatch(/loss \d/);
    const summaries = out.split(/[\r\n]/).filter((l) => /epoch \d\/2: /.test(l));
    expect(summaries, 'p.epoch({ loss }) once per epoch: one summary line per epoch').toHaveLength(2);
    summaries.forEach((line, k) => {
      expect(line, `epoch ${String(k + 1)}'s summary: p.epoch({ loss }) with the epoch's loss from trainConfig (each batch weighted by its size, not the plain mean of the batch losses)`).toContain(`loss ${run.epochLosses[k]!.toPrecision(4)}`);
    });
  });

  it('shows nothing with progress: false, and the title "04-final-training" when none is given', () => {
    const silent = stderrOf('lines', () => finalTraining(config, train(), testPart(), { seed: 5, progress: false }).model.dispose());
    expect(silent, 'progress: false means no display at all').toBe('');
    const plain = stderrOf('lines', () => finalTraining(config, train(), testPart(), { seed: 5 }).model.dispose());
    expect(plain, 'no progress option: the display is titled "04-final-training"').toMatch(/^04-final-training {2}epoch 1\/2: loss/m);
  });
});

describe('lossTable and lossChartOptions', () => {
  const losses = [0.31234, 0.29871, 0.30555];

  it('lossTable has a header and one row per iteration: its number and the loss to 4 decimals', () => {
    const table = lossTable(losses, 1001);
    const lines = table.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/iteration/i);
    expect(lines[0]).toMatch(/loss/i);
    losses.forEach((loss, i) => {
      expect(lines[i + 1]!.trim().split(/\s+/)).toEqual([String(1001 + i), loss.toFixed(4)]);
    });
    // Right-aligned columns: every line ends its two columns where the header's words end.
    const header = lines[0]!;
    const ends = (line: string): number[] => [...line.matchAll(/\S+/g)].map((m) => m.index + m[0].length);
    for (const line of lines.slice(1)) {
      expect(ends(line), `"${line}": the columns are right-aligned under "${header}" (pad each cell to the wider of its header and its longest value)`).toEqual(ends(header));
    }
    expect(() => lossTable(losses, 0)).toThrow(ArgumentError);
  });

  it('lossChartOptions draws the losses against their iteration numbers, with a title and axis labels', () => {
    const options = lossChartOptions(losses, 41);
    expect(options.series).toHaveLength(1);
    expect(options.series[0]!.name, 'the one series is named "training loss"').toBe('training loss');
    expect(Array.from(options.series[0]!.x ?? [])).toEqual([41, 42, 43]);
    expect(Array.from(options.series[0]!.y)).toEqual(losses);
    expect(options.title).toMatch(/3/);
    expect(options.xLabel).toMatch(/iteration/i);
    expect(options.yLabel).toMatch(/loss/i);
    const png = lineChart(options).png();
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  });
});
