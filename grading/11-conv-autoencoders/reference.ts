/**
 * What the hidden tests of exercise 11 compute for themselves (the public tests hold their own copies):
 * the digits' covariance, its top-k subspace by subspace iteration, the largest principal angle of two
 * 2-D subspaces, the directions of a model's last dense kernel, the linear run of pca.test.ts, the
 * parameter count of the README's convolutional autoencoders, the bypass run with its bounds and
 * measurement (cae.test.ts) and a CAE with a transposed-convolution decoder, and the one-weight
 * shrinkage model.
 */
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { batches, trainStep, type Examples } from '#kit/train';
import { trainAutoencoder, type Autoencoder } from '../../exercises/11-conv-autoencoders/latent.ts';

const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
};

/** The covariance of `ex` (features × features), centred or not. */
export function covariance(ex: Examples, centre: boolean): Float64Array {
  const c = tf.tidy(() => {
    const x = tf.tensor2d(ex.x, [ex.count, ex.features]);
    const xc = centre ? tf.sub(x, tf.mean(x, 0)) : x;
    return tf.div(tf.matMul(xc, xc, true, false), ex.count);
  });
  const out = Float64Array.from(c.dataSync());
  c.dispose();
  return out;
}

function gramSchmidt(vs: Float64Array[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v0 of vs) {
    const v = Float64Array.from(v0);
    for (const q of out) {
      const s = dot(v, q);
      for (let i = 0; i < v.length; i++) v[i]! -= s * q[i]!;
    }
    const n = Math.sqrt(dot(v, v));
    out.push(v.map((x) => x / n));
  }
  return out;
}

/** Top-k eigenvectors of the symmetric d × d matrix `c` by 200 rounds of subspace iteration. */
export function topSubspace(c: Float64Array, d: number, k: number): Float64Array[] {
  const rng = new Rng(99);
  let q = gramSchmidt(Array.from({ length: k }, () => Float64Array.from(rng.normals(d))));
  for (let round = 0; round < 200; round++) {
    q = gramSchmidt(q.map((v) => Float64Array.from({ length: d }, (_, i) => dot(c.subarray(i * d, (i + 1) * d), v))));
  }
  return q;
}

/** The largest principal angle between two 2-D subspaces. */
export function largestAngle(a: Float64Array[], b: Float64Array[]): number {
  const [qa, qb] = [gramSchmidt(a), gramSchmidt(b)];
  const m = qa.map((u) => qb.map((v) => dot(u, v)));
  const [p, q, r] = [m[0]![0]! ** 2 + m[1]![0]! ** 2, m[0]![0]! * m[0]![1]! + m[1]![0]! * m[1]![1]!, m[0]![1]! ** 2 + m[1]![1]! ** 2];
  const smallest = (p + r) / 2 - Math.sqrt(((p - r) / 2) ** 2 + q * q);
  return Math.acos(Math.min(1, Math.sqrt(Math.max(0, smallest))));
}

/** The rows of a model's last dense kernel. */
export function lastKernelRows(model: tf.LayersModel): Float64Array[] {
  const w = model.layers.filter((l) => l.getClassName() === 'Dense').at(-1)!.getWeights()[0]!;
  const [k, n] = w.shape as [number, number];
  const data = w.dataSync();
  return Array.from({ length: k }, (_, r) => Float64Array.from(data.subarray(r * n, (r + 1) * n)));
}

/** The public linear run (pca.test.ts): two phases of batch 1,000. */
export const LINEAR_RUN = { phases: [{ epochs: 30, learningRate: 3e-2 }, { epochs: 5, learningRate: 3e-3 }], batchSize: 1000, digits: 8000 } as const;
export const MAX_ANGLE_DEGREES = 15;

export function trainLinearRun(model: tf.LayersModel, data: Examples, seed: number): void {
  LINEAR_RUN.phases.forEach((p, i) => {
    trainAutoencoder(model, data, { seed: seed + 100 * i, epochs: p.epochs, learningRate: p.learningRate, batchSize: LINEAR_RUN.batchSize, progress: false });
  });
}

/** Parameters of the README's convolutional autoencoder. */
export function caeParams(f1: number, f2: number, code: number, skip: boolean): number {
  const conv = (k: number, cin: number, cout: number): number => k * k * cin * cout + cout;
  const dense = (n: number, m: number): number => n * m + m;
  const wide = skip ? 2 : 1;
  return conv(3, 1, f1) + conv(3, f1, f2) + dense(49 * f2, code) + dense(code, 49 * f2) + conv(3, wide * f2, f1) + conv(3, wide * f1, 1);
}

