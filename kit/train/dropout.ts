import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkFraction, checkInteger } from './checks.ts';

/**
 * Dropout whose masks are reproducible AND fresh at every step.
 *
 * tfjs's own `tf.layers.dropout` falls into one of two traps: without a seed it draws its mask seed
 * from the unseeded Math.random (two runs train differently), and with a seed it builds a new
 * generator from that same seed at every call, so every step drops the same units. This layer keeps
 * its own `Rng` (seeded once) and draws a fresh mask seed from it at every training call: the k-th
 * step's mask depends only on the seed and k.
 *
 * In inference (`model.predict`, or `apply` without `training: true`) it is the identity.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  readonly #rng: Rng;

  constructor(config: { rate: number; seed: number; name?: string }) {
    super(config.name === undefined ? {} : { name: config.name });
    checkFraction('rate', config.rate, 'fraction of units dropped in training');
    checkInteger('seed', config.seed, -(2 ** 31), 'dropout seed', 2 ** 31 - 1);
    this.rate = config.rate;
    this.seed = config.seed;
    this.#rng = new Rng(config.seed);
    this.supportsMasking = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
    return tf.dropout(x, this.rate, undefined, this.#rng.seed());
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/** A `SeededDropout` layer: `model.add(seededDropout({ rate: 0.2, seed: rng.seed() }))`. */
export function seededDropout(config: { rate: number; seed: number; name?: string }): SeededDropout {
  return new SeededDropout(config);
}

/**
 * Runs `fn` with Math.random replaced by a generator seeded with `seed`, then puts Math.random back.
 * For tests that must grade code reproducibly even when it (wrongly) relies on Math.random, e.g. an
 * unseeded tfjs dropout layer or initialiser. `fn` must be synchronous: anything else that ran in
 * between would draw from the seeded stream too.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  const rng = new Rng(seed);
  Math.random = () => rng.uniform();
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError('withSeededMathRandom: fn must be synchronous (it returned a Promise).');
    }
    return result;
  } finally {
    Math.random = original;
  }
}
