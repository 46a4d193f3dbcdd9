/**
 * Exercise 10: the accuracy threshold, and the confusion matrix of the model it trains. The test builds
 * your CNN (seed 1), trains it with your trainCnn on the training digits and requires a test accuracy of
 * at least MIN_ACCURACY. The threshold and the measurements behind it are in the README ("How the
 * threshold was set"): over seeds 1–5 this run reached 96.95–97.65 % on the offline subset's 2,000 test
 * digits. The run is deterministic on a given backend (seeded initialisation and batch order), so the
 * false-failure rate of a correct solution is that of a seed falling below the threshold: none of the five
 * measured came within 0.45 points of it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type MnistDataset } from '#kit/data';
import { expectAtLeast } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { buildCnn, trainCnn } from './cnn.ts';
import { confusionMatrix, misclassifiedPanel, mostConfusedPairs, saveFigures } from './confusion.ts';

/** The run and its bound (README, "How the threshold was set"). */
const RUN = { seed: 1, epochs: 6, batchSize: 128, learningRate: 4e-3 } as const;
const MIN_ACCURACY = 0.965;
/** Training digits used: the whole offline subset; the first 8,000 of the full MNIST when it is installed (same budget). */
const MAX_TRAIN = 8000;

let trainSet: MnistDataset;
let test: Examples;
let model: tf.LayersModel | undefined;
/** The test's own arg-max of the trained model's logits on the test digits. */
let predicted: Int32Array;

beforeAll(async () => {
  await ready();
  trainSet = loadMnist('train');
  test = toExamples(loadMnist('test'), { scale: 'unit' });
});

function ownPredictions(m: tf.LayersModel, ex: Examples): Int32Array {
  const out = new Int32Array(ex.count);
  for (let start = 0; start < ex.count; start += 2000) {
    const size = Math.min(2000, ex.count - start);
    const classes = tf.tidy(() => (m.predict(tf.tensor2d(ex.x.subarray(start * 784, (start + size) * 784), [size, 784]), { batchSize: size }) as tf.Tensor).argMax(-1));
    out.set(classes.dataSync(), start);
    classes.dispose();
  }
  return out;
}

/** Why the threshold run did not finish (an unimplemented function, most often): the later tests say the same. */
let failure: Error | undefined;
/** Whether the threshold test ran at all: a filtered run (`-t confusion`) leaves it out, and its dependents are skipped. */
let started = false;

const trained = (skip: (note: string) => never): tf.LayersModel => {
  if (model !== undefined) return model;
  // Rethrown as it was, so a NotImplemented stays the one to-do line it is everywhere else.
  if (failure !== undefined) throw failure;
  if (!started) skip('needs the model of the accuracy test, which this run filtered out');
  throw new Error('the threshold run did not finish (see the test before this one)');
};

describe('accuracy: the trained CNN', () => {
  it(`reaches ≥ ${String(100 * MIN_ACCURACY)} % on the held-out test digits after ${String(RUN.epochs)} epochs (batch ${String(RUN.batchSize)}, Adam ${String(RUN.learningRate)}, seed ${String(RUN.seed)})`, () => {
    started = true;
    const all = toExamples(trainSet, { scale: 'unit' });
    const train = all.count > MAX_TRAIN ? selectExamples(all, Int32Array.from({ length: MAX_TRAIN }, (_, i) => i)) : all;
    let m: tf.LayersModel;
    let history: ReturnType<typeof trainCnn>;
    const t0 = performance.now();
    try {
      m = buildCnn({ seed: RUN.seed });
      history = trainCnn(m, train, { ...RUN, progress: false });
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw failure;
    }
    const seconds = (performance.now() - t0) / 1000;
    predicted = ownPredictions(m, test);
    let right = 0;
    for (let i = 0; i < test.count; i++) if (predicted[i] === test.labels![i]) right++;
    const accuracy = right / test.count;
    console.log(
      `10-cnn: ${(100 * accuracy).toFixed(2)} % on ${String(test.count)} test digits (bound ${String(100 * MIN_ACCURACY)} %) after ` +
        `${String(RUN.epochs)} epochs on ${String(train.count)} digits in ${seconds.toFixed(1)} s; ${trainSet.description}; ` +
        `training loss ${history.loss.map((l) => l.toFixed(4)).join(', ')}`,
    );
    model = m;
    expect(history.loss).toHaveLength(RUN.epochs);
    expectAtLeast(accuracy, MIN_ACCURACY, `test accuracy after ${String(RUN.epochs)} epochs`, {
      rule: 'the default CNN trained by trainCnn reaches the bound on the MNIST test set',
    });
  });
});

describe('confusion: on the trained model', () => {
  it('has rows that sum to the class counts, a trace equal to the number right, and the mistakes in its most confused pairs', ({ skip }) => {
    trained(skip);
    const labels = test.labels!;
    const m = confusionMatrix(labels, predicted, 10);
    const perClass = new Array<number>(10).fill(0);
    let right = 0;
    for (let i = 0; i < test.count; i++) {
      perClass[labels[i]!]! += 1;
      if (predicted[i] === labels[i]) right++;
    }
    expect(m.map((r) => r.reduce((a, b) => a + b, 0))).toEqual(perClass);
    expect(m.reduce((a, r, i) => a + r[i]!, 0), `trace of the confusion matrix: the number right (${String(right)}); m[t][p], rows the true classes`).toBe(right);
    const pairs = mostConfusedPairs(m, 45);
    expect(pairs.reduce((a, p) => a + p.count, 0), 'all mistakes are in some pair').toBe(test.count - right);
    for (let i = 1; i < pairs.length; i++) expect(pairs[i]!.count).toBeLessThanOrEqual(pairs[i - 1]!.count);
  });
});

describe('figure: the saved figures', () => {
  it('writes the confusion matrix and the misclassified digits as PNG files', async ({ skip }) => {
    trained(skip);
    const m = confusionMatrix(test.labels!, predicted, 10);
    const panel = misclassifiedPanel(test, predicted, 16, 8);
    expect(panel.images.length).toBeGreaterThan(0);
    for (const i of panel.indices) expect(predicted[i]).not.toBe(test.labels![i]);
    const files = await saveFigures(m, panel);
    expect(files).toHaveLength(2);
    for (const file of files) expect(Array.from(readFileSync(file).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });
});
