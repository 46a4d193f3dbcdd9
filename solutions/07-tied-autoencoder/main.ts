/**
 * The homework run of exercise 07, once your functions pass their tests:
 *
 *     npm run tied-autoencoder                    # 20 epochs each
 *     npm run tied-autoencoder -- --epochs 100    # the homework's budget
 *     npm run tied-autoencoder -- --dataset fashion-mnist
 *
 * Runs on CIFAR-10 when it is installed (`npm run data -- cifar-10`), otherwise on Fashion-MNIST, and
 * says which. Trains the untied and the tied autoencoder with the same budget, prints both summaries
 * and the final validation MSEs, and saves to out/figures/07-tied-autoencoder/: curves.png (training
 * and validation MSE of both) and reconstructions.png (three validation images: original, untied,
 * tied, side by side).
 */
import { parseArgs } from 'node:util';
import { ArgumentError } from '#kit/errors';
import { figurePath, imageGrid, lineChart, type GridImage } from '#kit/figures';
import { runMain } from '#kit/report';
import { Rng } from '#kit/rng';
import { summary } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { buildAutoencoder, TiedAutoencoder, type Autoencoder } from './models.ts';
import { chooseDataset, fit, reconstructionSplit, type Curves, type DatasetName } from './train.ts';

function reconstructRows(model: tf.LayersModel, val: Examples, rows: readonly number[]): Float32Array[] {
  return rows.map((r) => {
    const y = tf.tidy(() => model.predict(tf.tensor2d(val.x.subarray(r * val.features, (r + 1) * val.features), [1, val.features])) as tf.Tensor);
    const pixels = Float32Array.from(y.dataSync());
    y.dispose();
    return pixels;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string', default: '20' }, seed: { type: 'string', default: '1' }, dataset: { type: 'string', default: 'auto' } } });
  const epochs = Number(values.epochs);
  const seed = Number(values.seed);
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`--epochs must be a whole number ≥ 1, got "${values.epochs}".`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`--seed must be an integer, got "${values.seed}".`);
  if (!['auto', 'cifar-10', 'fashion-mnist'].includes(values.dataset)) {
    throw new ArgumentError(`--dataset must be auto, cifar-10 or fashion-mnist, got "${values.dataset}".`);
  }
  await ready();

  const chosen = chooseDataset(values.dataset as DatasetName | 'auto');
  console.log(chosen.note);
  const { rows, cols, channels } = chosen.data;
  const data = reconstructionSplit(chosen.data, { seed });
  console.log(`${String(data.train.count)} training and ${String(data.val.count)} validation images of ${String(data.train.features)} values.\n`);

  const inputSize = data.train.features;
  const models: [string, Autoencoder][] = [
    ['untied', buildAutoencoder({ seed, inputSize })],
    ['tied', new TiedAutoencoder({ seed, inputSize })],
  ];
  const curves: Record<string, Curves> = {};
  for (const [name, ae] of models) {
    summary(ae.model, { title: `${name} autoencoder` });
    const t0 = performance.now();
    curves[name] = fit(ae.model, data, { seed, epochs, progress: `07 ${name}` });
    console.log(
      `${name}: validation MSE ${curves[name].val.at(-1)!.toFixed(5)} after ${String(epochs)} epoch(s), ` +
        `${((performance.now() - t0) / 1000 / epochs).toFixed(1)} s per epoch\n`,
    );
  }

  const x = Array.from({ length: epochs }, (_, i) => i + 1);
  const chart = lineChart({
    title: `Untied vs tied autoencoder, ${chosen.name}`,
    xLabel: 'epoch',
    yLabel: 'MSE',
    series: Object.entries(curves).flatMap(([name, c]) => [
      { name: `${name}, training`, x, y: c.train },
      { name: `${name}, validation`, x, y: c.val },
    ]),
  });
  console.log(`Saved ${await chart.save(figurePath('07-tied-autoencoder', 'curves'))}`);

  // Three random validation images, each row: original | untied | tied (side by side).
  const picks = Array.from(new Rng(seed).permutation(data.val.count).slice(0, 3));
  const recon = Object.fromEntries(models.map(([name, ae]) => [name, reconstructRows(ae.model, data.val, picks)]));
  const images: GridImage[] = picks.flatMap((r, k) => [
    { pixels: data.val.x.slice(r * inputSize, (r + 1) * inputSize), rows, cols, channels: channels as 1 | 3, label: `validation #${String(r)}` },
    { pixels: recon.untied![k]!, rows, cols, channels: channels as 1 | 3, label: 'untied' },
    { pixels: recon.tied![k]!, rows, cols, channels: channels as 1 | 3, label: 'tied' },
  ]);
  const grid = imageGrid({ title: `Reconstructions (${chosen.name}, values clipped to [0, 1])`, columns: 3, images, range: [0, 1] });
  console.log(`Saved ${await grid.save(figurePath('07-tied-autoencoder', 'reconstructions'))}`);
  for (const [, ae] of models) ae.model.dispose();
}

await runMain(main);
