/**
 * Exercise 07, parts 2 and 5: the untied autoencoder and the weight-tied one. Parameter counts are exact;
 * forward passes are recomputed here from the models' own weights; weight sharing is checked by
 * perturbing a kernel and by comparing the gradient with the sum of its two paths.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { formatSummary, parameterCounts } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import { differing, expectAtLeast, expectAtMost } from '#kit/testing';
import { tensorMaxAbsDiff as maxAbsDiff, variableOf as variable } from '#kit/testing/models';
import { buildAutoencoder, TiedAutoencoder, TiedDense, type Autoencoder } from './models.ts';

beforeAll(async () => {
  await ready();
});

/** Untied: two mirrored halves of n·128 + 128 + 128·32 + 32 weights each side (257n + 8,480 in all). */
const untiedCount = (n: number, h = 128, k = 32): number => 2 * n * h + 2 * h * k + n + 2 * h + k;
/** Tied: the encoder's n·128 + 128 + 128·32 + 32, plus the decoder's two biases (128 and n). */
const tiedCount = (n: number, h = 128, k = 32): number => n * h + h * k + h + k + h + n;

const input = (rows: number, n: number, seed: number): tf.Tensor2D => tf.randomUniform([rows, n], 0, 1, 'float32', seed);

/** The encoder's two kernels and biases, in forward order, as the variables themselves. */
function encoderWeights(ae: Autoencoder): { k1: tf.LayerVariable; b1: tf.LayerVariable; k2: tf.LayerVariable; b2: tf.LayerVariable } {
  const [k1, b1, k2, b2] = ae.encoder.weights;
  expect(ae.encoder.weights, 'the encoder has two dense layers with biases').toHaveLength(4);
  return { k1: k1!, b1: b1!, k2: k2!, b2: b2! };
}

/** The weights the tied model has beyond its encoder's: the decoder's biases, hidden (128) first. */
function decoderBiases(ae: Autoencoder): { c1: tf.LayerVariable; c2: tf.LayerVariable } {
  const own = new Set(ae.encoder.weights.map((w) => w.id));
  const extra = ae.model.weights.filter((w) => !own.has(w.id));
  expect(extra.map((w) => w.shape.length), 'the decoder adds only 1-D weights (biases)').toEqual([1, 1]);
  const [a, b] = extra.sort((p, q) => p.shape[0]! - q.shape[0]!);
  return { c1: a!, c2: b! };
}

/** Dec(z) = K₁·relu(K₂·z + c₁) + c₂ in tfjs's row convention: z·K₂ᵀ then ·K₁ᵀ. */
function tiedDecode(z: tf.Tensor2D, k1: tf.Tensor, k2: tf.Tensor, c1: tf.Tensor, c2: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.relu(tf.matMul(z, k2, false, true).add(c1)).matMul(k1, false, true).add<tf.Tensor2D>(c2));
}

function encode(x: tf.Tensor2D, k1: tf.Tensor, b1: tf.Tensor, k2: tf.Tensor, b2: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.relu(tf.relu(x.matMul(k1).add(b1)).matMul(k2).add(b2)) as tf.Tensor2D);
}

