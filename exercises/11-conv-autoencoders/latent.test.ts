/**
 * Exercise 11, part 1: the dense autoencoder with a 2-D code and `embed`. The architecture checks are
 * exact; the separation test trains your autoencoder and classifies the test digits by the nearest class
 * centroid of their 2-D codes (the centroids from the training digits' codes). Its bound and the
 * measurements behind it are in the comment above SEPARATION.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { expectAtLeast, expectAtMost } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { buildCaeSkip } from './cae.ts';
import { buildDenseAe, embed, trainAutoencoder } from './latent.ts';

let train: Examples;
let test: Examples;

beforeAll(async () => {
  await ready();
  train = toExamples(loadMnist('train'));
  test = toExamples(loadMnist('test'));
});

const rows = (ex: Examples, n: number, from = 0): Examples => selectExamples(ex, Int32Array.from({ length: Math.min(n, ex.count - from) }, (_, i) => from + i));

/** Dense parameters of widths [w₀, w₁, …]: Σ wᵢ·wᵢ₊₁ + wᵢ₊₁. */
const denseParams = (widths: number[]): number => widths.slice(1).reduce((s, w, i) => s + widths[i]! * w + w, 0);

/** Forward pass recomputed from the weights: ReLU on hidden layers, none on the code, sigmoid at the end. */
function ownForward(model: tf.LayersModel, x: tf.Tensor2D, codeIndex: number): tf.Tensor {
  const dense = model.layers.filter((l) => l.getClassName() === 'Dense');
  return tf.tidy(() =>
    dense.reduce<tf.Tensor>((h, l, i) => {
      const [w, b] = l.getWeights();
      const z = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b!);
      if (i === dense.length - 1) return tf.sigmoid(z);
      return i === codeIndex ? z : tf.relu(z);
    }, x),
  );
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('latent: buildDenseAe', () => {
  it('is 784-256-64-2-64-256-784 (435,858 parameters): ReLU hidden layers, a linear code, a sigmoid output', () => {
    const ae = buildDenseAe({ seed: 1 });
    expect(ae.model.countParams()).toBe(435_858);
    expect(ae.model.countParams()).toBe(denseParams([784, 256, 64, 2, 64, 256, 784]));
    expect(ae.encoder.outputs[0]!.shape).toEqual([null, 2]);
    expect(ae.decoder.inputs[0]!.shape).toEqual([null, 2]);
    const x = tf.randomUniform<tf.Rank.R2>([5, 784], 0, 1, 'float32', 3);
    const mine = ownForward(ae.model, x, 2);
    const theirs = ae.model.predict(x) as tf.Tensor;
    expectAtMost(maxAbs(theirs.dataSync(), mine.dataSync()), 1e-5, 'output: largest difference from the forward pass recomputed from the weights', {
      rule: 'Dense layers 784 → hidden … → code → … hidden → 784, ReLU on the hidden layers, a linear code, a sigmoid output', strict: true,
    });
    tf.dispose([x, mine, theirs]);
    ae.model.dispose();
  });

  it('shares its layers: decoder(encoder(x)) is model(x), and the encoder stops at the code', () => {
    const ae = buildDenseAe({ seed: 2, hidden: [32], code: 3 });
    expect(ae.model.countParams()).toBe(denseParams([784, 32, 3, 32, 784]));
    const x = tf.randomUniform([4, 784], 0, 1, 'float32', 5);
    const [whole, code] = [ae.model.predict(x) as tf.Tensor, ae.encoder.predict(x) as tf.Tensor];
    const twice = ae.decoder.predict(code) as tf.Tensor;
    expect(code.shape).toEqual([4, 3]);
    expectAtMost(maxAbs(whole.dataSync(), twice.dataSync()), 1e-6, 'decoder(encoder(x)): largest difference from model(x)', {
      rule: 'the encoder and the decoder are the model\'s two halves, sharing its layers', strict: true,
    });
    const ids = (m: tf.LayersModel): Set<number> => new Set(m.weights.map((w) => w.id));
    const shared = ids(ae.model);
    for (const id of [...ids(ae.encoder), ...ids(ae.decoder)]) expect(shared.has(id), 'the halves use the model\'s own weights').toBe(true);
    tf.dispose([x, whole, code, twice]);
  });

  it('is reproducible from its seed, with a different draw for every layer', () => {
    const weights = (seed: number): number[][] => buildDenseAe({ seed, hidden: [16, 16], code: 2 }).model.getWeights().filter((w) => w.rank === 2).map((w) => Array.from(w.dataSync()));
    const [a, b, c] = [weights(7), weights(7), weights(8)];
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    // Kernels 784×16, 16×16, 16×2, 2×16, 16×16, 16×784: Glorot draws from one seed are equal for equal sizes
    // (the two 16 × 16 kernels, and 784×16 with 16×784), so every layer needs a seed of its own.
    a.forEach((k, i) => {
      a.forEach((l, j) => {
        if (i < j && k.length === l.length) expect(k, `kernels ${String(i + 1)} and ${String(j + 1)} (${String(k.length)} weights each) are copies: one seed used for both`).not.toEqual(l);
      });
    });
  });

  it('rejects a bottleneck of 0 units, a hidden layer of 0 and a fractional seed with an ArgumentError', () => {
    buildDenseAe({ seed: 1, code: 1, hidden: [4] }).model.dispose();
    expect(() => buildDenseAe({ seed: 1, code: 0 })).toThrow(ArgumentError);
    expect(() => buildDenseAe({ seed: 1, hidden: [64, 0] })).toThrow(ArgumentError);
    expect(() => buildDenseAe({ seed: 0.5 })).toThrow(ArgumentError);
  });
});

