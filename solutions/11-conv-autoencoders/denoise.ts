/**
 * Exercise 11, part 4 — denoising.
 *
 * A denoising autoencoder sees a corrupted image x̃ = x + σ·z (z standard normal per pixel) and is
 * scored against the clean x. Copying its input now costs σ² per pixel, so even a model that could copy
 * (the skip model) has to learn what digits look like to do better. The homework's σ is 0.3.
 *
 * The evaluation must corrupt too: a denoiser shown the clean test images and compared with them
 * measures how well it reconstructs, not how well it denoises (a model that copies scores 0 there).
 */
import { ArgumentError } from '#kit/errors';
import { progress } from '#kit/progress';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, trainStep, type Examples } from '#kit/train';
import { checkImages, mse, reconstruct, trainConfig, type History, type TrainOptions } from './latent.ts';

/** The homework's noise level. */
export const SIGMA = 0.3;

function checkSigma(fn: string, sigma: unknown): asserts sigma is number {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) {
    throw new ArgumentError(`${fn}: sigma (the noise's standard deviation) must be a finite number ≥ 0, got ${String(sigma)}. The homework uses 0.3; 0 means no noise.`);
  }
}

/**
 * A corrupted copy of `pixels`: pixels[i] + sigma · z_i with z_i = `rng.normal()`, one draw per pixel
 * in order. With `clip`, each value is then clipped to [0, 1] (the range of real pixels; the noise's
 * spread shrinks a little near 0 and 1). Without, the noise is exactly Gaussian (the seed's choice).
 * The input is left unchanged.
 */
export function corrupt(pixels: Float32Array, sigma: number, rng: Rng, clip = false): Float32Array {
  checkSigma('corrupt', sigma);
  if (!(pixels instanceof Float32Array)) throw new ArgumentError('corrupt: pixels must be a Float32Array (e.g. images.x).');
  if (!(rng instanceof Rng)) throw new ArgumentError('corrupt: rng must be an Rng from #kit/rng, e.g. new Rng(1).');
  // BEGIN SOLUTION
  return pixels.map((p) => {
    const noisy = p + sigma * rng.normal();
    return clip ? Math.min(1, Math.max(0, noisy)) : noisy;
  });
  // END SOLUTION
}

export interface DenoisingOptions extends TrainOptions {
  /** Standard deviation of the noise; default 0.3. */
  sigma?: number;
  /** Clip the noisy images to [0, 1]; default false. */
  clip?: boolean;
}

/**
 * Trains `model` in place to remove noise: for every mini-batch of `batches(train, { batchSize, seed })`
 * (#kit/train), draw fresh noise with `corrupt(…, sigma, rng, clip)` (`rng = new Rng(seed)`, created
 * once), feed the noisy batch to the model and take an Adam step on the mean squared error between its
 * output and the *clean* batch. `trainStep(model, optimizer, { ...batch, x: noisy }, { loss })` does the
 * step when `loss` compares the output with the clean `batch.x`. Returns the per-epoch training loss
 * (batch losses weighted by batch size) and shows the progress line like `trainAutoencoder`.
 */
export function trainDenoising(model: tf.LayersModel, train: Examples, options: DenoisingOptions): History {
  const o = trainConfig('trainDenoising', options);
  const { sigma = SIGMA, clip = false } = options;
  checkSigma('trainDenoising', sigma);
  checkImages(model, train, 'trainDenoising');
  // BEGIN SOLUTION
  const rng = new Rng(o.seed);
  const data = batches(train, { batchSize: Math.min(o.batchSize, train.count), seed: o.seed });
  const optimizer = tf.train.adam(o.learningRate);
  const bar = o.progress === false ? undefined : progress({ title: o.progress, epochs: o.epochs, batchesPerEpoch: data.length });
  const history: History = { loss: [] };
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      let sum = 0;
      for (const batch of data) {
        const clean = batch.x;
        const noisy = tf.tensor2d(corrupt(clean.dataSync() as Float32Array, sigma, rng, clip), clean.shape);
        const step = trainStep(model, optimizer, { ...batch, x: noisy }, { loss: (_, out) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(clean, out) });
        noisy.dispose();
        sum += step.loss * batch.size;
        bar?.batch({ loss: step.loss });
      }
      history.loss.push(sum / train.count);
      bar?.epoch({ loss: history.loss[epoch]! });
    }
  } finally {
    bar?.done();
    optimizer.dispose();
  }
  return history;
  // END SOLUTION
}

export interface Denoised {
  /** The corrupted images the model was shown. */
  noisy: Float32Array;
  /** The model's outputs for them. */
  denoised: Float32Array;
  /** MSE(noisy, clean): what doing nothing scores. */
  noisyMse: number;
  /** MSE(denoised, clean). */
  denoisedMse: number;
}

/**
 * Evaluates a denoiser on `clean` images: corrupt them with `corrupt(clean.x, sigma, new Rng(seed), clip)`,
 * run the model on the noisy images (`reconstruct`), and compare both with the clean ones (`mse`).
 */
export function denoise(model: tf.LayersModel, clean: Examples, options: { sigma?: number; seed: number; clip?: boolean }): Denoised {
  const { sigma = SIGMA, seed, clip = false } = options;
  checkSigma('denoise', sigma);
  checkImages(model, clean, 'denoise');
  if (!Number.isInteger(seed)) throw new ArgumentError(`denoise: seed must be an integer, got ${String(seed)}.`);
  // BEGIN SOLUTION
  const noisy = corrupt(clean.x, sigma, new Rng(seed), clip);
  const denoised = reconstruct(model, { ...clean, x: noisy });
  return { noisy, denoised, noisyMse: mse(noisy, clean.x), denoisedMse: mse(denoised, clean.x) };
  // END SOLUTION
}
