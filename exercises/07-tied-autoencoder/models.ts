/**
 * Exercise 07, parts 2 and 5 — the CIFAR-size autoencoder and its weight-tied twin.
 *
 * Untied: x (inputSize) → 128 → 32 → 128 → inputSize, ReLU after every layer but the last, no output
 * activation. For CIFAR-10 (inputSize 3072) that is 797,984 parameters; for Fashion-MNIST (784) 209,968.
 *
 * Tied: the encoder is the same, Enc(x) = σ(W₂σ(W₁x + b₁) + b₂), and the decoder is its mirror image
 * built from the SAME two kernels, transposed, with biases of its own:
 *
 *     Dec(z) = W₁ᵀ σ(W₂ᵀ z + c₁) + c₂.
 *
 * Only the biases c₁ (128) and c₂ (inputSize) are new, so the tied model has 400,672 parameters for
 * CIFAR-10 (105,520 for Fashion-MNIST).
 *
 * tfjs stores a dense kernel as fanIn × units and computes x·K (a row vector times the kernel), so in
 * tfjs terms the encoder's first layer is x·K₁ (K₁ = W₁ᵀ, 3072 × 128) and the tied decoder's last layer
 * is h·K₁ᵀ.
 */
import { ArgumentError, KitError, NotImplemented } from '#kit/errors';
import { uniqueName } from '#kit/names';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';

export interface AutoencoderOptions {
  /** Seed for the kernel initialisers (any integer). */
  seed: number;
  /** Pixels per image: 3072 for CIFAR-10 (32×32×3), 784 for Fashion-MNIST (28×28). Default 3072. */
  inputSize?: number;
  /** Units of the hidden layers on both sides. Default 128. */
  hidden?: number;
  /** Units of the bottleneck. Default 32. */
  latent?: number;
}

/** What both models expose: the whole model and its two halves, sharing their layers. */
export interface Autoencoder {
  /** x → reconstruction, [batch, inputSize] → [batch, inputSize]. */
  readonly model: tf.LayersModel;
  /** x → code, [batch, inputSize] → [batch, latent]. */
  readonly encoder: tf.LayersModel;
  /** code → reconstruction, [batch, latent] → [batch, inputSize]. */
  readonly decoder: tf.LayersModel;
}

/** The options with defaults filled in, after checking them. */
export function resolveOptions(options: AutoencoderOptions): Required<AutoencoderOptions> {
  const resolved = { inputSize: 3072, hidden: 128, latent: 32, ...options };
  if (!Number.isInteger(resolved.seed)) {
    throw new ArgumentError(`The autoencoder's seed must be an integer, got ${String(resolved.seed)}. Pass e.g. { seed: 1 }.`);
  }
  for (const key of ['inputSize', 'hidden', 'latent'] as const) {
    const v = resolved[key];
    if (!Number.isInteger(v) || v < 1) {
      throw new ArgumentError(
        `The autoencoder's ${key} must be a whole number ≥ 1, got ${String(v)}. The homework uses inputSize 3072 ` +
          `(CIFAR-10) or 784 (Fashion-MNIST), hidden 128 and latent 32.`,
      );
    }
  }
  return resolved;
}

/** A Glorot-uniform initialiser seeded from `rng` (tfjs reads seed 0 as "unseeded", rng.seed() is never 0). */
export function seededInit(rng: Rng): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: rng.seed() });
}

/**
 * The untied autoencoder: four dense layers, ReLU after the first three, none after the last.
 * `model`, `encoder` and `decoder` share the same four layers (build them once, use the functional API
 * `tf.input` / `layer.apply` / `tf.model` to wire the three models).
 */
export function buildAutoencoder(options: AutoencoderOptions): Autoencoder {
  const { seed, inputSize, hidden, latent } = resolveOptions(options);
  // YOUR CODE HERE
  throw new NotImplemented('buildAutoencoder');
}

/** tfjs refuses two layers with the same name in one model: `base_N`, unique in this process (kept in #kit/names, shared with the other exercises). */
export { uniqueName };

/** The kernel (fanIn × units) of a built dense layer, as the variable itself (not a copy). */
export function kernelOf(layer: tf.layers.Layer): tf.LayerVariable {
  const kernel = layer.weights.find((w) => w.originalName.endsWith('kernel') || /kernel(_\d+)?$/.test(w.name));
  if (kernel === undefined || kernel.shape.length !== 2) {
    throw new KitError(
      `TiedDense: layer "${layer.name}" has no 2-D kernel to share${layer.built ? '' : ' (it is not built yet)'}. ` +
        `Tie the decoder to a dense layer of the encoder, and apply the encoder layer to an input before ` +
        `applying the tied layer, so that its kernel exists.`,
    );
  }
  return kernel;
}

export interface TiedDenseArgs {
  /** The encoder's dense layer whose kernel this layer reuses, transposed. */
  source: tf.layers.Layer;
  activation?: 'relu' | 'linear';
  name?: string;
}

/**
 * A dense layer without a kernel of its own: y = act(x·Kᵀ + c), where K (fanIn × units) is the kernel of
 * `source` — the variable itself, read at every call, so training either use of K trains both — and c is
 * this layer's own bias of length fanIn. Input [batch, units] → output [batch, fanIn]: it maps back
 * through `source`.
 */
export class TiedDense extends tf.layers.Layer {
  static readonly className = 'TiedDense';
  readonly source: tf.layers.Layer;
  readonly activationName: 'relu' | 'linear';
  private bias: tf.LayerVariable | undefined;

  constructor(args: TiedDenseArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.source = args.source;
    this.activationName = args.activation ?? 'linear';
  }

  /** Adds the layer's only weight: a bias of length fanIn (the source's input size), initialised to zeros. */
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const kernel = kernelOf(this.source);
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape[shape.length - 1] !== kernel.shape[1]) {
      throw new ArgumentError(
        `TiedDense "${this.name}": its input has ${String(shape[shape.length - 1])} features but the tied kernel of ` +
          `"${this.source.name}" has ${String(kernel.shape[1])} units; feed it the output of the layer it mirrors.`,
      );
    }
    // YOUR CODE HERE
    throw new NotImplemented('TiedDense.build');
    this.built = true;
  }

  /** act(x·Kᵀ + c) with K read from the source layer now (so it is the trained, shared value). */
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    // YOUR CODE HERE
    throw new NotImplemented('TiedDense.call');
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0] ?? null, kernelOf(this.source).shape[0]!];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), activation: this.activationName, source: this.source.name };
  }

  /** Shown by `summary()` from #kit/summary. */
  summaryNote(): string {
    return `kernel: ${this.source.name}'s, transposed`;
  }
}
tf.serialization.registerClass(TiedDense);

/**
 * The weight-tied autoencoder. The encoder is two dense layers with ReLU (inputSize → hidden → latent,
 * like the untied model); the decoder is two `TiedDense` layers tied to them in reverse order:
 * latent → hidden (tied to the bottleneck layer, ReLU), hidden → inputSize (tied to the first layer, no
 * activation). `model`, `encoder` and `decoder` share these four layers.
 */
export class TiedAutoencoder implements Autoencoder {
  readonly model: tf.LayersModel;
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;

  constructor(options: AutoencoderOptions) {
    const { seed, inputSize, hidden, latent } = resolveOptions(options);
    // YOUR CODE HERE
    throw new NotImplemented('TiedAutoencoder constructor');
  }
}
