/**
 * Exercise 11, part 4: corruption, denoising training and its evaluation. The noise is checked
 * statistically (intervals with false-failure rate 1e-6 each). trainDenoising is checked on a model
 * whose best answer is known in closed form: one weight and one bias shared by every pixel, whose
 * least-squares fit from noisy to clean pixels is the shrinkage a = v/(v + σ²) (v the pixels' variance),
 * while a model fed clean inputs, or scored against noisy targets, learns a = 1. The denoising threshold
 * trains your CAE; its bound and measurements are in the comment above DENOISE_RUN.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { expectMeanWithin, expectVarianceWithin, mean, variance } from '#kit/stats';
import { expectAtMost, expectClose } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { selectExamples, toExamples, type Examples } from '#kit/train';
import { buildCae } from './cae.ts';
import { corrupt, denoise, trainDenoising } from './denoise.ts';
import { mse, reconstruct } from './latent.ts';

let train: Examples;
let test: Examples;

beforeAll(async () => {
  await ready();
  train = toExamples(loadMnist('train'));
  test = toExamples(loadMnist('test'));
});

const first = (ex: Examples, n: number): Examples => selectExamples(ex, Int32Array.from({ length: Math.min(n, ex.count) }, (_, i) => i));

/** (noisy − clean)/σ: standard normal draws for a correct corrupt without clipping. */
const standardised = (noisy: Float32Array, clean: Float32Array, sigma: number): Float64Array => Float64Array.from(noisy, (v, i) => (v - clean[i]!) / sigma);

describe('denoise: corrupt', () => {
  it('adds Gaussian noise of standard deviation σ to every pixel (mean 0 and variance σ² of the added noise, intervals at α = 1e-6)', () => {
    const clean = first(test, 100).x;
    for (const sigma of [0.3, 0.05]) {
      const noisy = corrupt(clean, sigma, new Rng(1));
      expect(noisy.length).toBe(clean.length);
      const z = standardised(noisy, clean, sigma);
      // 78,400 draws: a variance of σ (not σ²) or σ⁴ is off by a factor 3.3 or more; the interval is ±2.5 %.
      expectMeanWithin(z, 0, { sigma: 1, what: `noise / σ for σ = ${String(sigma)}` });
      expectVarianceWithin(z, 1, { mean: 0, what: `variance of noise / σ for σ = ${String(sigma)}` });
    }
  });

  it('is reproducible from the rng, draws fresh noise from a fresh rng state, and leaves its input alone', () => {
    const clean = first(test, 3).x;
    const copy = clean.slice();
    const a = corrupt(clean, 0.3, new Rng(7));
    expect(Array.from(corrupt(clean, 0.3, new Rng(7)))).toEqual(Array.from(a));
    const rng = new Rng(7);
    corrupt(clean, 0.3, rng);
    expect(Array.from(corrupt(clean, 0.3, rng)), 'a second call on the same rng draws new noise').not.toEqual(Array.from(a));
    expect(Array.from(clean)).toEqual(Array.from(copy));
    expect(Array.from(corrupt(clean, 0, new Rng(1))), 'σ = 0 changes nothing').toEqual(Array.from(clean));
  });

  it('with clip, clips the same noisy pixels to [0, 1]', () => {
    const clean = first(test, 20).x;
    const raw = corrupt(clean, 0.3, new Rng(3));
    const clipped = corrupt(clean, 0.3, new Rng(3), true);
    expect(Math.min(...raw) < 0 && Math.max(...raw) > 1).toBe(true);
    expect(Array.from(clipped)).toEqual(Array.from(raw, (v) => Math.min(1, Math.max(0, v))));
  });

  it('rejects σ < 0 or not finite with an ArgumentError', () => {
    const clean = first(test, 1).x;
    corrupt(clean, 0.1, new Rng(1));
    expect(() => corrupt(clean, -0.1, new Rng(1))).toThrow(ArgumentError);
    expect(() => corrupt(clean, Number.NaN, new Rng(1))).toThrow(ArgumentError);
  });
});

/** y = a·x̃ + b for every pixel with one shared a and b: a Dense(1) applied to each pixel, a = 1, b = 0 at the start. */
function shrinkModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [784, 1], inputShape: [784] }),
      tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }),
      tf.layers.flatten(),
    ],
  });
}

