/**
 * `npx tsx bench/autoencoders.ts [--quick]`: seconds per epoch of the models of exercises 05–07 on the
 * default backend, with the reference solutions' code and the kit's training loop, and peak memory.
 *
 * - 05: the dense autoencoder 784-128-64-128-784, Adam, batch 128, on the 60,000 Fashion-MNIST training
 *   images (a whole epoch is timed, then the test MSE is measured);
 * - 07: the CIFAR-size autoencoder 3072-128-32-128-3072 and its tied twin, batch 128, per epoch of the
 *   homework's 35,000 training images (70 % of CIFAR-10's 50,000). CIFAR-10 is not needed: the pixels
 *   are uniform noise, which costs the same arithmetic; a window of batches is timed and scaled up;
 *   the 784-input variants on Fashion-MNIST (42,000 training images, what runs offline);
 * - 06: the linear SVM, batch 64, on Fashion-MNIST pullover/coat (8,400 training images) and per epoch
 *   of CIFAR-10 frog/horse (7,000 images of 3,072 values, noise).
 *
 * Timings depend on the machine and on whatever else runs on it: never asserted in a test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadFashionMnist, trainValSplit } from '#kit/data';
import { REPO_ROOT } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { batches, toExamples, trainStep, type Examples, type LossFn } from '#kit/train';
import { buildAutoencoder as buildDenseAutoencoder, reconstructionMse } from '../solutions/05-autoencoder/autoencoder.ts';
import { PULLOVER_COAT, prepareSvmData } from '../solutions/06-svm/svm.ts';
import { buildSvm } from '../solutions/06-svm/train.ts';
import { buildAutoencoder, TiedAutoencoder } from '../solutions/07-tied-autoencoder/models.ts';
import { fixed, formatTable } from './table.ts';

const quick = process.argv.includes('--quick');
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;

interface Timing {
  name: string;
  params: number;
  batchSize: number;
  examplesPerEpoch: number;
  batchesPerEpoch: number;
  timedBatches: number;
  secondsPerEpoch: number;
  extrapolated: boolean;
  note: string;
  peakMiB: number;
}

const mseLoss: LossFn = (batch, output) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(batch.x, output);

/** Uniform-noise examples: the same arithmetic as real images of that size. */
function noise(count: number, features: number, seed: number): Examples {
  const rng = new Rng(seed);
  const x = new Float32Array(count * features);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return { x, count, features };
}

/**
 * Times `timed` batches after 3 warm-up batches (or a whole epoch when `timed` is undefined) and scales to
 * an epoch of `examplesPerEpoch` examples.
 */