describe('part 2: the untied autoencoder', () => {
  it('has 797,984 parameters for CIFAR-10 (3,072 inputs) and 209,968 for Fashion-MNIST (784): 257·n + 8,480', () => {
    const cifar = buildAutoencoder({ seed: 1 });
    expect(untiedCount(3072)).toBe(797_984);
    expect(parameterCounts(cifar.model).total).toBe(797_984);
    expect(formatSummary(cifar.model).split('\n').at(-1)).toBe('parameters: 797,984');
    expect(cifar.model.outputs[0]!.shape).toEqual([null, 3072]);
    expect(cifar.encoder.outputs[0]!.shape).toEqual([null, 32]);
    cifar.model.dispose();
    const fashion = buildAutoencoder({ seed: 1, inputSize: 784 });
    expect(parameterCounts(fashion.model).total).toBe(209_968);
    expect(parameterCounts(fashion.encoder).total + parameterCounts(fashion.decoder).total).toBe(209_968);
    fashion.model.dispose();
    const small = buildAutoencoder({ seed: 1, inputSize: 50, hidden: 9, latent: 4 });
    expect(parameterCounts(small.model).total).toBe(untiedCount(50, 9, 4));
    small.model.dispose();
  });

  it('computes W₄·relu(W₃·relu(W₂·relu(W₁x))) (ReLU after the first three layers, none after the last); encoder and decoder are its halves', () => {
    const ae = buildAutoencoder({ seed: 2, inputSize: 784 });
    const [k1, b1, k2, b2, k3, b3, k4, b4] = ae.model.weights.map((w) => w.read());
    expect(ae.model.weights.map((w) => w.shape.join('×'))).toEqual(['784×128', '128', '128×32', '32', '32×128', '128', '128×784', '784']);
    const x = input(16, 784, 3);
    const z = encode(x, k1!, b1!, k2!, b2!);
    const expected = tf.tidy(() => tf.relu(z.matMul(k3!).add(b3!)).matMul(k4!).add(b4!));
    const out = ae.model.predict(x) as tf.Tensor;
    const untied = { rule: 'the untied autoencoder: x → relu(W₁x + b₁) → relu(W₂· + b₂) = z → relu(W₃z + b₃) → W₄· + b₄, no activation on the output', strict: true };
    expectAtMost(maxAbsDiff(out, expected), 1e-5, 'model(x): largest difference from the homework forward pass', untied);
    expectAtMost(maxAbsDiff(ae.encoder.predict(x) as tf.Tensor, z), 1e-5, 'encoder(x): largest difference from relu(W₂ relu(W₁x + b₁) + b₂)', untied);
    expectAtMost(maxAbsDiff(ae.decoder.predict(z) as tf.Tensor, expected), 1e-5, 'decoder(encoder(x)): largest difference from the forward pass', untied);
    // No output activation: a linear last layer produces negative values for some pixels.
    expectAtMost(out.min().dataSync()[0]!, 0, 'the smallest output', { rule: 'the last layer is linear, so some outputs are negative; a ReLU or sigmoid on it never is', strict: true });
    tf.dispose([x, z, expected, out]);
    ae.model.dispose();
  });

  it('is reproducible with a seed and rejects bad sizes with an ArgumentError', () => {
    const a = buildAutoencoder({ seed: 5, inputSize: 784 });
    const b = buildAutoencoder({ seed: 5, inputSize: 784 });
    const c = buildAutoencoder({ seed: 6, inputSize: 784 });
    const first = (ae: Autoencoder): number[] => Array.from(ae.model.weights[0]!.read().dataSync());
    expect(differing(first(b), first(a)), 'weights that differ with the same seed').toBe(0);
    expect(differing(first(c), first(a)), 'weights that differ with another seed').toBeGreaterThan(0);
    for (const ae of [a, b, c]) ae.model.dispose();
    expect(() => buildAutoencoder({ seed: 1, inputSize: 0 })).toThrow(ArgumentError);
    expect(() => buildAutoencoder({ seed: 1, latent: 2.5 })).toThrow(ArgumentError);
  });
});

