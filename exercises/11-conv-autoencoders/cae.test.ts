/**
 * Exercise 11, part 3: the convolutional autoencoders. The architecture checks are exact (parameter
 * counts from the formula in the README, shapes, shared layers). The bypass tests train both models on
 * the same digits and measure, on test digits, the reconstruction error and what happens when every
 * image's code is replaced by another image's; the bounds and the measurements behind them are in the
 * comments above BOUNDS.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { expectAtLeast, expectAtMost } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { buildCae, buildCaeSkip } from './cae.ts';
import { trainAutoencoder, type Autoencoder } from './latent.ts';

let train: Examples;
let test: Examples;

beforeAll(async () => {
  await ready();
  train = toExamples(loadMnist('train'));
  test = toExamples(loadMnist('test'));
});

const first = (ex: Examples, n: number): Examples => selectExamples(ex, Int32Array.from({ length: Math.min(n, ex.count) }, (_, i) => i));

/** Parameters of the README's architecture for filters [f1, f2] and a code of `code` units. */
function caeParams(f1: number, f2: number, code: number, skip: boolean): number {
  const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
  const dense = (n: number, m: number): number => n * m + m;
  const wide = skip ? 2 : 1;
  return conv(3, 1, f1) + conv(3, f1, f2) + dense(49 * f2, code) + dense(code, 49 * f2) + conv(3, wide * f2, f1) + conv(3, wide * f1, 1);
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

const asList = (t: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(t) ? t : [t]);

/** What is wrong with `ae` as a convolutional autoencoder with these sizes (empty when nothing is). */
function shapeProblems(ae: Autoencoder, f1: number, f2: number, code: number, skip: boolean): string[] {
  const problems: string[] = [];
  const shapes = (ts: readonly tf.SymbolicTensor[]): string => JSON.stringify(ts.map((t) => t.shape));
  const maps = skip ? [[null, 14, 14, f2], [null, 28, 28, f1]] : [];
  if (JSON.stringify(ae.model.inputs[0]!.shape) !== '[null,784]' || JSON.stringify(ae.model.outputs[0]!.shape) !== '[null,784]') {
    problems.push(`the model maps ${shapes(ae.model.inputs)} to ${shapes(ae.model.outputs)}; it must take and return flat rows of 784 pixels`);
  }
  if (shapes(ae.encoder.outputs) !== JSON.stringify([[null, code], ...maps])) problems.push(`encoder outputs ${shapes(ae.encoder.outputs)}, expected ${JSON.stringify([[null, code], ...maps])}`);
  if (shapes(ae.decoder.inputs) !== JSON.stringify([[null, code], ...maps])) problems.push(`decoder inputs ${shapes(ae.decoder.inputs)}, expected ${JSON.stringify([[null, code], ...maps])}`);
  const convs = ae.model.layers.filter((l) => l.getClassName() === 'Conv2D').length;
  if (convs !== 4) problems.push(`${String(convs)} Conv2D layers, expected 4 (two in the encoder, two in the decoder)`);
  if (ae.model.countParams() !== caeParams(f1, f2, code, skip)) problems.push(`${String(ae.model.countParams())} parameters, expected ${String(caeParams(f1, f2, code, skip))}`);
  return problems;
}

/** decoder(encoder(x)) against model(x) on a few seeded random images; also checks the outputs lie in (0, 1). */
function halvesAgree(ae: Autoencoder, seed: number): { gap: number; inUnit: boolean } {
  return tf.tidy(() => {
    const x = tf.randomUniform([3, 784], 0, 1, 'float32', seed);
    const whole = ae.model.predict(x) as tf.Tensor;
    const twice = ae.decoder.predict(asList(ae.encoder.predict(x))) as tf.Tensor;
    const y = whole.dataSync();
    return { gap: maxAbs(y, twice.dataSync()), inUnit: y.every((v) => v > 0 && v < 1) };
  });
}

/**
 * The README's forward pass recomputed from the model's weights, on flat images `x`: each layer found by
 * its kernel's shape (filters f₁ ≠ f₂, both > 1, so the shapes tell the layers apart). Max-pools of 2 × 2,
 * upsampling that repeats each pixel in a 2 × 2 block, ReLU on every convolution but the last (sigmoid),
 * none on the code. With `skip`, each decoder convolution sees the upsampled map concatenated with the
 * encoder map of its size; `mapsFirst` says, per concatenation, whether the encoder map comes first (the
 * order of the channels is the student's choice: the kernel just sees them permuted).
 */
function caeForward(ae: Autoencoder, x: tf.Tensor2D, f1: number, f2: number, skip: boolean, mapsFirst: [boolean, boolean] = [false, false]): tf.Tensor {
  const weighted = ae.model.layers.filter((l) => l.getWeights().length > 0);
  const find = (shape: number[]): tf.Tensor[] => {
    const layer = weighted.find((l) => JSON.stringify(l.getWeights()[0]!.shape) === JSON.stringify(shape));
    expect(layer, `a layer with a ${shape.join(' × ')} kernel (the README's architecture)`).toBeDefined();
    return layer!.getWeights();
  };
  const wide = skip ? 2 : 1;
  const [k1, k2, k3, k4] = [find([3, 3, 1, f1]), find([3, 3, f1, f2]), find([3, 3, wide * f2, f1]), find([3, 3, wide * f1, 1])];
  const code = ae.encoder.outputs[0]!.shape[1]!;
  const [wc, wg] = [find([49 * f2, code]), find([code, 49 * f2])];
  return tf.tidy(() => {
    const conv = (h: tf.Tensor4D, [w, b]: tf.Tensor[]): tf.Tensor4D => tf.add(tf.conv2d(h, w as tf.Tensor4D, 1, 'same'), b!);
    const pool = (h: tf.Tensor4D): tf.Tensor4D => tf.maxPool(h, 2, 2, 'valid');
    const up = (h: tf.Tensor4D): tf.Tensor4D => {
      const [n, r, c, ch] = h.shape;
      return tf.reshape(tf.tile(tf.reshape(h, [n, r, 1, c, 1, ch]), [1, 1, 2, 1, 2, 1]), [n, 2 * r, 2 * c, ch]);
    };
    const join = (u: tf.Tensor4D, e: tf.Tensor4D, eFirst: boolean): tf.Tensor4D => (!skip ? u : tf.concat(eFirst ? [e, u] : [u, e], 3));
    const n = x.shape[0];
    const e1 = tf.relu(conv(tf.reshape(x, [n, 28, 28, 1]), k1));
    const e2 = tf.relu(conv(pool(e1), k2));
    const z = tf.add<tf.Tensor2D>(tf.matMul(tf.reshape(pool(e2), [n, 49 * f2]), wc[0] as tf.Tensor2D), wc[1]!);
    const g = tf.reshape<tf.Rank.R4>(tf.relu(tf.add(tf.matMul(z, wg[0] as tf.Tensor2D), wg[1]!)), [n, 7, 7, f2]);
    const h = tf.relu(conv(join(up(g), e2, mapsFirst[0]), k3));
    return tf.reshape(tf.sigmoid(conv(join(up(h), e1, mapsFirst[1]), k4)), [n, 784]);
  });
}

/** Largest difference between model(x) and the README's forward pass on a few seeded random images (the best concatenation order with `skip`). */
function forwardGap(ae: Autoencoder, f1: number, f2: number, skip: boolean, seed: number): number {
  const x = tf.randomUniform<tf.Rank.R2>([3, 784], 0, 1, 'float32', seed);
  const theirs = ae.model.predict(x) as tf.Tensor;
  const orders: [boolean, boolean][] = skip ? [[false, false], [false, true], [true, false], [true, true]] : [[false, false]];
  const gap = Math.min(...orders.map((o) => {
    const mine = caeForward(ae, x, f1, f2, skip, o);
    const d = maxAbs(theirs.dataSync(), mine.dataSync());
    mine.dispose();
    return d;
  }));
  tf.dispose([x, theirs]);
  return gap;
}

const FORWARD_RULE = 'reshape 28×28×1 → conv 3×3 ReLU → 2×2 max-pool → conv 3×3 ReLU → 2×2 max-pool → dense code (linear); dense ReLU → reshape 7×7×f₂ → ' +
  'upsample (each pixel a 2×2 block) → conv 3×3 ReLU (at 14×14) → upsample → conv 3×3 sigmoid (at 28×28). Usual mistakes with the same parameters and shapes: ' +
  'the first decoder convolution after both upsamplings, average instead of max pooling, bilinear upsampling';

describe('cae: buildCae', () => {
  it('is conv-pool-conv-pool-dense down, dense-up-conv-up-conv up, with a sigmoid output: 28,369 parameters with the defaults', () => {
    const ae = buildCae({ seed: 1 });
    expect(shapeProblems(ae, 8, 16, 16, false)).toEqual([]);
    expect(ae.model.countParams()).toBe(28_369);
    const { gap, inUnit } = halvesAgree(ae, 2);
    expectAtMost(gap, 1e-5, 'decoder(encoder(x)): largest difference from model(x)', { rule: 'the encoder and the decoder are the model\'s two halves, sharing its layers: decoder(encoder(x)) = model(x)', strict: true });
    expect(inUnit, 'every output pixel in (0, 1)').toBe(true);
  });

  it('follows its options (filters [4, 6], a code of 5 units) and shares one set of weights between the model and its halves', () => {
    const ae = buildCae({ seed: 2, filters: [4, 6], code: 5 });
    expect(shapeProblems(ae, 4, 6, 5, false)).toEqual([]);
    const ids = new Set(ae.model.weights.map((w) => w.id));
    for (const w of [...ae.encoder.weights, ...ae.decoder.weights]) expect(ids.has(w.id), `${w.name} belongs to the model`).toBe(true);
    expect(ae.encoder.weights.length + ae.decoder.weights.length).toBe(ae.model.weights.length);
  });

  it('computes the README\'s forward pass: max-pools, each decoder convolution right after its upsampling (each pixel a 2 × 2 block), ReLU inside, sigmoid out', () => {
    const ae = buildCae({ seed: 7, filters: [4, 6], code: 5 });
    expectAtMost(forwardGap(ae, 4, 6, false, 8), 1e-5, 'model(x): largest difference from the README\'s forward pass recomputed from the weights', { rule: FORWARD_RULE, strict: true });
    ae.model.dispose();
  });

  it('is reproducible from its seed', () => {
    const weights = (seed: number): number[] => buildCae({ seed, filters: [2, 3], code: 2 }).model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(weights(5)).toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it('rejects a bottleneck of 0 units, 0 filters and a fractional seed with an ArgumentError', () => {
    buildCae({ seed: 1, code: 1, filters: [1, 1] });
    expect(() => buildCae({ seed: 1, code: 0 })).toThrow(ArgumentError);
    expect(() => buildCae({ seed: 1, filters: [0, 4] })).toThrow(ArgumentError);
    expect(() => buildCae({ seed: 1.5 })).toThrow(ArgumentError);
  });
});

describe('cae: buildCaeSkip', () => {
  it('outputs [code, e₂, e₁] from its encoder, takes them in its decoder, and has 29,593 parameters with the defaults', () => {
    const ae = buildCaeSkip({ seed: 1 });
    expect(shapeProblems(ae, 8, 16, 16, true)).toEqual([]);
    expect(ae.model.countParams()).toBe(29_593);
    const { gap, inUnit } = halvesAgree(ae, 3);
    expectAtMost(gap, 1e-5, 'decoder(encoder(x)): largest difference from model(x)', { rule: 'the encoder and the decoder are the model\'s two halves, sharing its layers: decoder(encoder(x)) = model(x)', strict: true });
    expect(inUnit).toBe(true);
  });

  it('follows its options (filters [3, 5], a code of 4 units), and its decoder uses both feature maps', () => {
    const ae = buildCaeSkip({ seed: 4, filters: [3, 5], code: 4 });
    expect(shapeProblems(ae, 3, 5, 4, true)).toEqual([]);
    tf.tidy(() => {
      const parts = asList(ae.encoder.predict(tf.randomUniform([2, 784], 0, 1, 'float32', 6)));
      const base = (ae.decoder.predict(parts) as tf.Tensor).dataSync();
      for (const i of [1, 2]) {
        const changed = parts.map((p, j) => (j === i ? tf.add(p, 1) : p));
        const out = (ae.decoder.predict(changed) as tf.Tensor).dataSync();
        expectAtLeast(maxAbs(base, out), 1e-4, `largest change of the decoder output when feature map ${String(i)} (decoder input ${String(i)}) changes`, {
          rule: 'the skip decoder concatenates each feature map with its upsampled path, so it depends on both', strict: true,
        });
      }
    });
  });

  it('computes the README\'s forward pass, each decoder convolution seeing [upsampled map ⧺ encoder map of its size] (either order of the channels)', () => {
    const ae = buildCaeSkip({ seed: 9, filters: [4, 6], code: 5 });
    expectAtMost(forwardGap(ae, 4, 6, true, 10), 1e-5, 'model(x): largest difference from the README\'s forward pass with skip connections, recomputed from the weights', {
      rule: `${FORWARD_RULE}; with skips, [up ⧺ e₂] → conv and [up ⧺ e₁] → conv, e₂ and e₁ the ReLU maps of the encoder's convolutions before their pools`, strict: true,
    });
    ae.model.dispose();
  });

  it('is reproducible from its seed: every layer with weights comes from layersOf', () => {
    const weights = (seed: number): number[] => buildCaeSkip({ seed, filters: [2, 3], code: 2 }).model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(weights(5), 'two skip models built with seed 5 (a layer made outside layersOf draws unseeded weights)').toEqual(weights(5));
    expect(weights(5)).not.toEqual(weights(6));
  });

  it('rejects a bottleneck of 0 units with an ArgumentError', () => {
    buildCaeSkip({ seed: 1, code: 1, filters: [1, 1] });
    expect(() => buildCaeSkip({ seed: 1, code: 0 })).toThrow(ArgumentError);
  });
});

/**
 * Test MSE of the reconstructions, and how far the reconstructions move when every image's code is
 * replaced by the code of the next image (its feature maps kept): mean over pixels of
 * (swapped − own reconstruction)², relative to the mean of (own reconstruction − mean image)² — the
 * share of the reconstruction's own variation that the code decides.
 */
function bypassScores(ae: Autoencoder, ex: Examples): { mse: number; codeShare: number } {
  return tf.tidy(() => {
    const x = tf.tensor2d(ex.x, [ex.count, ex.features]);
    const [code, ...maps] = asList(ae.encoder.predict(x, { batchSize: ex.count }));
    const own = ae.decoder.predict([code!, ...maps], { batchSize: ex.count }) as tf.Tensor;
    const other = tf.concat([code!.slice(1), code!.slice(0, 1)]);
    const swapped = ae.decoder.predict([other, ...maps], { batchSize: ex.count }) as tf.Tensor;
    const spread = tf.mean(tf.square(tf.sub(own, tf.mean(own, 0)))).dataSync()[0]!;
    return {
      mse: tf.mean(tf.square(tf.sub(own, x))).dataSync()[0]!,
      codeShare: tf.mean(tf.square(tf.sub(swapped, own))).dataSync()[0]! / spread,
    };
  });
}

/**
 * The bypass run: each model (seed 1, defaults) trained by trainAutoencoder for CAE_RUN on the first
 * 3,000 training digits (282 steps of batch 32), scored on the first 500 test digits. Reference solution
 * on wasm, seeds 1–5:
 *
 *   CAE       test MSE 0.0258 · 0.0316 · 0.0257 · 0.0247 · 0.0260   code share 2.002 · 2.010 · 2.001 · 2.001 · 2.009
 *   CAE-skip  test MSE 0.0007 · 0.0008 · 0.0007 · 0.0010 · 0.0008   code share 0.003 · 0.003 · 0.003 · 0.004 · 0.004
 *
 * A share near 2 means each reconstruction became the other digit's (two independent digits differ by
 * twice the spread); near 0, the code changes nothing. The wrong answers: a "skip" model whose decoder
 * ignores its maps is a CAE (share 2, far above 0.2); a collapsed CAE (every pixel 0, which Adam at
 * 10⁻² produced) scores MSE 0.113 and share NaN (its reconstructions do not vary), failing both; the
 * mean training digit, drawn for every test digit, scores MSE 0.067. The MSE
 * bounds leave 0.013 (CAE) and 0.009 (skip) above the worst seed; the runs are deterministic on a
 * backend, so a correct solution fails only if its backend's rounding moves a seed-1 result that far.
 */
const CAE_RUN = { seed: 1, epochs: 3, batchSize: 32, learningRate: 3e-3, digits: 3000 } as const;
const BOUNDS = {
  /** Test MSE of the plain CAE. */
  caeMse: 0.045,
  /** Test MSE of the skip model. */
  skipMse: 0.01,
  /** The plain CAE's reconstructions must depend on the code: swapping codes moves them by at least this share. */
  caeCodeShare: 0.5,
  /** The skip model's barely do. */
  skipCodeShare: 0.2,
} as const;

let skipScores: { mse: number; codeShare: number } | undefined;

describe('bypass: the trained autoencoders', () => {
  it(`CAE: test MSE ≤ ${String(BOUNDS.caeMse)}, and swapping the codes of two images swaps most of their reconstructions (share ≥ ${String(BOUNDS.caeCodeShare)})`, () => {
    const ae = buildCae({ seed: CAE_RUN.seed });
    const t0 = performance.now();
    trainAutoencoder(ae.model, first(train, CAE_RUN.digits), { ...CAE_RUN, progress: false });
    const s = bypassScores(ae, first(test, 500));
    console.log(`11 bypass CAE: test MSE ${s.mse.toFixed(4)}, code share ${s.codeShare.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expectAtMost(s.mse, BOUNDS.caeMse, 'CAE test MSE', { rule: 'the CAE trained as in the run reconstructs the test digits to the bound' });
    expectAtLeast(s.codeShare, BOUNDS.caeCodeShare, 'CAE code share (how much of the change in the reconstructions swapping the codes makes)', {
      rule: 'without skip connections everything passes through the code, so swapping codes swaps most of the reconstructions',
    });
    ae.model.dispose();
  });

  it(`CAE-skip: test MSE ≤ ${String(BOUNDS.skipMse)}, and swapping the codes barely changes the reconstructions (share ≤ ${String(BOUNDS.skipCodeShare)}): the skip connections bypass the bottleneck`, () => {
    const ae = buildCaeSkip({ seed: CAE_RUN.seed });
    const t0 = performance.now();
    trainAutoencoder(ae.model, first(train, CAE_RUN.digits), { ...CAE_RUN, progress: false });
    skipScores = bypassScores(ae, first(test, 500));
    console.log(`11 bypass CAE-skip: test MSE ${skipScores.mse.toFixed(4)}, code share ${skipScores.codeShare.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expectAtMost(skipScores.mse, BOUNDS.skipMse, 'CAE-skip test MSE', { rule: 'the skip connections carry the image around the bottleneck, so the reconstruction is near perfect' });
    expectAtMost(skipScores.codeShare, BOUNDS.skipCodeShare, 'CAE-skip code share (how much of the change in the reconstructions swapping the codes makes)', {
      rule: 'the skip connections bypass the bottleneck: swapping the codes barely changes the reconstructions',
    });
    ae.model.dispose();
  });
});
