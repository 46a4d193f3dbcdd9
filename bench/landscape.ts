/**
 * `npx tsx bench/landscape.ts [--runs N] [--pca-scale]`: exercise 08 on the reference solution, timed by
 * stage — data, SGD training on 2,500 images, PCA, the 625 grid losses, the path's losses, both figures
 * — against its 60-second budget. `--pca-scale` also times fitPca on a 300 × 100,000 trajectory (the
 * largest the exercise promises to handle). Timings depend on the machine and on what else runs on it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { announceBackend, parseBackendEnv, selectBackend, tf } from '#kit/tf';
import { EXPERIMENT, runExperiment } from '../solutions/08-loss-landscape/experiment.ts';
import { fitPca } from '../solutions/08-loss-landscape/pca.ts';
import { Rng } from '#kit/rng';
import { fixed, formatTable } from './table.ts';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 1) || 1;
const pcaScale = argv.includes('--pca-scale');
const BUDGET = 60;

function randomWalk(t: number, p: number, seed: number): Float32Array[] {
  const rng = new Rng(seed);
  const theta = Float32Array.from(rng.normals(p, 0, 0.05));
  const out: Float32Array[] = [];
  for (let s = 0; s < t; s++) {
    for (let j = 0; j < p; j++) theta[j]! += (0.01 / Math.sqrt(s + 1)) * rng.normal();
    out.push(Float32Array.from(theta));
  }
  return out;
}

async function main(): Promise<void> {
  const info = await selectBackend(parseBackendEnv(process.env.KIT_BACKEND));
  announceBackend(info);
  const cpus = os.cpus();
  console.log(`08-loss-landscape bench: ${cpus[0]?.model ?? 'unknown CPU'}, ${String(cpus.length)} cores, node ${process.version}, backend ${info.name}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-landscape-bench-'));
  const rows: string[][] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const result = await runExperiment(EXPERIMENT, { html: path.join(dir, 'landscape.html'), png: path.join(dir, 'landscape.png') });
      const total = (performance.now() - t0) / 1000;
      const s = result.seconds;
      rows.push([
        `run ${String(r + 1)}`,
        fixed(s.data, 1),
        fixed(s.train, 1),
        fixed(s.pca, 2),
        fixed(s.grid, 1),
        fixed(s.path, 1),
        fixed(s.figures, 1),
        fixed(total, 1),
        `${fixed((100 * total) / BUDGET, 0)} %`,
        `${fixed(result.lossBefore, 2)} → ${fixed(result.lossAfter, 2)}`,
      ]);
      if (r === 0) {
        const { snapshots } = result.trajectory;
        const ratio = result.landscape.pca.explainedVarianceRatio;
        console.log(
          `trajectory: ${String(snapshots.length)} snapshots × ${String(snapshots[0]!.length)} parameters; ` +
            `PCA explains ${fixed(100 * ratio[0]!, 1)} % + ${fixed(100 * ratio[1]!, 1)} %; ` +
            `page ${fixed(fs.statSync(result.files.html).size / 2 ** 20, 1)} MiB, PNG ${fixed(fs.statSync(result.files.png).size / 1024, 0)} KiB\n`,
        );
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const c = EXPERIMENT;
  console.log(
    formatTable(
      `(a) the whole exercise, seconds: ${String(c.examples)} images, 784-${String(c.hiddenUnits)}-10, SGD ${String(c.learningRate)}, ` +
        `batch ${String(c.batchSize)}, ${String(c.epochs)} epochs, ${String(c.steps)}×${String(c.steps)} grid`,
      ['', 'data', 'train', 'PCA', 'grid', 'path', 'figures', 'total', `of ${String(BUDGET)} s`, 'f_CE'],
      rows,
    ),
  );
  if (pcaScale) {
    const trajectory = randomWalk(300, 100_000, 1);
    const t0 = performance.now();
    const pca = fitPca(trajectory, 2);
    const secs = (performance.now() - t0) / 1000;
    console.log(
      `\n(b) fitPca on 300 × 100,000 (float64 Gram matrix + ml-matrix EVD): ${fixed(secs, 1)} s, ` +
        `explained ${fixed(100 * pca.explainedVarianceRatio[0]!, 1)} % + ${fixed(100 * pca.explainedVarianceRatio[1]!, 1)} %`,
    );
  }
  console.log(`\npeak RSS ${fixed(process.resourceUsage().maxRSS / 1024, 0)} MiB; tensors left: ${String(tf.memory().numTensors)}`);
}

await main();