/** The least-squares a and b from x + σz to x, pooled over the pixels of `ex`: a = v/(v + σ²), b = (1 − a)·m. */
function bestShrinkage(ex: Examples, sigma: number): { a: number; b: number } {
  const m = mean(ex.x);
  const v = variance(ex.x, m);
  const a = v / (v + sigma * sigma);
  return { a, b: (1 - a) * m };
}

/** The shrinkage run: 2,000 training digits, 10 epochs of batch 100 at Adam 10⁻², σ = 0.3. */
const SHRINK_RUN = { epochs: 10, batchSize: 100, learningRate: 1e-2, sigma: 0.3, digits: 2000 } as const;
/**
 * |a − a*| bound. Reference on wasm, seeds 1–5: a − a* = 0.0011 · 0.0005 · −0.0005 · −0.0009 · 0.0004
 * (a* = 0.5148 on these digits; after 3 epochs instead of 10, a was still 0.04 above it). The wrong
 * answers learn a ≈ 1 (clean inputs, or noisy targets): 0.49 away. 0.02 is ten times the largest
 * deviation measured and a twentieth of the distance to the wrong answer; the seeded run is
 * deterministic on a backend.
 */
const SHRINK_TOLERANCE = 0.02;

describe('denoise: trainDenoising', () => {
  it('trains on noisy inputs against clean targets: a per-pixel linear model learns the shrinkage a = v/(v + σ²), not a = 1', () => {
    const data = first(train, SHRINK_RUN.digits);
    const best = bestShrinkage(data, SHRINK_RUN.sigma);
    const model = shrinkModel();
    const history = trainDenoising(model, data, { seed: 1, ...SHRINK_RUN, progress: false });
    const [w, b] = model.getWeights().map((t) => t.dataSync()[0]!);
    console.log(`11 shrinkage: a = ${w!.toFixed(4)} (best ${best.a.toFixed(4)}), b = ${b!.toFixed(4)} (best ${best.b.toFixed(4)}), loss ${history.loss.map((l) => l.toFixed(4)).join(', ')}`);
    expect(history.loss).toHaveLength(SHRINK_RUN.epochs);
    expect(Math.abs(w! - best.a), `a = ${w!.toFixed(4)}, best ${best.a.toFixed(4)}; a ≈ 1 means the inputs were not noisy or the targets not clean`).toBeLessThanOrEqual(SHRINK_TOLERANCE);
    model.dispose();
  });

  it('is reproducible from its seed, another seed draws other noise, and it leaves no tensors behind', () => {
    const data = first(train, 200);
    const weightsAfter = (seed: number): number[] => {
      const m = shrinkModel();
      trainDenoising(m, data, { seed, epochs: 1, batchSize: 50, progress: false });
      const w = m.getWeights().map((t) => t.dataSync()[0]!);
      m.dispose();
      return w;
    };
    expect(weightsAfter(3)).toEqual(weightsAfter(3));
    expect(weightsAfter(3)).not.toEqual(weightsAfter(4));
    const m = shrinkModel();
    trainDenoising(m, data, { seed: 1, epochs: 1, batchSize: 50, progress: false });
    const before = tf.memory().numTensors;
    trainDenoising(m, data, { seed: 1, epochs: 2, batchSize: 50, progress: false });
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('rejects σ < 0 and images of the wrong size with an ArgumentError', () => {
    const m = shrinkModel();
    trainDenoising(m, first(train, 10), { seed: 1, epochs: 1, progress: false });
    expect(() => trainDenoising(m, first(train, 10), { seed: 1, sigma: -1, progress: false })).toThrow(ArgumentError);
    const wrong: Examples = { x: new Float32Array(4 * 100), count: 4, features: 100 };
    expect(() => trainDenoising(m, wrong, { seed: 1, progress: false })).toThrow(ArgumentError);
    m.dispose();
  });
});

/** A model that returns its input: it removes no noise at all. */
const identity = (): tf.LayersModel => tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [784] })] });

