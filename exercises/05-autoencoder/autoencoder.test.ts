/**
 * Exercise 05, tasks 1, 2 and 4: the data, the architecture, reconstructions and the figure.
 * Everything here is exact (integer counts, float32 arithmetic compared with tolerances far above
 * rounding error); training is in training.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadFashionMnist, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { parameterCounts, summary } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import type { Examples } from '#kit/train';
import { differing, expectAtLeast, expectAtMost } from '#kit/testing';
import { buildAutoencoder, prepareData, reconstruct, type DenseAutoencoder } from './autoencoder.ts';
import { reconstructionFigure, reconstructionPanel } from './reconstructions.ts';

let test: ImageDataset;

beforeAll(async () => {
  await ready();
  test = loadFashionMnist('test');
});

/** A 2-image 2×3 RGB dataset with known bytes. */
function fixture(): ImageDataset {
  const images = Uint8Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
  return { images, labels: Uint8Array.from([3, 1]), count: 2, rows: 2, cols: 3, channels: 3 };
}

/** Rows `from..to` of the test images, scaled by the test itself (not by prepareData). */
function testRows(from: number, to: number): Examples {
  const x = Float32Array.from(test.images.subarray(from * 784, to * 784), (b) => b / 255);
  return { x, count: to - from, features: 784 };
}

/** The dense layers' kernels and biases in forward order, checked against the homework's shapes. */
function denseWeights(model: tf.LayersModel): { kernel: tf.Tensor2D; bias: tf.Tensor1D }[] {
  const weights = model.weights.map((w) => w.read());
  const out: { kernel: tf.Tensor2D; bias: tf.Tensor1D }[] = [];
  for (let i = 0; i < weights.length; i += 2) out.push({ kernel: weights[i] as tf.Tensor2D, bias: weights[i + 1] as tf.Tensor1D });
  return out;
}

/** The homework's forward pass, computed here from the model's own weights. */
function referenceForward(model: tf.LayersModel, x: tf.Tensor2D): { code: tf.Tensor2D; output: tf.Tensor2D } {
  return tf.tidy(() => {
    const [l1, l2, l3, l4] = denseWeights(model);
    const code = tf.relu(tf.relu(x.matMul(l1!.kernel).add(l1!.bias)).matMul(l2!.kernel).add(l2!.bias)) as tf.Tensor2D;
    const output = tf.sigmoid(tf.relu(code.matMul(l3!.kernel).add(l3!.bias)).matMul(l4!.kernel).add(l4!.bias)) as tf.Tensor2D;
    return { code, output };
  });
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]!);
const disposeAll = (ae: DenseAutoencoder): void => {
  ae.model.dispose();
};

describe('task 1: prepareData', () => {
  it('flattens the 10,000 test images to rows of 784 pixels, each byte / 255 (so in [0, 1], not centred, not / 256)', () => {
    const ex = prepareData(test);
    expect(ex.count).toBe(10_000);
    expect(ex.features).toBe(784);
    expect(ex.x).toBeInstanceOf(Float32Array);
    expect(ex.x.length).toBe(10_000 * 784);
    let wrong = 0;
    for (let i = 0; i < ex.x.length; i++) if (ex.x[i] !== Math.fround(test.images[i]! / 255)) wrong++;
    expect(wrong, 'pixels that are not byte / 255 in the dataset order').toBe(0);
    expect(Math.max(...ex.x.subarray(0, 784 * 20))).toBe(1);
    expect(Math.min(...ex.x.subarray(0, 784 * 20))).toBe(0);
  });

  it('works for any image size (2×3 RGB: 18 features per row) and rejects an empty dataset (ArgumentError)', () => {
    const d = fixture();
    const ex = prepareData(d);
    expect(ex.features).toBe(18);
    expect(ex.count).toBe(2);
    expect(Array.from(ex.x)).toEqual(Array.from(d.images, (b) => Math.fround(b / 255)));
    expect(() => prepareData({ ...d, images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 })).toThrow(ArgumentError);
  });
});