describe('latent: embed', () => {
  it("returns the encoder's codes for every image in order, in chunks, with no tensors left behind", () => {
    const ae = buildDenseAe({ seed: 3 });
    const ex = rows(test, 2500 > test.count ? test.count : 2500);
    const before = tf.memory().numTensors;
    const codes = embed(ae, ex);
    expect(tf.memory().numTensors).toBe(before);
    expect(codes).toBeInstanceOf(Float32Array);
    expect(codes.length).toBe(ex.count * 2);
    const want = tf.tidy(() => (ae.encoder.predict(tf.tensor2d(ex.x, [ex.count, 784]), { batchSize: ex.count }) as tf.Tensor).dataSync());
    expectAtMost(maxAbs(codes, want), 1e-5, 'embed: largest difference from encoder.predict', { rule: 'embed returns the encoder\'s codes, row by row, in order', strict: true });
  });

  it("takes a skip model's code (the encoder's first output), not its feature maps", () => {
    const ae = buildCaeSkipOrNull();
    if (ae === undefined) return;
    const ex = rows(test, 7);
    const codes = embed(ae, ex);
    const want = tf.tidy(() => (ae.encoder.predict(tf.tensor2d(ex.x, [7, 784])) as tf.Tensor[])[0]!.dataSync());
    expect(codes.length).toBe(7 * 16);
    expectAtMost(maxAbs(codes, want), 1e-5, 'embed of a skip model: largest difference from the encoder\'s first output', {
      rule: 'for a skip model the code is the encoder\'s first output, not its feature maps', strict: true,
    });
  });

  it('rejects images of the wrong size with an ArgumentError', () => {
    const ae = buildDenseAe({ seed: 4 });
    embed(ae, rows(test, 3));
    const wrong: Examples = { x: new Float32Array(3 * 100), count: 3, features: 100 };
    expect(() => embed(ae, wrong)).toThrow(ArgumentError);
  });
});

/** The skip model of part 3 if it is written; this test then checks embed with it (else embed with a dense model only). */
function buildCaeSkipOrNull(): ReturnType<typeof buildCaeSkip> | undefined {
  try {
    return buildCaeSkip({ seed: 1 });
  } catch (err) {
    if (err instanceof Error && err.name === 'NotImplemented') {
      // embed itself is what this test is about: run it on a stand-in with two outputs.
      const x = tf.input({ shape: [784] });
      const code = tf.layers.dense({ units: 16 }).apply(x) as tf.SymbolicTensor;
      const map = tf.layers.dense({ units: 5 }).apply(x) as tf.SymbolicTensor;
      const encoder = tf.model({ inputs: x, outputs: [code, map] });
      return { model: encoder, encoder, decoder: encoder };
    }
    throw err;
  }
}

