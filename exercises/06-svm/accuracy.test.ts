/**
 * Exercise 06, part 5: your improved setting, trained here with the kit's own loop (mini-batch SGD on
 * C · mean hinge + (λ/2)‖θ‖², like trainSvm), so that only improvedConfig() is judged. Fashion-MNIST
 * pullover vs coat always; CIFAR-10 frog vs horse (the homework's pair) when it is installed. The bounds
 * come from measurements over several seeds (README, "How the thresholds were set").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { cifar10Installed, loadCifar10, loadFashionMnist, subset, trainValSplit, type ImageDataset } from '#kit/data';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { expectAtLeast } from '#kit/testing';
import { batches, trainStep, type Examples, type LossFn } from '#kit/train';
import { improvedConfig, type SvmConfig } from './train.ts';

beforeAll(async () => {
  await ready();
});

/** Fashion-MNIST: the improved setting must reach this test accuracy (the homework's setting measured 0.51–0.68). */
const MIN_FASHION_ACCURACY = 0.8;
/** CIFAR-10 frog/horse: the homework's improved setting reached 0.834 (not measurable here; see the README). */
const MIN_CIFAR_ACCURACY = 0.75;

interface Prepared {
  train: Examples;
  targets: Float32Array;
  test: Examples;
  testTargets: Float32Array;
}

/** The pair, 70 / 30 split (only the 70 % is used), channels standardised to mean 0.25 and std 0.25 on it. */
function prepare(trainSet: ImageDataset, testSet: ImageDataset, pair: readonly [number, number]): Prepared {
  const pick = (d: ImageDataset): ImageDataset => {
    const rows: number[] = [];
    for (let i = 0; i < d.count; i++) if (d.labels[i] === pair[0] || d.labels[i] === pair[1]) rows.push(i);
    return subset(d, rows);
  };
  const { train } = trainValSplit(pick(trainSet), { valFraction: 0.3, seed: 1 });
  const test = pick(testSet);
  const c = train.channels;
  const mean = new Float64Array(c);
  const sq = new Float64Array(c);
  train.images.forEach((b, i) => {
    mean[i % c]! += b / 255;
    sq[i % c]! += (b / 255) ** 2;
  });
  const n = train.images.length / c;
  const mu = Array.from(mean, (s) => s / n);
  const sd = Array.from(sq, (s, k) => Math.sqrt(s / n - mu[k]! ** 2));
  const examples = (d: ImageDataset): Examples => ({
    x: Float32Array.from(d.images, (b, i) => 0.25 + (0.25 * (b / 255 - mu[i % c]!)) / sd[i % c]!),
    count: d.count,
    features: d.rows * d.cols * c,
  });
  const targets = (d: ImageDataset): Float32Array => Float32Array.from(d.labels, (l) => (l === pair[0] ? -1 : 1));
  return { train: examples(train), targets: targets(train), test: examples(test), testTargets: targets(test) };
}

/** Trains a linear model with `config` and returns its test accuracy. */
function testAccuracy(data: Prepared, config: SvmConfig, seed: number): number {
  const rng = new Rng(seed);
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [data.train.features], kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }) })],
  });
  const hinge: LossFn = (batch, output) => {
    const y = tf.tensor1d(Float32Array.from(batch.indices, (i) => data.targets[i]!));
    return tf.mul(config.C, tf.mean(tf.relu(tf.sub(1, tf.mul(y, output.reshape([-1]))))));
  };
  const decay = (): tf.Scalar => tf.mul(config.weightDecay / 2, tf.addN(model.trainableWeights.map((w) => tf.sum(tf.square(w.read())))));
  const optimizer = config.momentum > 0 ? tf.train.momentum(config.learningRate, config.momentum) : tf.train.sgd(config.learningRate);
  const order = batches(data.train, { batchSize: config.batchSize, seed: rng.seed() });
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (const batch of order) trainStep(model, optimizer, batch, { loss: hinge, penalty: decay, readLoss: false });
  }
  const out = tf.tidy(() => model.predict(tf.tensor2d(data.test.x, [data.test.count, data.test.features]), { batchSize: data.test.count }) as tf.Tensor);
  const scores = out.dataSync();
  out.dispose();
  let correct = 0;
  scores.forEach((s, i) => {
    if ((s > 0 ? 1 : -1) === data.testTargets[i]) correct++;
  });
  optimizer.dispose();
  model.dispose();
  return correct / data.test.count;
}

/** Throws unless the setting stays within the homework's budget. */
function checkBudget(config: SvmConfig): void {
  expect(config.epochs, 'epochs (the homework trains 50)').toBeLessThanOrEqual(50);
  expect(config.batchSize, 'batch size').toBeGreaterThanOrEqual(16);
  expect(config.C, 'C').toBeGreaterThan(0);
  expect(config.learningRate, 'learning rate').toBeGreaterThan(0);
  expect(config.weightDecay, 'weight decay').toBeGreaterThanOrEqual(0);
  expect(config.momentum, 'momentum').toBeGreaterThanOrEqual(0);
  expect(config.momentum, 'momentum').toBeLessThan(1);
}

const cifarMissing = (): boolean => !cifar10Installed();

describe('improved setting', () => {
  it(`on Fashion-MNIST pullover (−1) vs coat (+1): improvedConfig() reaches ≥ ${String(100 * MIN_FASHION_ACCURACY)} % test accuracy within ≤ 50 epochs`, () => {
    const config = improvedConfig();
    checkBudget(config);
    const acc = testAccuracy(prepare(loadFashionMnist('train'), loadFashionMnist('test'), [2, 4]), config, 1);
    console.log(`06-svm: improved setting ${JSON.stringify(config)}: Fashion-MNIST pullover/coat test accuracy ${acc.toFixed(4)}`);
    expectAtLeast(acc, MIN_FASHION_ACCURACY, 'Fashion-MNIST pullover/coat test accuracy of improvedConfig()', {
      rule: 'the improved setting (trained here by the reference loop, within the homework\'s budget) must beat the bar on the test set',
    });
  });
});

// Its own group (and rubric item): it runs only where CIFAR-10 is installed.
describe('CIFAR-10 bonus (runs when installed)', () => {
  it(`on CIFAR-10 frog (−1) vs horse (+1), when installed: improvedConfig() reaches ≥ ${String(100 * MIN_CIFAR_ACCURACY)} % test accuracy`, (ctx) => {
    const config = improvedConfig();
    checkBudget(config);
    if (cifarMissing()) {
      ctx.skip('CIFAR-10 not found — run `npm run data -- cifar-10` to check the improved setting on the homework\'s frog/horse pair (the Fashion-MNIST check above always runs).');
    }
    const acc = testAccuracy(prepare(loadCifar10('train'), loadCifar10('test'), [6, 7]), config, 1);
    console.log(`06-svm: improved setting: CIFAR-10 frog/horse test accuracy ${acc.toFixed(4)}`);
    expectAtLeast(acc, MIN_CIFAR_ACCURACY, 'CIFAR-10 frog/horse test accuracy of improvedConfig()', {
      rule: 'the improved setting (trained here by the reference loop, within the homework\'s budget) must beat the bar on the test set',
    });
  });
});