describe('task 2: buildAutoencoder', () => {
  // Built by the first test that needs it (not in beforeAll: a stub's NotImplemented must fail each test).
  let built: DenseAutoencoder | undefined;
  const ae = (): DenseAutoencoder => (built ??= buildAutoencoder({ seed: 1 }));
  afterAll(() => {
    if (built !== undefined) disposeAll(built);
  });

  it('has exactly 218,192 parameters: 108,672 in the encoder and 109,520 in the decoder, shared with the model', () => {
    const lines: string[] = [];
    const text = summary(ae().model, { print: (l) => lines.push(l) });
    expect(text.split('\n').at(-1)).toBe('parameters: 218,192');
    expect(parameterCounts(ae().model)).toEqual({ total: 218_192, trainable: 218_192, nonTrainable: 0 });
    expect(parameterCounts(ae().encoder).total).toBe(784 * 128 + 128 + 128 * 64 + 64);
    expect(parameterCounts(ae().decoder).total).toBe(64 * 128 + 128 + 128 * 784 + 784);
    // The halves use the model's own weight variables, not copies.
    const ids = (m: tf.LayersModel): number[] => m.weights.map((w) => w.id).sort((a, b) => a - b);
    expect(ids(ae().model)).toEqual([...ids(ae().encoder), ...ids(ae().decoder)].sort((a, b) => a - b));
  });

  it('is 784 → 128 → 64 → 128 → 784: kernels and biases of those shapes, in that order', () => {
    const shapes = ae().model.weights.map((w) => w.shape.join('×'));
    expect(shapes).toEqual(['784×128', '128', '128×64', '64', '64×128', '128', '128×784', '784']);
    expect(ae().encoder.outputs[0]!.shape).toEqual([null, 64]);
    expect(ae().decoder.inputs[0]!.shape).toEqual([null, 64]);
    expect(ae().model.outputs[0]!.shape).toEqual([null, 784]);
  });

  it('computes sigmoid(W₄ relu(W₃ z)) with z = relu(W₂ relu(W₁ x)): ReLU after each of the first three layers, sigmoid last', () => {
    const x = tf.tensor2d(testRows(0, 64).x, [64, 784]);
    const ref = referenceForward(ae().model, x);
    const output = ae().model.predict(x) as tf.Tensor2D;
    const code = ae().encoder.predict(x) as tf.Tensor2D;
    const decoded = ae().decoder.predict(code) as tf.Tensor2D;
    const forward = { rule: 'x → relu(W₁x + b₁) → relu(W₂· + b₂) = z → relu(W₃z + b₃) → sigmoid(W₄· + b₄): ReLU after each of the first three layers, sigmoid last', strict: true };
    expectAtMost(maxAbsDiff(code, ref.code), 1e-5, 'encoder output: largest difference from relu(W₂ relu(W₁x + b₁) + b₂)', forward);
    expectAtMost(maxAbsDiff(output, ref.output), 1e-5, 'model output: largest difference from the homework forward pass', forward);
    expectAtMost(maxAbsDiff(decoded, output), 1e-6, 'decoder(encoder(x)): largest difference from model(x)', {
      rule: 'the encoder and the decoder are the two halves of the model, sharing its layers (not copies)', strict: true,
    });
    // The bottleneck is a ReLU output: never negative, and (at initialisation) often exactly 0.
    const codes = code.dataSync();
    expectAtLeast(Math.min(...codes), 0, 'the smallest code value', { rule: 'the bottleneck is a ReLU output, never negative' });
    expectAtLeast(codes.filter((v) => v === 0).length, codes.length / 10, `code values exactly 0 (of ${String(codes.length)})`, {
      rule: 'the bottleneck is a ReLU output: at initialisation many of its values are exactly 0', strict: true,
    });
    tf.dispose([x, ref.code, ref.output, output, code, decoded]);
  });

  it('outputs lie strictly inside (0, 1), even for inputs far outside [0, 1] (sigmoid output)', () => {
    const x = tf.randomNormal([32, 784], 0, 3, 'float32', 5);
    const y = (ae().model.predict(x) as tf.Tensor).dataSync();
    const sigmoid = { rule: 'a sigmoid on the output keeps every value strictly inside (0, 1); without it values leave the interval', strict: true };
    expectAtLeast(Math.min(...y), 0, 'the smallest output for inputs ~ N(0, 9)', sigmoid);
    expectAtMost(Math.max(...y), 1, 'the largest output for inputs ~ N(0, 9)', sigmoid);
    x.dispose();
  });

  it('is reproducible: the same seed builds the same weights, another seed other weights; a bad seed is an ArgumentError', () => {
    const again = buildAutoencoder({ seed: 1 });
    const other = buildAutoencoder({ seed: 2 });
    const first = (m: tf.LayersModel): Float32Array => m.weights[0]!.read().dataSync() as Float32Array;
    expect(differing(first(again.model), first(ae().model)), 'weights that differ with the same seed').toBe(0);
    expect(differing(first(other.model), first(ae().model)), 'weights that differ with another seed').toBeGreaterThan(0);
    disposeAll(again);
    disposeAll(other);
    expect(() => buildAutoencoder({ seed: 1.5 })).toThrow(ArgumentError);
  });
});

