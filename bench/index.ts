/**
 * `npm run bench [-- --quick]`: wasm matmul throughput with and without the transposed-matmul fix,
 * seconds per Fashion-MNIST epoch of a 784-256-128-10 MLP, and peak memory. Not part of the tests:
 * timings depend on the machine and on whatever else runs on it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFashionMnist } from '#kit/data';
import { REPO_ROOT } from '#kit/errors';
import { announceBackend, selectBackend, tf } from '#kit/tf';
import { benchMatMul, mlpCases, squareishCases, type MatMulResult } from './matmul.ts';
import { BATCH_SIZE, timeEpoch, type EpochTiming } from './mlp-epoch.ts';
import { fixed, formatTable } from './table.ts';

const quick = process.argv.includes('--quick');
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

async function main(): Promise<void> {
  const info = await selectBackend('wasm');
  announceBackend(info);
  const cpus = os.cpus();
  console.log(
    `dlkit bench${quick ? ' (--quick)' : ''}: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
      `node ${process.version}, tfjs ${tf.version.tfjs}, backend ${info.name} (${info.note})\n`,
  );
  const memory: string[][] = [['start', fixed(peakMiB(), 0)]];

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

  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(
    file,
    JSON.stringify({ quick, backend: info, cpus: cpus.length, matmul: [...square, ...mlpShapes], epochs: [withFix, stock], memory }, null, 2),
  );
  console.log(`\nraw numbers: ${path.relative(process.cwd(), file)}`);
}

await main();
