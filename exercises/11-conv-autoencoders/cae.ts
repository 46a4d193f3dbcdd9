/**
 * Exercise 11, part 3 — convolutional autoencoders, with and without skip connections.
 *
 * The encoder is a small CNN (exercise 10) that ends in a dense code; the decoder runs it backwards:
 * a dense layer back to 7 × 7 feature maps, then "upsample ×2, convolve" twice up to 28 × 28. With skip
 * connections (U-Net), each decoder stage also receives the encoder's feature maps of its resolution,
 * concatenated to its own. Those maps carry the image at full detail past the bottleneck — so the
 * network can reconstruct without using its code at all.
 *
 *   x 28×28×1 ─ conv 3×3 f₁ ReLU ─ e₁ 28×28×f₁ ─ pool ─ conv 3×3 f₂ ReLU ─ e₂ 14×14×f₂ ─ pool ─ 7×7×f₂ ─ dense → code
 *   code ─ dense 7·7·f₂ ReLU ─ 7×7×f₂ ─ up ─ 14×14×f₂ [⧺ e₂] ─ conv 3×3 f₁ ReLU ─ up ─ 28×28×f₁ [⧺ e₁] ─ conv 3×3 1 sigmoid
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkSeed, checkUnits, PIXELS, uniqueName, type Autoencoder } from './latent.ts';

export interface CaeOptions {
  /** Seeds every kernel initialiser. */
  seed: number;
  /** Filters of the two encoder convolutions, f₁ and f₂; default [8, 16]. */
  filters?: readonly [number, number];
  /** Units of the code; default 16. */
  code?: number;
}

/** The options with defaults, checked (the images are 28 × 28 × 1: two 2 × 2 pools leave 7 × 7). */
export function caeConfig(fn: string, options: CaeOptions): { seed: number; filters: readonly [number, number]; code: number } {
  const o = { filters: [8, 16] as const, code: 16, ...options };
  checkSeed(fn, o.seed);
  if (!Array.isArray(o.filters) || o.filters.length !== 2) {
    throw new ArgumentError(`${fn}: filters must be two numbers [f1, f2] (one per encoder convolution), got ${JSON.stringify(o.filters)}.`);
  }
  checkUnits(fn, 'filters[0]', o.filters[0], 'filters of the first convolution');
  checkUnits(fn, 'filters[1]', o.filters[1], 'filters of the second convolution');
  checkUnits(fn, 'code', o.code, 'units of the bottleneck');
  return o;
}

type T = tf.SymbolicTensor;
type Init = ReturnType<typeof tf.initializers.heNormal>;

/** The layers both autoencoders share the shape of; `skip` widens the decoder's convolutions' inputs, nothing else. */
function layersOf(o: ReturnType<typeof caeConfig>): Record<'conv1' | 'conv2' | 'code' | 'grow' | 'conv3' | 'out', tf.layers.Layer> {
  const rng = new Rng(o.seed);
  const he = (): Init => tf.initializers.heNormal({ seed: rng.seed() });
  const glorot = (): Init => tf.initializers.glorotUniform({ seed: rng.seed() });
  const conv = (filters: number, activation: 'relu' | 'sigmoid', name: string, init: Init): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation, kernelInitializer: init, name: uniqueName(name) });
  const [f1, f2] = o.filters;
  return {
    conv1: conv(f1, 'relu', 'enc_conv1', he()),
    conv2: conv(f2, 'relu', 'enc_conv2', he()),
    code: tf.layers.dense({ units: o.code, kernelInitializer: glorot(), name: uniqueName('code') }),
    grow: tf.layers.dense({ units: 7 * 7 * f2, activation: 'relu', kernelInitializer: he(), name: uniqueName('dec_dense') }),
    conv3: conv(f1, 'relu', 'dec_conv', he()),
    out: conv(1, 'sigmoid', 'pixels', glorot()),
  };
}

/**
 * The plain convolutional autoencoder, drawn above without the [⧺ …] parts:
 *
 * - encoder: flat 784 → reshape 28×28×1 → conv 3×3 f₁ 'same' ReLU → max-pool 2 → conv 3×3 f₂ 'same'
 *   ReLU → max-pool 2 → flatten → dense `code` (no activation);
 * - decoder: code → dense 7·7·f₂ ReLU → reshape 7×7×f₂ → upSampling2d ×2 → conv 3×3 f₁ 'same' ReLU →
 *   upSampling2d ×2 → conv 3×3 1 'same' sigmoid → flatten 784.
 *
 * With the defaults (f = [8, 16], code 16) that is 28,369 parameters; the README counts them. The
 * layers come from `layersOf` (written for you: seeded initialisers, unique names); wire them with the
 * functional API into the three models of `Autoencoder`.
 */
export function buildCae(options: CaeOptions): Autoencoder {
  const o = caeConfig('buildCae', options);
  const L = layersOf(o);
  // YOUR CODE HERE
  throw new NotImplemented('buildCae');
}

/**
 * The same autoencoder with skip connections (U-Net style): the encoder also outputs its two
 * convolutions' ReLU maps e₂ (14×14×f₂, before the second pool) and e₁ (28×28×f₁, before the first),
 * and each upsampled decoder map is concatenated (`tf.layers.concatenate`, channels last) with the
 * encoder map of its size before the decoder's convolution: [up(7×7×f₂) ⧺ e₂] → conv f₁, and
 * [up(14×14×f₁) ⧺ e₁] → conv 1. Only those two convolutions grow (their inputs have twice the
 * channels): 29,593 parameters with the defaults.
 *
 * `encoder` outputs [code, e₂, e₁]; `decoder` takes the same three inputs in that order
 * (`tf.input` of shapes [code], [14, 14, f₂], [28, 28, f₁]), so that a test can hand it a different
 * code with the same maps.
 */
export function buildCaeSkip(options: CaeOptions): Autoencoder {
  const o = caeConfig('buildCaeSkip', options);
  const L = layersOf(o);
  // YOUR CODE HERE
  throw new NotImplemented('buildCaeSkip');
}
