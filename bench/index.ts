/**
 * `npm run bench [-- --quick] [-- --only <sections>]`: wasm matmul throughput with and without the
 * transposed-matmul fix, seconds per Fashion-MNIST epoch of a 784-256-128-10 MLP, peak memory, the
 * wasm convolution and max-pool gradients and a small CNN's training step with and without the kit's,
 * time-to-87 % with the exercises' reference configuration (fresh processes, default backend) and
 * where a training step's time goes, and the bonus network's margin over several seeds.
 * The benches of other exercises run as their own scripts, each in a fresh process (so one's memory
 * never inflates another's peak): autoencoders (05–07), landscape (08), figures (`#kit/figures`).
 * Sections: matmul, epoch, cnn, time-to-87, bonus, autoencoders, landscape, figures, cnn-vs-torch, webgpu (comma-separated
 * after --only; all but bonus and webgpu by default). Not part of the tests: timings depend on the machine and on
 * whatever else runs on it.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFashionMnist } from '#kit/data';
import { KitError, REPO_ROOT } from '#kit/errors';
import { announceBackend, selectBackend, tf } from '#kit/tf';
import { benchMatMul, mlpCases, squareishCases, type MatMulResult } from './matmul.ts';
import { BATCH_SIZE, timeEpoch, type EpochTiming } from './mlp-epoch.ts';
import { fixed, formatTable } from './table.ts';
import { bonusMargins } from './bonus.ts';
import { breakdownCases, stepBreakdown, timeTo87, type TimeTo87Run } from './time-to-87.ts';
import { benchConvKernels, CNN_BATCH, EPOCH_IMAGES, timeCnnSteps, type CnnStepTiming } from './cnn.ts';
import { FLOPS, forwardMultiplyAdds, STEP_SECONDS } from '#kit/train';
import { enhancedConfig, finalConfig } from '../solutions/04-final-training/final-training.ts';

const quick = process.argv.includes('--quick');
/** Sections that are scripts of their own, with the arguments that make them quick. */
const SCRIPTS = {
  autoencoders: { file: 'autoencoders.ts', quickArgs: ['--quick'] },
  landscape: { file: 'landscape.ts', quickArgs: [] },
  figures: { file: 'figures.ts', quickArgs: ['--quick'] },
  'cnn-vs-torch': { file: 'cnn-vs-torch.ts', quickArgs: [] },
  webgpu: { file: 'webgpu.ts', quickArgs: ['--quick'] },
} as const;
const SECTIONS = ['matmul', 'epoch', 'cnn', 'time-to-87', 'bonus', ...(Object.keys(SCRIPTS) as (keyof typeof SCRIPTS)[])] as const;
type Section = (typeof SECTIONS)[number];
function chosenSections(argv: readonly string[]): Set<Section> {
  const i = argv.indexOf('--only');
  // bonus takes long; webgpu needs a WebGPU adapter (on a machine without a GPU, a software one): asked for only.
  if (i < 0) return new Set<Section>(quick ? ['matmul', 'epoch', 'figures'] : SECTIONS.filter((s) => s !== 'bonus' && s !== 'webgpu'));
  const names = (argv[i + 1] ?? '').split(',').filter((n) => n !== '');
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new KitError(
      `npm run bench -- --only: unknown section(s) ${JSON.stringify(unknown.length > 0 ? unknown : names)}; ` +
        `choose from ${SECTIONS.join(', ')} (comma-separated), e.g. --only time-to-87.`,
    );
  }
  return new Set(names as Section[]);
}
const sections = chosenSections(process.argv);
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;

function matmulTable(title: string, results: readonly MatMulResult[]): string {
  return formatTable(
    title,
    ['product', 'mode', 'stock GFLOP/s', 'fixed GFLOP/s', 'speed-up'],
    results.map((r) => [r.label, r.mode, fixed(r.stock, 2), fixed(r.fixed, 2), `${fixed(r.fixed / r.stock, 1)}×`]),
  );
}