describe('task 4: reconstructions and the figure', () => {
  // A small stand-in autoencoder built here, so these points do not depend on task 2.
  let model: tf.LayersModel;
  beforeAll(() => {
    const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed });
    model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, inputShape: [784], activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(2) }),
      ],
    });
  });
  afterAll(() => {
    model.dispose();
  });
  const ae = (): { model: tf.LayersModel } => ({ model });

  it('reconstruct returns count × 784 numbers equal to model.predict, in order, in chunks, leaving no tensors behind', () => {
    const ex = testRows(0, 2500);
    const before = tf.memory().numTensors;
    const y = reconstruct(ae().model, ex, 1000);
    expect(tf.memory().numTensors).toBe(before);
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(2500 * 784);
    const out = tf.tidy(() => ae().model.predict(tf.tensor2d(ex.x, [2500, 784]), { batchSize: 2500 }) as tf.Tensor);
    // Read outside tidy: tidy would search a returned Float32Array for tensors, element by element.
    const expected = out.dataSync();
    out.dispose();
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - expected[i]!));
    expectAtMost(worst, 1e-6, 'reconstruct in chunks: largest difference from model.predict on all 2,500 rows at once', {
      rule: 'reconstruct returns model(x) for every row, in row order, whatever the chunk size', strict: true,
    });
    // The default chunk gives the same numbers.
    expect(reconstruct(ae().model, testRows(0, 3)).slice(0, 784)).toEqual(y.slice(0, 784));
  });

  it('reconstruct makes one forward pass per chunk of at most `chunk` rows (predict with batchSize = the chunk\'s rows, not tfjs\'s default of 32)', () => {
    // A spy on the first layer (it calls through): the rows of every forward pass.
    const spy = vi.spyOn(ae().model.layers[0]!, 'call');
    let passes: number[];
    try {
      reconstruct(ae().model, testRows(0, 250), 100);
      passes = spy.mock.calls.map(([inputs]) => [inputs].flat()[0]!.shape[0]);
    } finally {
      spy.mockRestore();
    }
    expect(passes, 'rows of each forward pass through the first layer for 250 rows in chunks of 100 (predict\'s default batch size gives passes of 32)').toEqual([100, 100, 50]);
  });

  it('reconstruct rejects images of the wrong size with an ArgumentError that says what the model takes', () => {
    expect(reconstruct(ae().model, testRows(0, 1)).length).toBe(784);
    const wrong: Examples = { x: new Float32Array(2 * 3072), count: 2, features: 3072 };
    expect(() => reconstruct(ae().model, wrong)).toThrow(ArgumentError);
    expect(() => reconstruct(ae().model, wrong)).toThrow(/784/);
  });

  it('reconstructionPanel puts the originals in the top row and each reconstruction directly below its original, labelled', () => {
    const ex = testRows(0, 20);
    const panel = reconstructionPanel(ae().model, ex, [3, 8]);
    expect(panel.columns).toBe(2);
    expect(panel.range).toEqual([0, 1]);
    expect(panel.title.length).toBeGreaterThan(0);
    expect(panel.images).toHaveLength(4);
    const rebuilt = reconstruct(ae().model, ex);
    const row = (a: Float32Array, i: number): number[] => Array.from(a.subarray(i * 784, (i + 1) * 784));
    const [o1, o2, r1, r2] = panel.images;
    for (const img of panel.images) {
      expect([img.rows, img.cols]).toEqual([28, 28]);
      expect(img.pixels.length).toBe(784);
    }
    expect(Array.from(o1!.pixels)).toEqual(row(ex.x, 3));
    expect(Array.from(o2!.pixels)).toEqual(row(ex.x, 8));
    const close = (a: ArrayLike<number>, b: number[]): number => Math.max(...b.map((v, i) => Math.abs(v - a[i]!)));
    expect(close(r1!.pixels, row(rebuilt, 3)), 'below original #3: its reconstruction').toBeLessThan(1e-6);
    expect(close(r2!.pixels, row(rebuilt, 8)), 'below original #8: its reconstruction').toBeLessThan(1e-6);
    expect(o1!.label).toMatch(/original/i);
    expect(o1!.label).toContain('3');
    expect(o2!.label).toContain('8');
    expect(r1!.label).toMatch(/reconstruct/i);
    expect(r1!.label).toContain('3');
    expect(r2!.label).toContain('8');
    expect(new Set(panel.images.map((i) => i.label)).size).toBe(4);
  });

  it('shows two different test images by default, and its pixels are copies (editing the panel leaves the data alone)', () => {
    const ex = testRows(0, 5);
    const panel = reconstructionPanel(ae().model, ex);
    expect(panel.columns).toBe(2);
    expect(panel.images).toHaveLength(4);
    expect(Array.from(panel.images[0]!.pixels)).toEqual(Array.from(ex.x.subarray(0, 784)));
    expect(Array.from(panel.images[1]!.pixels)).toEqual(Array.from(ex.x.subarray(784, 2 * 784)));
    panel.images[0]!.pixels[0] = 42;
    expect(ex.x[0]).not.toBe(42);
  });

  it('rejects repeated or out-of-range indices with an ArgumentError', () => {
    const ex = testRows(0, 5);
    expect(reconstructionPanel(ae().model, ex, [4]).images).toHaveLength(2);
    expect(() => reconstructionPanel(ae().model, ex, [1, 1])).toThrow(ArgumentError);
    expect(() => reconstructionPanel(ae().model, ex, [0, 5])).toThrow(ArgumentError);
  });

  it('renders as a PNG image', () => {
    const png = reconstructionFigure(reconstructionPanel(ae().model, testRows(0, 2))).png();
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
