/**
 * The homework run of exercise 11, once your functions pass their tests:
 *
 *     npm run conv-autoencoders                 # every model for --epochs (default 5), then the figures
 *     npm run conv-autoencoders -- --epochs 2   # a quick look
 *
 * Trains, on the training digits: the dense autoencoder with a 2-D code, the linear autoencoder next
 * to PCA, the convolutional autoencoder with and without skip connections, and the convolutional
 * autoencoder as a denoiser (σ = 0.3). Prints the test MSEs, the principal angles, what happens when
 * the code is replaced by another image's, the denoising scores, and saves to
 * out/figures/11-conv-autoencoders/: reconstructions.png, denoising.png, latent.png and latent.html.
 */
import { parseArgs } from 'node:util';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { runMain } from '#kit/report';
import { summary } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import { toExamples } from '#kit/train';
import { buildCae, buildCaeSkip } from './cae.ts';
import { denoise, SIGMA, trainDenoising } from './denoise.ts';
import { comparisonPanel, denoisingPanel, saveFigures } from './figures.ts';
import { buildDenseAe, embed, mse, reconstruct, trainAutoencoder, type Autoencoder } from './latent.ts';
import { buildLinearAe, decoderDirections, pca, principalAngles } from './pca.ts';

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`--${name} must be a whole number ≥ 1, got "${value}".`);
  return n;
}

/** Test MSE when every image's code is replaced by the code of the next image (its maps kept). */
function swappedCodeMse(ae: Autoencoder, test: ReturnType<typeof toExamples>): number {
  const out = tf.tidy(() => {
    const x = tf.tensor2d(test.x, [test.count, test.features]);
    const parts = ae.encoder.predict(x, { batchSize: 500 });
    const [code, ...maps] = Array.isArray(parts) ? parts : [parts];
    const other = tf.concat([code!.slice(1), code!.slice(0, 1)]);
    return ae.decoder.predict([other, ...maps], { batchSize: 500 }) as tf.Tensor;
  });
  const value = mse(out.dataSync(), test.x);
  out.dispose();
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string' }, seed: { type: 'string' } } });
  const epochs = integerOption(values.epochs, 'epochs', 5);
  const seed = integerOption(values.seed, 'seed', 1);
  await ready();
  const trainSet = loadMnist('train');
  console.log(`Data: ${trainSet.description}.\n`);
  const train = toExamples(trainSet);
  const test = toExamples(loadMnist('test'));
  // The recipes the tests measured: batch 128 at Adam 3e-3 for the dense model, batch 32 at 3e-3 for the
  // convolutional ones (5e-3 once left the skip model with every output pixel at 0); the linear one
  // needs big batches and two phases to settle on its subspace.
  const fit = (ae: Autoencoder, title: string, options: { batchSize: number; learningRate: number }): void => {
    summary(ae.model, { title });
    trainAutoencoder(ae.model, train, { seed, epochs, ...options, progress: title });
    console.log(`${title}: test MSE ${mse(reconstruct(ae.model, test), test.x).toFixed(4)}\n`);
  };
  const conv = { batchSize: 32, learningRate: 3e-3 };

  const dense = buildDenseAe({ seed });
  fit(dense, 'dense AE, 2-D code', { batchSize: 128, learningRate: 3e-3 });

  const k = 2;
  const linear = buildLinearAe({ seed, code: k });
  summary(linear.model, { title: `linear AE, k = ${String(k)}` });
  trainAutoencoder(linear.model, train, { seed, epochs: 30, batchSize: 1000, learningRate: 3e-2, progress: 'linear AE, phase 1' });
  trainAutoencoder(linear.model, train, { seed: seed + 100, epochs: 5, batchSize: 1000, learningRate: 3e-3, progress: 'linear AE, phase 2' });
  const angles = principalAngles(decoderDirections(linear), pca(train, k).components);
  console.log(`Principal angles between the linear AE's decoder and the top-${String(k)} PCA subspace: ${angles.map((a) => ((a * 180) / Math.PI).toFixed(1)).join('°, ')}°\n`);

  const cae = buildCae({ seed });
  fit(cae, 'CAE', conv);
  const skip = buildCaeSkip({ seed });
  fit(skip, 'CAE with skip connections', conv);
  for (const [name, ae] of [['CAE', cae], ['CAE-skip', skip]] as const) {
    console.log(`${name}: test MSE with every code swapped for the next image's: ${swappedCodeMse(ae, test).toFixed(4)}`);
  }

  const denoiser = buildCae({ seed });
  summary(denoiser.model, { title: `CAE denoiser, σ = ${String(SIGMA)}` });
  trainDenoising(denoiser.model, train, { seed, epochs, sigma: SIGMA, ...conv, progress: 'CAE denoiser' });
  const result = denoise(denoiser.model, test, { seed, sigma: SIGMA });
  console.log(`\nDenoising σ = ${String(SIGMA)}: MSE(noisy, clean) ${result.noisyMse.toFixed(4)}, MSE(denoised, clean) ${result.denoisedMse.toFixed(4)} (${((100 * result.denoisedMse) / result.noisyMse).toFixed(0)} %)`);

  const shown = [0, 1, 2, 3, 4, 5, 6, 7];
  const files = await saveFigures({
    comparison: comparisonPanel(test, [{ name: 'AE (2-D)', model: dense.model }, { name: 'CAE', model: cae.model }, { name: 'CAE-skip', model: skip.model }], shown),
    denoising: denoisingPanel(test, result, shown),
    codes: embed(dense, test),
    labels: test.labels!,
  });
  for (const f of files) console.log(`Saved ${f}`);
}

await runMain(main);