function epochRow(t: EpochTiming): string[] {
  const how = t.extrapolated
    ? `${t.timedBatches} batches after ${t.warmupBatches} warm-up, ×${t.totalBatches}/${t.timedBatches}`
    : `whole epoch (${t.totalBatches} batches)`;
  const acc = t.extrapolated
    ? `${fixed(100 * t.testAccuracy, 1)} % after ${t.warmupBatches + t.timedBatches} batches`
    : `${fixed(100 * t.testAccuracy, 1)} %`;
  return [t.fix ? 'wasm + fix' : 'wasm stock', fixed(t.secondsPerEpoch, 1), how, acc, String(t.tensorDelta)];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** (d) time-to-87 % in fresh processes, median of 3 seeds, and where a training step's time goes. */
async function timeTo87Section(): Promise<unknown> {
  const config = finalConfig();
  const runs: TimeTo87Run[] = [];
  for (const seed of [1, 2, 3]) runs.push(await timeTo87(seed, !quick));
  const rows = runs.map((r) => {
    const reached = r.epochs.find((e) => e.accuracy >= 0.87);
    const perEpoch = median(r.epochs.map((e) => e.trainSeconds));
    return [
      String(r.seed),
      fixed(r.secondsTo87 ?? NaN, 1),
      reached === undefined ? 'never' : String(reached.epoch),
      fixed(r.startupSeconds, 1),
      fixed(perEpoch, 2),
      fixed(median(r.epochs.map((e) => e.evalSeconds)), 2),
      r.epochs.map((e) => (100 * e.accuracy).toFixed(2)).join(' '),
    ];
  });
  const reachedAll = runs.every((r) => r.secondsTo87 !== undefined);
  rows.push([
    'median',
    reachedAll ? fixed(median(runs.map((r) => r.secondsTo87!)), 1) : '—',
    '',
    fixed(median(runs.map((r) => r.startupSeconds)), 1),
    fixed(median(runs.flatMap((r) => r.epochs.map((e) => e.trainSeconds))), 2),
    '',
    '',
  ]);
  console.log(
    formatTable(
      `(d) time to 87 % test accuracy from a fresh process, backend ${runs[0]?.backend ?? '?'}, reference finalConfig() ` +
        `(${JSON.stringify(config)})${quick ? '' : '; training continues to the configured epochs'}`,
      ['seed', 's to 87 %', 'epoch', 'startup s', 's / epoch', 'eval s', 'test accuracy after each epoch (%)'],
      rows,
    ),
  );
  console.log();
  const breakdown = [];
  for (const c of breakdownCases()) breakdown.push(stepBreakdown(c.label, c.config, quick ? 50 : 200));
  console.log(
    formatTable(
      '(d) one training step: wall time, exclusive kernel time by group, and the rest (overhead), ms per step',
      ['configuration', 'ms / step', 'kernels', 'matmul', 'transpose', 'other kernels', 'overhead', 'top kernels (ms)'],
      breakdown.map((b) => [
        b.label,
        fixed(b.msPerStep, 2),
        fixed(b.kernelsPerStep, 0),
        fixed(b.matmulMs, 2),
        fixed(b.transposeMs, 2),
        fixed(b.otherKernelMs, 2),
        fixed(b.overheadMs, 2),
        b.topKernels,
      ]),
    ),
  );
  // The budget formula of exercise 04 (estimateTrainingSeconds) in these terms: the tiny SGD network's
  // step is the fixed cost, the reference network's extra time per step is its arithmetic.
  const reference = breakdown[0]!;
  const tiny = breakdown[2]!;
  const flopsPerStep = 6 * forwardMultiplyAdds(config, 784) * config.batchSize;
  console.log(
    `    implied by these steps: fixed cost ≈ ${fixed(tiny.msPerStep, 2)} ms per step, arithmetic ≈ ` +
      `${fixed(flopsPerStep / ((reference.msPerStep - tiny.msPerStep) / 1000) / 1e9, 1)} GFLOP/s ` +
      `(exercise 04's budget formula assumes ${fixed(STEP_SECONDS * 1000, 1)} ms and ${fixed(FLOPS / 1e9, 0)} GFLOP/s)\n`,
  );
  return { runs, breakdown };
}

function cnnStepRow(t: CnnStepTiming): string[] {
  return [
    t.kernels === 'kit' ? 'wasm + kit kernels' : 'wasm stock (+ stand-in)',
    fixed(t.msPerStep, 1),
    fixed(t.stepsPerSecond, 2),
    fixed(t.secondsPerEpoch, 1),
    `${t.timedSteps} steps after ${t.warmupSteps} warm-up`,
    String(t.tensorDelta),
  ];
}

/** (f) the convolution and pooling gradients on wasm, and the training step of a small MNIST-style CNN. */
function cnnSection(): unknown {
  const kernels = benchConvKernels(quick ? 0.3 : 1.5);
  console.log(
    formatTable(
      `(f) wasm gradient kernels of the CNN below, batch ${CNN_BATCH}, ms per call (median); stock wasm has no ` +
        'Conv2DBackpropFilter: Conv3DBackpropFilterV2 on a depth-1 view stands in (right at stride 1 only)',
      ['kernel', 'layer', 'stock ms', 'kit ms', 'speed-up', 'max |Δ| / max', 'note'],
      kernels.map((k) => [
        k.kernel,
        k.layer,
        fixed(k.stockMs, 1),
        fixed(k.kitMs, 1),
        Number.isFinite(k.kitMs) ? `${fixed(k.stockMs / k.kitMs, 1)}×` : '',
        Number.isFinite(k.relativeDiff) ? k.relativeDiff.toExponential(1) : '',
        k.note,
      ]),
    ),
  );
  console.log();
  const kit = timeCnnSteps('kit', quick ? 3 : 5, quick ? 10 : 100);
  const stock = timeCnnSteps('stock', 1, quick ? 2 : 5);
  console.log(
    formatTable(
      `(f) one training step of 28×28×1 → conv 3×3 32 → max-pool 2 → conv 3×3 64 → max-pool 2 → dense 128 → 10 ` +
        `(ReLU, same padding, Adam 1e-3, batch ${CNN_BATCH}, random images), s / epoch = ${EPOCH_IMAGES / CNN_BATCH} steps`,
      ['kernels', 'ms / step', 'steps / s', `s / ${EPOCH_IMAGES.toLocaleString('en')}-image epoch`, 'how measured', 'leaked tensors'],
      [cnnStepRow(kit), cnnStepRow(stock)],
    ),
  );
  console.log(
    `    speed-up of the kit's kernels on the step: ${fixed(stock.msPerStep / kit.msPerStep, 1)}×; ` +
      `kit step: ${fixed(kit.kernelMs, 1)} ms in kernels (exclusive), top: ${kit.topKernels}\n`,
  );
  return { kernels, steps: [kit, stock] };
}

/** (e) the bonus comparison over several seeds. */
function bonusSection(): unknown {
  const config = enhancedConfig();
  const runs = bonusMargins(quick ? [1, 2] : [1, 2, 3, 4, 5]);
  const margins = runs.map((r) => 100 * (r.enhanced - r.plain));
  console.log(
    formatTable(
      `(e) bonus: enhancedConfig() trained plain and enhanced, test accuracy (${JSON.stringify(config)})`,
      ['seed', 'plain %', 'enhanced %', 'margin (points)', 'plain s', 'enhanced s'],
      runs.map((r, i) => [
        String(r.seed),
        fixed(100 * r.plain, 2),
        fixed(100 * r.enhanced, 2),
        fixed(margins[i]!, 2),
        fixed(r.plainSeconds, 1),
        fixed(r.enhancedSeconds, 1),
      ]),
    ),
  );
  const mean = margins.reduce((a, b) => a + b, 0) / margins.length;
  const sd = Math.sqrt(margins.reduce((a, m) => a + (m - mean) ** 2, 0) / Math.max(1, margins.length - 1));
  console.log(`    margin: mean ${fixed(mean, 2)}, sd ${fixed(sd, 2)}, min ${fixed(Math.min(...margins), 2)} points\n`);
  return runs;
}

async function main(): Promise<void> {
  const info = await selectBackend('wasm');
  announceBackend(info);
  const cpus = os.cpus();
  console.log(
    `dlkit bench${quick ? ' (--quick)' : ''}: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
      `node ${process.version}, tfjs ${tf.version.tfjs}, backend ${info.name} (${info.note})\n`,
  );
  const memory: string[][] = [['start', fixed(peakMiB(), 0)]];
  const results: Record<string, unknown> = { quick, backend: info, cpus: cpus.length, sections: [...sections] };

  if (sections.has('matmul')) {
    const secondsPerCell = quick ? 0.25 : 1.5;
    const square = benchMatMul(squareishCases(), secondsPerCell);
    console.log(matmulTable('(a) wasm matmul throughput, median of 5 timed chunks', square));
    console.log();
    const mlpShapes = quick ? [] : benchMatMul(mlpCases(), secondsPerCell);
    if (!quick) {
      console.log(matmulTable('(a) the products of one 784-256-128-10 training step at batch 128', mlpShapes));
      console.log();
    }
    memory.push(['after matmuls', fixed(peakMiB(), 0)]);
    results.matmul = [...square, ...mlpShapes];
  }

  if (sections.has('epoch')) {
    const train = loadFashionMnist('train');
    const test = loadFashionMnist('test');
    memory.push(['after loading Fashion-MNIST', fixed(peakMiB(), 0)]);

    const withFix = timeEpoch(train, test, quick ? { fix: true, seed: 1, timedBatches: 100 } : { fix: true, seed: 1 });
    memory.push(['after the epoch with the fix', fixed(peakMiB(), 0)]);
    const stock = timeEpoch(train, test, { fix: false, seed: 1, timedBatches: quick ? 20 : 50 });
    memory.push(['after the stock run', fixed(peakMiB(), 0)]);

    console.log(
      formatTable(
        `(b) Fashion-MNIST train (${train.count}), MLP 784-256-128-10 ReLU, softmax CE, Adam 1e-3, batch ${BATCH_SIZE}`,
        ['kernels', 's / epoch', 'how measured', 'test accuracy', 'leaked tensors'],
        [epochRow(withFix), epochRow(stock)],
      ),
    );
    console.log(`    speed-up of the fix on the epoch: ${fixed(stock.secondsPerEpoch / withFix.secondsPerEpoch, 1)}×\n`);
    console.log(formatTable('(c) peak resident set size (maxRSS)', ['after', 'MiB'], memory));
    console.log();
    results.epochs = [withFix, stock];
  }

  if (sections.has('cnn')) {
    results.cnn = cnnSection();
    memory.push(['after the CNN', fixed(peakMiB(), 0)]);
  }
  if (sections.has('time-to-87')) results.timeTo87 = await timeTo87Section();
  if (sections.has('bonus')) results.bonus = bonusSection();
  for (const [name, script] of Object.entries(SCRIPTS)) {
    if (!sections.has(name as Section)) continue;
    console.log(`── ${name}: bench/${script.file} (fresh process) ──`);
    const r = spawnSync(process.execPath, [...process.execArgv, path.join(REPO_ROOT, 'bench', script.file), ...(quick ? script.quickArgs : [])], {
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = 1;
    console.log();
  }
  results.memory = memory;

  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(file, JSON.stringify(results, null, 2));
  console.log(`\nraw numbers: ${path.relative(process.cwd(), file)}`);
}

await main();