describe('denoise: denoise', () => {
  it("feeds the model the noisy images: a model that changes nothing scores MSE(denoised) = MSE(noisy) ≈ σ², not 0 (the seed's slip: denoising the clean images)", () => {
    const clean = first(test, 200);
    const r = denoise(identity(), clean, { seed: 5, sigma: 0.3 });
    expect(Array.from(r.noisy)).toEqual(Array.from(corrupt(clean.x, 0.3, new Rng(5))));
    expect(Array.from(r.denoised)).toEqual(Array.from(r.noisy));
    expectClose(r.denoisedMse, r.noisyMse, 0.5e-10 / Math.max(1, r.noisyMse), 'MSE(denoised) of an identity "denoiser"', {
      rule: 'denoise feeds the model the noisy images, so a model that changes nothing scores MSE(denoised) = MSE(noisy)',
      mistakes: [{ name: 'the clean images denoised (the seed\'s slip)', value: 0 }],
    });
    const want = mse(r.noisy, clean.x);
    expectClose(r.noisyMse, want, 0.5e-10 / Math.max(1, want), 'MSE(noisy)', { rule: 'noisyMse = mean over pixels of (noisy − clean)²' });
    // 156,800 squared N(0, 0.09) draws: mean 0.09 ± 4.89 · 0.09 · √(2/n) = 0.09 ± 0.0016 (α = 1e-6).
    expectMeanWithin(Float64Array.from(r.noisy, (v, i) => (v - clean.x[i]!) ** 2), 0.09, { sigma: 0.09 * Math.SQRT2, what: 'squared noise' });
  });

  it('corrupts with the seed and the clip it is given', () => {
    const clean = first(test, 5);
    const r = denoise(identity(), clean, { seed: 2, sigma: 0.2, clip: true });
    expect(Array.from(r.noisy)).toEqual(Array.from(corrupt(clean.x, 0.2, new Rng(2), true)));
    expect(() => denoise(identity(), clean, { seed: 2, sigma: -0.2 })).toThrow(ArgumentError);
  });
});

/**
 * The denoising run: your buildCae (seed 1, defaults) trained by your trainDenoising, σ = 0.3, no clip,
 * 3 epochs of batch 32 at Adam 3·10⁻³ on the first 3,000 training digits; scored by your denoise on the
 * first 500 test digits. Bound: MSE(denoised, clean) ≤ DENOISE_RATIO · MSE(noisy, clean). Reference on
 * wasm, seeds 1–5 (model and batch order; scored with noise seed 99 in the measurement, 11 here):
 * ratio 0.376 · 0.414 · 0.317 · 0.341 · 0.366, so 0.5 is 0.086 above the worst seed. Doing nothing
 * scores 1; a model that only learned the mean image scores about 0.75 (0.067 / 0.09). The homework's
 * slip (scoring the clean images) is caught by the identity test above, not here: its numbers, MSE of
 * the clean images through the same models, were 0.031–0.050.
 */
const DENOISE_RUN = { seed: 1, epochs: 3, batchSize: 32, learningRate: 3e-3, sigma: 0.3, digits: 3000 } as const;
const DENOISE_RATIO = 0.5;

describe('denoising: the trained denoiser', () => {
  it(`removes noise: MSE(denoised, clean) ≤ ${String(DENOISE_RATIO)} × MSE(noisy, clean) on test digits at σ = 0.3`, () => {
    const ae = buildCae({ seed: DENOISE_RUN.seed });
    const t0 = performance.now();
    trainDenoising(ae.model, first(train, DENOISE_RUN.digits), { ...DENOISE_RUN, progress: false });
    const clean = first(test, 500);
    const r = denoise(ae.model, clean, { seed: 11, sigma: DENOISE_RUN.sigma });
    const slip = mse(reconstruct(ae.model, clean), clean.x);
    console.log(
      `11 denoising: MSE(noisy) ${r.noisyMse.toFixed(4)}, MSE(denoised) ${r.denoisedMse.toFixed(4)} (ratio ${(r.denoisedMse / r.noisyMse).toFixed(3)}, ` +
        `bound ${String(DENOISE_RATIO)}); the clean images through the same model: ${slip.toFixed(4)}; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    expectAtMost(r.denoisedMse / r.noisyMse, DENOISE_RATIO, 'MSE(denoised) / MSE(noisy)', {
      rule: 'trained on noisy inputs against clean targets, the model removes at least half the noise\'s MSE',
      mistakes: [{ name: 'the clean images through the same model (the seed\'s slip)', value: slip / r.noisyMse }],
    });
    ae.model.dispose();
  });
});