describe('part 5: TiedAutoencoder', () => {
  it('TiedDense owns only a bias (of the source\'s input size) and computes act(x·Kᵀ + c) with the source\'s kernel K', () => {
    const source = tf.layers.dense({ units: 6, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
    const x = tf.input({ shape: [10] });
    const h = source.apply(x) as tf.SymbolicTensor;
    const relu = new TiedDense({ source, activation: 'relu' });
    const back = relu.apply(h) as tf.SymbolicTensor;
    expect(relu.weights.map((w) => w.shape)).toEqual([[10]]);
    expect(back.shape).toEqual([null, 10]);
    const z = tf.input({ shape: [6] });
    const plain = new TiedDense({ source });
    const model = tf.model({ inputs: [x, z], outputs: [back, plain.apply(z) as tf.SymbolicTensor] });
    relu.weights[0]!.write(tf.randomNormal([10], 0, 0.5, 'float32', 2));
    plain.weights[0]!.write(tf.randomNormal([10], 0, 0.5, 'float32', 3));
    const xs = tf.randomNormal<tf.Rank.R2>([5, 10], 0, 1, 'float32', 4);
    const zs = tf.randomNormal<tf.Rank.R2>([5, 6], 0, 1, 'float32', 5);
    const [gotBack, gotPlain] = model.predict([xs, zs]) as tf.Tensor[];
    const [k, b] = source.getWeights();
    const hs = tf.tidy(() => xs.matMul(k!).add(b!));
    const wantBack = tf.tidy(() => tf.relu(tf.matMul(hs, k!, false, true).add(relu.weights[0]!.read())));
    const wantPlain = tf.tidy(() => tf.matMul(zs, k!, false, true).add(plain.weights[0]!.read()));
    const tiedDense = { rule: 'TiedDense(source) computes activation(h·Kᵀ + c): the source\'s kernel K transposed, its own bias c', strict: true };
    expectAtMost(maxAbsDiff(gotBack!, wantBack), 1e-5, 'TiedDense with ReLU: largest difference from relu(h·Kᵀ + c)', tiedDense);
    expectAtMost(maxAbsDiff(gotPlain!, wantPlain), 1e-5, 'TiedDense without activation: largest difference from z·Kᵀ + c', tiedDense);
    expectAtMost(gotPlain!.min().dataSync()[0]!, 0, 'the smallest output of TiedDense without activation', { rule: 'no activation by default: negative values stay', strict: true });
    tf.dispose([xs, zs, gotBack!, gotPlain!, hs, wantBack, wantPlain]);
    model.dispose();
  });

  it('has 400,672 parameters for CIFAR-10 and 105,520 for Fashion-MNIST: the encoder plus two decoder biases (129·n + 4,384)', () => {
    const cifar = new TiedAutoencoder({ seed: 1 });
    expect(tiedCount(3072)).toBe(400_672);
    expect(parameterCounts(cifar.model).total).toBe(400_672);
    expect(formatSummary(cifar.model).split('\n').at(-1)).toBe('parameters: 400,672');
    expect(cifar.model.outputs[0]!.shape).toEqual([null, 3072]);
    cifar.model.dispose();
    const fashion = new TiedAutoencoder({ seed: 1, inputSize: 784 });
    expect(parameterCounts(fashion.model).total).toBe(105_520);
    expect(parameterCounts(fashion.encoder).total).toBe(784 * 128 + 128 + 128 * 32 + 32);
    // tfjs's own count also sees each weight once: no layer reports the borrowed kernel as its own.
    expect(fashion.model.countParams()).toBe(105_520);
    fashion.model.dispose();
    const small = new TiedAutoencoder({ seed: 1, inputSize: 50, hidden: 9, latent: 4 });
    expect(parameterCounts(small.model).total).toBe(tiedCount(50, 9, 4));
    small.model.dispose();
  });

  it('the decoder\'s own weights are two trainable biases that start at zero: 105,520 trainable parameters for Fashion-MNIST, none frozen', () => {
    const ae = new TiedAutoencoder({ seed: 7, inputSize: 784 });
    const { c1, c2 } = decoderBiases(ae);
    const counts = parameterCounts(ae.model);
    expect(counts.trainable, 'trainable parameters (the decoder biases must train too)').toBe(105_520);
    expect(counts.nonTrainable, 'frozen parameters').toBe(0);
    for (const [name, c] of [['c₁', c1], ['c₂', c2]] as const) {
      expect(c.trainable, `${name} is trainable`).toBe(true);
      const values = c.read().dataSync();
      expectAtMost(Math.max(...Array.from(values, Math.abs)), 0, `largest |${name}| of a new model`, { rule: 'TiedDense\'s bias is initialised to zeros, like a dense layer\'s' });
    }
    ae.model.dispose();
  });

  it('decodes with the encoder\'s own kernels, transposed: Dec(z) = W₁ᵀ·relu(W₂ᵀz + c₁) + c₂, with separate decoder biases', () => {
    const ae = new TiedAutoencoder({ seed: 2, inputSize: 784 });
    const { k1, b1, k2, b2 } = encoderWeights(ae);
    const { c1, c2 } = decoderBiases(ae);
    expect([c1.shape, c2.shape]).toEqual([[128], [784]]);
    // Give the decoder biases values of their own, so that using the encoder's biases (or none) shows.
    c1.write(tf.randomNormal([128], 0, 0.1, 'float32', 7));
    c2.write(tf.randomNormal([784], 0, 0.1, 'float32', 8));
    const x = input(16, 784, 9);
    const z = encode(x, k1.read(), b1.read(), k2.read(), b2.read());
    const expected = tiedDecode(z, k1.read(), k2.read(), c1.read(), c2.read());
    const tied = { rule: 'the tied autoencoder: encoder z = relu(W₂ relu(W₁x + b₁) + b₂), decoder W₁ᵀ relu(W₂ᵀz + c₁) + c₂ with biases of its own', strict: true };
    expectAtMost(maxAbsDiff(ae.encoder.predict(x) as tf.Tensor, z), 1e-5, 'encoder(x): largest difference from relu(W₂ relu(W₁x + b₁) + b₂)', tied);
    expectAtMost(maxAbsDiff(ae.decoder.predict(z) as tf.Tensor, expected), 1e-5, 'decoder(z): largest difference from W₁ᵀ relu(W₂ᵀz + c₁) + c₂', tied);
    expectAtMost(maxAbsDiff(ae.model.predict(x) as tf.Tensor, expected), 1e-5, 'model(x): largest difference from decoder(encoder(x))', tied);
    tf.dispose([x, z, expected]);
    ae.model.dispose();
  });

  it('really shares the kernels: changing an encoder kernel changes the decoder\'s output for a fixed code', () => {
    const ae = new TiedAutoencoder({ seed: 3, inputSize: 784 });
    const { k1, k2 } = encoderWeights(ae);
    const { c1, c2 } = decoderBiases(ae);
    const z = tf.randomUniform<tf.Rank.R2>([8, 32], 0, 1, 'float32', 10);
    const before = ae.decoder.predict(z) as tf.Tensor;
    for (const kernel of [k1, k2]) {
      const original = kernel.read().clone();
      kernel.write(original.add(tf.randomNormal(original.shape, 0, 0.05, 'float32', 11)));
      const after = ae.decoder.predict(z) as tf.Tensor;
      expectAtLeast(maxAbsDiff(after, before), 1e-3, `largest change of the decoder output after perturbing the ${kernel.shape.join('×')} kernel`, {
        rule: 'the decoder reads the encoder\'s kernels (not copies of them made when it was built)', strict: true,
      });
      // And it changed to exactly what the perturbed kernel implies.
      const expected = tiedDecode(z, k1.read(), k2.read(), c1.read(), c2.read());
      expectAtMost(maxAbsDiff(after, expected), 1e-5, 'decoder output after the perturbation: largest difference from W₁ᵀ relu(W₂ᵀz + c₁) + c₂ with the new kernel', {
        rule: 'the decoder computes W₁ᵀ relu(W₂ᵀz + c₁) + c₂ with the encoder\'s current kernels', strict: true,
      });
      kernel.write(original);
      tf.dispose([after, expected]);
    }
    expectAtMost(maxAbsDiff(ae.decoder.predict(z) as tf.Tensor, before), 1e-6, 'decoder output with the kernels restored: largest difference from the first', {
      rule: 'the decoder\'s output depends only on the current kernels', strict: true,
    });
    tf.dispose([z, before]);
    ae.model.dispose();
  });

  it('the gradient of the reconstruction loss reaches each shared kernel through both uses: ∂L/∂W = encoder path + decoder path', () => {
    const ae = new TiedAutoencoder({ seed: 4, inputSize: 784 });
    const { k1, b1, k2, b2 } = encoderWeights(ae);
    const { c1, c2 } = decoderBiases(ae);
    const x = input(32, 784, 12);
    // One call outside any gradient tape first: state a layer creates lazily must not count as a path.
    tf.dispose(ae.model.predict(x));
    const lossOf = (out: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(out, x));
    // The student's model: gradient with respect to the kernel variables.
    const [v1, v2] = [variable(k1), variable(k2)];
    const { value, grads } = tf.variableGrads(() => lossOf(ae.model.apply(x) as tf.Tensor), [v1, v2]);
    const got1 = grads[v1.name]!;
    const got2 = grads[v2.name]!;
    // Here: the same function with the encoder's and the decoder's copies of each kernel as separate inputs
    // (clones: tf.grads would give one tensor passed twice the total gradient in both places).
    const [e1, e2, d1, d2] = tf.grads((a1: tf.Tensor, a2: tf.Tensor, t1: tf.Tensor, t2: tf.Tensor) =>
      lossOf(tiedDecode(encode(x, a1, b1.read(), a2, b2.read()), t1, t2, c1.read(), c2.read())),
    )([k1.read().clone(), k2.read().clone(), k1.read().clone(), k2.read().clone()]);
    const norm = (t: tf.Tensor): number => tf.tidy(() => tf.norm(t).dataSync()[0]!);
    for (const [name, got, enc, dec] of [['W₁', got1, e1!, d1!], ['W₂', got2, e2!, d2!]] as const) {
      // Both paths matter (so a model that used only one would fail), and the model's gradient is their sum.
      expectAtLeast(norm(dec), 0.05 * norm(enc), `${name}: ‖the decoder path's gradient‖ (against 5 % of the encoder path's)`, { rule: 'the fixture: both paths matter', strict: true });
      expectAtLeast(norm(enc), 0.05 * norm(dec), `${name}: ‖the encoder path's gradient‖ (against 5 % of the decoder path's)`, { rule: 'the fixture: both paths matter', strict: true });
      const sum = enc.add(dec);
      expectAtMost(norm(got.sub(sum)), 1e-3 * norm(sum), `${name}: ‖∂L/∂W − (encoder path + decoder path)‖ (against 1e-3 × ‖the sum‖)`, {
        rule: 'one shared variable used twice: its gradient is the sum over both uses (a decoder with its own copy, or a stopped gradient, gives one path only)', strict: true,
      });
      sum.dispose();
    }
    tf.dispose([x, value, got1, got2, e1!, e2!, d1!, d2!]);
    ae.model.dispose();
  });

  it('a decoder-only loss has a gradient on the encoder\'s first kernel (the decoder uses it)', () => {
    const ae = new TiedAutoencoder({ seed: 5, inputSize: 784 });
    const { k1 } = encoderWeights(ae);
    const z = tf.randomUniform([8, 32], 0, 1, 'float32', 13);
    const v1 = variable(k1);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(ae.decoder.apply(z) as tf.Tensor)), [v1]);
    const g = grads[v1.name]!;
    expectAtLeast(tf.tidy(() => tf.norm(g).dataSync()[0]!), 1e-4, '‖∂(decoder-only loss)/∂W₁‖', {
      rule: 'the decoder uses the encoder\'s first kernel (transposed), so a loss on the decoder alone has a gradient on it', strict: true,
    });
    tf.dispose([z, value, g]);
    ae.model.dispose();
  });

  it('is reproducible with a seed; bad sizes, and a TiedDense fed the wrong width, are ArgumentErrors', () => {
    const a = new TiedAutoencoder({ seed: 6, inputSize: 784 });
    const b = new TiedAutoencoder({ seed: 6, inputSize: 784 });
    const first = (ae: Autoencoder): number[] => Array.from(ae.model.weights[0]!.read().dataSync());
    expect(differing(first(b), first(a)), 'weights that differ with the same seed').toBe(0);
    a.model.dispose();
    b.model.dispose();
    expect(() => new TiedAutoencoder({ seed: 1, hidden: 0 })).toThrow(ArgumentError);
    const dense = tf.layers.dense({ units: 4 });
    dense.apply(tf.input({ shape: [6] }));
    expect(() => new TiedDense({ source: dense }).apply(tf.input({ shape: [5] }))).toThrow(ArgumentError);
  });
});