function timeBatches(
  name: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  data: Examples,
  options: { batchSize: number; examplesPerEpoch: number; timed?: number; loss: LossFn; penalty?: () => tf.Scalar; note?: string },
): Timing {
  const source = batches(data, { batchSize: options.batchSize, seed: 1 });
  const batchesPerEpoch = Math.ceil(options.examplesPerEpoch / options.batchSize);
  const whole = options.timed === undefined;
  const warmup = whole ? 0 : 3;
  // A window longer than the data loops over it (the noise sets are smaller than an epoch).
  const timed = whole ? source.length : options.timed!;
  let start = performance.now();
  let done = 0;
  outer: for (;;) {
    for (const batch of source) {
      if (done === warmup) start = performance.now();
      trainStep(model, optimizer, batch, { loss: options.loss, readLoss: false, ...(options.penalty ? { penalty: options.penalty } : {}) });
      done++;
      if (done === warmup + timed) break outer;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    name,
    params: model.countParams(),
    batchSize: options.batchSize,
    examplesPerEpoch: options.examplesPerEpoch,
    batchesPerEpoch,
    timedBatches: timed,
    secondsPerEpoch: whole ? seconds : (seconds / timed) * batchesPerEpoch,
    extrapolated: !whole,
    note: options.note ?? '',
    peakMiB: peakMiB(),
  };
}

async function main(): Promise<void> {
  const info = await ready();
  const cpus = os.cpus();
  console.log(
    `dlkit bench: autoencoders and SVM${quick ? ' (--quick)' : ''}: ${cpus[0]?.model ?? 'unknown CPU'}, ${String(cpus.length)} cores, ` +
      `node ${process.version}, tfjs ${tf.version.tfjs}, backend ${info.name} (${info.note})\n`,
  );
  const results: Timing[] = [];
  const report = (t: Timing): void => {
    results.push(t);
    console.log(`  ${t.name}: ${fixed(t.secondsPerEpoch, 1)} s/epoch ${t.note}`);
  };

  // 05: dense autoencoder on Fashion-MNIST, whole epoch.
  const fashionTrain = loadFashionMnist('train');
  const fashionTest = loadFashionMnist('test');
  const train05 = toExamples(fashionTrain);
  const dense = buildDenseAutoencoder({ seed: 1 });
  const denseOpt = tf.train.adam(1e-3);
  const t05 = timeBatches('05 dense AE 784-128-64-128-784, Fashion-MNIST', dense.model, denseOpt, { x: train05.x, count: train05.count, features: 784 }, {
    batchSize: 128,
    examplesPerEpoch: 60_000,
    loss: mseLoss,
    ...(quick ? { timed: 60 } : {}),
  });
  const testMse = reconstructionMse(dense.model, { x: toExamples(fashionTest).x, count: 10_000, features: 784 });
  t05.note = quick ? `(test MSE ${fixed(testMse, 4)} after ${String(t05.timedBatches + 3)} batches)` : `(test MSE ${fixed(testMse, 4)} after the epoch)`;
  report(t05);
  dense.model.dispose();
  denseOpt.dispose();

  // 07: CIFAR-size autoencoders on noise, per 35,000-image epoch.
  const cifarNoise = noise(4096, 3072, 2);
  for (const [name, ae] of [
    ['07 untied AE 3072-128-32-128-3072 (CIFAR size)', buildAutoencoder({ seed: 1 })],
    ['07 tied AE 3072-128-32 + tied decoder (CIFAR size)', new TiedAutoencoder({ seed: 1 })],
  ] as const) {
    const opt = tf.train.adam(1e-3);
    report(timeBatches(name, ae.model, opt, cifarNoise, { batchSize: 128, examplesPerEpoch: 35_000, loss: mseLoss, timed: quick ? 15 : 60, note: '(noise pixels)' }));
    ae.model.dispose();
    opt.dispose();
  }

  // 07 offline: the 784-input variants on Fashion-MNIST's 70 % split.
  const split = trainValSplit(fashionTrain, { valFraction: 0.3, seed: 1 });
  const train07 = toExamples(split.train);
  const plain07: Examples = { x: train07.x, count: train07.count, features: 784 };
  for (const [name, ae] of [
    ['07 untied AE 784-128-32-128-784, Fashion-MNIST', buildAutoencoder({ seed: 1, inputSize: 784 })],
    ['07 tied AE 784-128-32 + tied decoder, Fashion-MNIST', new TiedAutoencoder({ seed: 1, inputSize: 784 })],
  ] as const) {
    const opt = tf.train.adam(1e-3);
    report(timeBatches(name, ae.model, opt, plain07, { batchSize: 128, examplesPerEpoch: plain07.count, loss: mseLoss, ...(quick ? { timed: 40 } : {}) }));
    ae.model.dispose();
    opt.dispose();
  }

  // 06: the linear SVM, batch 64.
  const svmData = prepareSvmData(fashionTrain, fashionTest, { seed: 1, classes: PULLOVER_COAT });
  const svmCases: [string, Examples, number][] = [
    ['06 linear SVM 784→1, Fashion-MNIST pullover/coat', svmData.train, svmData.train.count],
    ['06 linear SVM 3072→1, CIFAR-10 frog/horse size', { ...noise(2048, 3072, 3), labels: new Uint8Array(2048).fill(6) }, 7_000],
  ];
  for (const [name, data, perEpoch] of svmCases) {
    const model = buildSvm(data.features, 1);
    const opt = tf.train.sgd(0.1);
    const hinge: LossFn = (_batch, output) => tf.mean(tf.relu(tf.sub(1, output.reshape([-1]))));
    const decay = (): tf.Scalar => tf.mul(0.25, tf.addN(model.trainableWeights.map((w) => tf.sum(tf.square(w.read())))));
    report(
      timeBatches(name, model, opt, data, {
        batchSize: 64,
        examplesPerEpoch: perEpoch,
        loss: hinge,
        penalty: decay,
        ...(quick || perEpoch !== data.count ? { timed: quick ? 30 : 100 } : {}),
      }),
    );
    model.dispose();
    opt.dispose();
  }

  console.log();
  console.log(
    formatTable(
      `Seconds per epoch on ${info.name}${quick ? ' (--quick: short windows, scaled up)' : ''}`,
      ['model', 'parameters', 'batch', 'images / epoch', 's / epoch', 'how measured', 'peak MiB'],
      results.map((t) => [
        t.name,
        t.params.toLocaleString('en-US'),
        String(t.batchSize),
        t.examplesPerEpoch.toLocaleString('en-US'),
        fixed(t.secondsPerEpoch, 1),
        t.extrapolated ? `${String(t.timedBatches)} of ${String(t.batchesPerEpoch)} batches, scaled` : 'whole epoch',
        fixed(t.peakMiB, 0),
      ]),
    ),
  );
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `autoencoders-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(file, JSON.stringify({ quick, backend: info, cpus: cpus.length, results }, null, 2));
  console.log(`\nraw numbers: ${path.relative(process.cwd(), file)}`);
}

await main();
