/**
 * `npm run bench -- --only cnn-vs-torch`: seconds per epoch of exercise 10's CNN (the reference
 * `buildCnn`/`trainCnn`, 8,000 images, batch 128, Adam) on the kit's default backend, side by side with
 * the same network in PyTorch on this machine, one thread each (`bench/cnn_torch.py`; Debian's
 * `python3-torch`). The first epoch of each is a warm-up; the table reports the later ones and their ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadMnist } from '#kit/data';
import { REPO_ROOT } from '#kit/errors';
import { announceBackend, selectBackend } from '#kit/tf';
import { toExamples } from '#kit/train';
import { buildCnn, trainCnn } from '../solutions/10-cnn/cnn.ts';
import { fixed, formatTable } from './table.ts';

const EPOCHS = 3;
const BATCH = 128;

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  announceBackend(await selectBackend());
  const train = toExamples(loadMnist('train'), { scale: 'unit' });
  const model = buildCnn({ seed: 1 });
  const kit: number[] = [];
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    trainCnn(model, train, { seed: e + 1, epochs: 1, batchSize: BATCH, progress: false });
    kit.push((performance.now() - t0) / 1000);
  }
  model.dispose();
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
  // Debian's python3-torch is for the system's python, which a pyenv shim may hide: KIT_PYTHON, then the system's.
  const python = [process.env['KIT_PYTHON'], '/usr/bin/python3', 'python3']
    .find((p) => p !== undefined && p !== '' && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? 'python3';
  const py = spawnSync(python, [path.join(REPO_ROOT, 'bench', 'cnn_torch.py'), String(train.count), String(EPOCHS), String(BATCH)], { encoding: 'utf8', env });
  let torch: { torch: string; secondsPerEpoch: number[] } | undefined;
  try {
    torch = JSON.parse(py.stdout.trim().split('\n').at(-1) ?? '') as typeof torch;
  } catch {
    console.log(`PyTorch did not run (${(py.stderr || py.error?.message || 'no output').split('\n').filter(Boolean).at(-1) ?? ''}): apt-get install python3-torch for the comparison.`);
  }
  const kitEpoch = median(kit.slice(1));
  const torchEpoch = torch === undefined ? undefined : median(torch.secondsPerEpoch.slice(1));
  console.log(formatTable(
    `Exercise 10's CNN, ${String(train.count)} images per epoch, batch ${String(BATCH)}, one thread (median of epochs 2–${String(EPOCHS)})`,
    ['framework', 's/epoch', 'ratio'],
    [
      ['kit (default backend)', fixed(kitEpoch, 2), torchEpoch === undefined ? '–' : `${fixed(kitEpoch / torchEpoch, 2)}×`],
      ...(torch === undefined || torchEpoch === undefined ? [] : [[`PyTorch ${torch.torch} (CPU)`, fixed(torchEpoch, 2), '1×']]),
    ],
  ));
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `cnn-vs-torch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ kit, torch, images: train.count, batch: BATCH }, null, 2));
}

await main();