/** y = a·x + b per pixel, one a and b for all: a = 1, b = 0 at the start. */
export function shrinkModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.reshape({ targetShape: [784, 1], inputShape: [784] }),
      tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }),
      tf.layers.flatten(),
    ],
  });
}

/** The public shrinkage run (denoise.test.ts). */
export const SHRINK_RUN = { epochs: 10, batchSize: 100, learningRate: 1e-2, sigma: 0.3, digits: 2000 } as const;

/** The public bypass run and bounds (cae.test.ts, where the measurements behind them are). */
export const CAE_RUN = { seed: 1, epochs: 3, batchSize: 32, learningRate: 3e-3, digits: 3000 } as const;
export const BYPASS_BOUNDS = { caeMse: 0.045, skipMse: 0.01, caeCodeShare: 0.5, skipCodeShare: 0.2 } as const;

/** cae.test.ts's measurement: test MSE, and the share of the reconstructions' variation that swapping codes moves. */
export function bypassScores(ae: Autoencoder, ex: Examples): { mse: number; codeShare: number } {
  return tf.tidy(() => {
    const x = tf.tensor2d(ex.x, [ex.count, ex.features]);
    const out = ae.encoder.predict(x, { batchSize: ex.count });
    const [code, ...maps] = Array.isArray(out) ? out : [out];
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
 * A CAE with another correct decoder, for the bypass control: `encoder` (buildCae's, one output: the
 * code) followed by code → dense 7·7·f₂ ReLU → reshape → conv2dTranspose 3×3 stride 2 f₁ ReLU →
 * conv2dTranspose 3×3 stride 2 1 sigmoid → flatten 784, in place of buildCae's "upsample, convolve".
 */
export function transposedCae(encoder: tf.LayersModel, seed: number, f1 = 8, f2 = 16): Autoencoder {
  const rng = new Rng(seed + 1000);
  const init = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: rng.seed() });
  const up = (filters: number, activation: 'relu' | 'sigmoid'): tf.layers.Layer =>
    tf.layers.conv2dTranspose({ filters, kernelSize: 3, strides: 2, padding: 'same', activation, kernelInitializer: init() });
  const layers = [tf.layers.dense({ units: 49 * f2, activation: 'relu', kernelInitializer: init() }), tf.layers.reshape({ targetShape: [7, 7, f2] }), up(f1, 'relu'), up(1, 'sigmoid'), tf.layers.flatten()];
  const z = tf.input({ shape: [encoder.outputs[0]!.shape[1]!] });
  const decoder = tf.model({ inputs: z, outputs: layers.reduce((h, l) => l.apply(h) as tf.SymbolicTensor, z) });
  const x = tf.input({ shape: [784] });
  return { model: tf.model({ inputs: x, outputs: decoder.apply(encoder.apply(x)) as tf.SymbolicTensor }), encoder, decoder };
}

/**
 * trainDenoising's documented recipe, written out: ONE `batches(train, { batchSize, seed })` iterated every
 * epoch (a fresh order each time), ONE `new Rng(seed)` drawn on for every batch through `corrupt` (the
 * student's, passed in: its own tests check it, and a sign convention of its noise must not fail this
 * item too), ONE Adam for the run, the MSE against the clean batch; returns the per-epoch loss weighted
 * by batch size.
 */
export function referenceDenoising(
  model: tf.LayersModel,
  train: Examples,
  o: { seed: number; epochs: number; batchSize: number; learningRate: number; sigma: number; clip?: boolean },
  corrupt: (pixels: Float32Array, sigma: number, rng: Rng, clip?: boolean) => Float32Array,
): number[] {
  const rng = new Rng(o.seed);
  const data = batches(train, { batchSize: Math.min(o.batchSize, train.count), seed: o.seed });
  const optimizer = tf.train.adam(o.learningRate);
  const losses: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    let sum = 0;
    for (const batch of data) {
      const clean = batch.x;
      const noisy = tf.tensor2d(corrupt(clean.dataSync() as Float32Array, o.sigma, rng, o.clip === true), clean.shape);
      sum += trainStep(model, optimizer, { ...batch, x: noisy }, { loss: (_, out) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(clean, out) }).loss * batch.size;
      noisy.dispose();
    }
    losses.push(sum / train.count);
  }
  optimizer.dispose();
  return losses;
}