/**
 * Nearest-centroid accuracy of 2-D codes: each test digit gets the class whose mean training code is
 * nearest. Chance is about 11 % (the most frequent digit).
 */
function nearestCentroidAccuracy(trainCodes: Float32Array, trainLabels: ArrayLike<number>, codes: Float32Array, labels: ArrayLike<number>): number {
  const k = trainCodes.length / trainLabels.length;
  const centre = new Float64Array(10 * k);
  const n = new Float64Array(10);
  for (let i = 0; i < trainLabels.length; i++) {
    n[trainLabels[i]!]! += 1;
    for (let j = 0; j < k; j++) centre[trainLabels[i]! * k + j]! += trainCodes[i * k + j]!;
  }
  for (let d = 0; d < 10; d++) for (let j = 0; j < k; j++) centre[d * k + j]! /= Math.max(1, n[d]!);
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let d = 0; d < 10; d++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (codes[i * k + j]! - centre[d * k + j]!) ** 2;
      if (s < bestDistance) [best, bestDistance] = [d, s];
    }
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

/**
 * The separation run: your buildDenseAe (seed 1, defaults) trained by trainAutoencoder for 3 epochs of
 * batch 128, Adam 3·10⁻³, on the first 8,000 training digits; nearest-centroid accuracy on the test
 * digits (the offline subset's 2,000).
 */
const RUN = { seed: 1, epochs: 3, batchSize: 128, learningRate: 3e-3 } as const;
/**
 * The bound. Reference solution on wasm, this run with seeds 1–5 (the seed of the model and of the
 * batch order): 44.4 · 50.8 · 51.6 · 47.0 · 44.3 % (lowest 44.3 %); the untrained encoders of the same
 * seeds: 22.8 · 18.9 · 19.1 · 22.6 · 21.2 %. 40 % is 4.3 points (86 digits) below the worst seed and
 * 17 points above the best untrained encoder. The run is deterministic on a backend, so the
 * false-failure rate of a correct solution is that of its seed-1 run landing 4.4 points lower than the
 * reference's: none of five seeds came within 4.3 points.
 */
const SEPARATION = 0.4;

describe('separation: the 2-D codes of the trained dense autoencoder', () => {
  it(`classify the test digits by nearest class centroid to ≥ ${String(100 * SEPARATION)} % (chance ≈ 11 %; an untrained encoder stays below)`, () => {
    const ae = buildDenseAe({ seed: RUN.seed });
    const tr = rows(train, 8000);
    const untrained = nearestCentroidAccuracy(embed(ae, tr), tr.labels!, embed(ae, test), test.labels!);
    const t0 = performance.now();
    const history = trainAutoencoder(ae.model, tr, { ...RUN, progress: false });
    const accuracy = nearestCentroidAccuracy(embed(ae, tr), tr.labels!, embed(ae, test), test.labels!);
    console.log(
      `11 separation: nearest-centroid accuracy ${(100 * accuracy).toFixed(1)} % on ${String(test.count)} test digits (untrained ${(100 * untrained).toFixed(1)} %, ` +
        `bound ${String(100 * SEPARATION)} %), training MSE ${history.loss.map((l) => l.toFixed(4)).join(', ')}, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    expectAtMost(untrained, SEPARATION, 'nearest-centroid accuracy of the untrained encoder', { rule: 'the untrained encoder must not already pass: the bound would test nothing', strict: true });
    expectAtLeast(accuracy, SEPARATION, 'nearest-centroid accuracy of the trained 2-D codes on the test digits', {
      rule: 'training the autoencoder separates the digits in its 2-D code better than the untrained encoder',
      mistakes: [{ name: 'the untrained encoder\'s codes (no training happened)', value: untrained }],
    });
    ae.model.dispose();
  });
});
