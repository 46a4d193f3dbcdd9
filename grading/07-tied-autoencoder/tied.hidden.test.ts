/**
 * Hidden tests for exercise 07: the public checks on other sizes, seeds and fractions. Never shipped to
 * students. Each test calls the student's function first. No comparison run: the public suite has it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '#kit/data';
import { parameterCounts } from '#kit/summary';
import { ready, tf } from '#kit/tf';
import { train as trainEpochs, type Examples, type LossFn } from '#kit/train';
import { tensorMaxAbsDiff as maxAbsDiff, variableOf as variable } from '#kit/testing/models';
import { buildAutoencoder, TiedAutoencoder, type Autoencoder } from '../../exercises/07-tied-autoencoder/models.ts';
import { fit, reconstructionSplit } from '../../exercises/07-tied-autoencoder/train.ts';

beforeAll(async () => {
  await ready();
});


function tiedParts(ae: Autoencoder): { k1: tf.LayerVariable; b1: tf.LayerVariable; k2: tf.LayerVariable; b2: tf.LayerVariable; c1: tf.LayerVariable; c2: tf.LayerVariable } {
  const [k1, b1, k2, b2] = ae.encoder.weights;
  const own = new Set(ae.encoder.weights.map((w) => w.id));
  const [c1, c2] = ae.model.weights.filter((w) => !own.has(w.id)).sort((p, q) => p.shape[0]! - q.shape[0]!);
  return { k1: k1!, b1: b1!, k2: k2!, b2: b2!, c1: c1!, c2: c2! };
}

function reference(x: tf.Tensor2D, p: ReturnType<typeof tiedParts>, k1 = p.k1.read(), k2 = p.k2.read()): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.relu(tf.relu(x.matMul(k1).add(p.b1.read())).matMul(k2).add(p.b2.read()));
    return tf.relu(tf.matMul(z, k2, false, true).add(p.c1.read())).matMul(k1, false, true).add(p.c2.read());
  });
}

describe('part 2 (hidden): the untied autoencoder', () => {
  it('inputSize 100, hidden 16, latent 5: 257-style count 2(100·16 + 16·5) + 16 + 5 + 16 + 100, no output activation', () => {
    const ae = buildAutoencoder({ seed: 21, inputSize: 100, hidden: 16, latent: 5 });
    expect(parameterCounts(ae.model).total).toBe(2 * (100 * 16 + 16 * 5) + 16 + 5 + 16 + 100);
    expect(ae.encoder.outputs[0]!.shape).toEqual([null, 5]);
    const x = tf.randomUniform<tf.Rank.R2>([4, 100], 0, 1, 'float32', 2);
    const [k1, b1, k2, b2, k3, b3, k4, b4] = ae.model.weights.map((w) => w.read());
    const expected = tf.tidy(() => tf.relu(tf.relu(tf.relu(x.matMul(k1!).add(b1!)).matMul(k2!).add(b2!)).matMul(k3!).add(b3!)).matMul(k4!).add(b4!));
    expect(maxAbsDiff(ae.model.predict(x) as tf.Tensor, expected)).toBeLessThan(1e-5);
    tf.dispose([x, expected]);
    ae.model.dispose();
  });
});

describe('part 5 (hidden): TiedAutoencoder', () => {
  it('inputSize 100, hidden 16, latent 5: 100·16 + 16 + 16·5 + 5 + 16 + 100 parameters, tied forward pass with its own decoder biases', () => {
    const ae = new TiedAutoencoder({ seed: 22, inputSize: 100, hidden: 16, latent: 5 });
    expect(parameterCounts(ae.model).total).toBe(100 * 16 + 16 + 16 * 5 + 5 + 16 + 100);
    const p = tiedParts(ae);
    p.c1.write(tf.randomNormal([16], 0, 0.3, 'float32', 3));
    p.c2.write(tf.randomNormal([100], 0, 0.3, 'float32', 4));
    const x = tf.randomUniform<tf.Rank.R2>([6, 100], 0, 1, 'float32', 5);
    expect(maxAbsDiff(ae.model.predict(x) as tf.Tensor, reference(x, p))).toBeLessThan(1e-5);
    tf.dispose([x]);
    ae.model.dispose();
  });

  it('on 3,072 inputs: perturbing the first kernel moves the decoder; the gradient is the sum of both paths', () => {
    const ae = new TiedAutoencoder({ seed: 23 });
    const p = tiedParts(ae);
    const z = tf.randomUniform<tf.Rank.R2>([3, 32], 0, 1, 'float32', 6);
    const before = ae.decoder.predict(z) as tf.Tensor;
    const original = p.k1.read().clone();
    p.k1.write(original.mul(1.1));
    expect(maxAbsDiff(ae.decoder.predict(z) as tf.Tensor, before)).toBeGreaterThan(1e-4);
    p.k1.write(original);
    const x = tf.randomUniform<tf.Rank.R2>([8, 3072], 0, 1, 'float32', 7);
    const loss = (out: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(out, x));
    const v1 = variable(p.k1);
    const { value, grads } = tf.variableGrads(() => loss(ae.model.apply(x) as tf.Tensor), [v1]);
    const [enc, dec] = tf.grads((a: tf.Tensor, t: tf.Tensor) =>
      loss(
        tf.tidy(() => {
          const h = tf.relu(tf.relu(x.matMul(a).add(p.b1.read())).matMul(p.k2.read()).add(p.b2.read()));
          return tf.relu(tf.matMul(h, p.k2.read(), false, true).add(p.c1.read())).matMul(t, false, true).add(p.c2.read());
        }),
      ),
    )([p.k1.read().clone(), p.k1.read().clone()]);
    const sum = enc!.add(dec!);
    const rel = tf.tidy(() => tf.norm(grads[v1.name]!.sub(sum)).div(tf.norm(sum)).dataSync()[0]!);
    expect(rel).toBeLessThan(1e-3);
    tf.dispose([z, before, x, value, sum, enc!, dec!, grads[v1.name]!]);
    ae.model.dispose();
  });
});

describe('parts 1 and 3 (hidden): data and training', () => {
  it('reconstructionSplit with a 20 % validation part; fit with batch 33 for two epochs', () => {
    const d = loadFashionMnist('test');
    const { train, val } = reconstructionSplit(d, { seed: 8, valFraction: 0.2 });
    expect([train.count, val.count]).toEqual([8000, 2000]);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 12, inputShape: [784], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.dense({ units: 784, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const small: Examples = { x: train.x.subarray(0, 660 * 784), count: 660, features: 784 };
    const smallVal: Examples = { x: val.x.subarray(0, 200 * 784), count: 200, features: 784 };
    const curves = fit(model, { train: small, val: smallVal }, { seed: 8, epochs: 2, batchSize: 33, progress: false });
    expect(curves.train).toHaveLength(2);
    expect(curves.val).toHaveLength(2);
    expect(curves.val[1]!).toBeLessThan(curves.val[0]!);
    const now = tf.tidy(() => {
      const x = tf.tensor2d(smallVal.x, [200, 784]);
      return tf.mean(tf.squaredDifference(model.predict(x, { batchSize: 200 }) as tf.Tensor, x)).dataSync()[0]!;
    });
    expect(Math.abs(curves.val[1]! / now - 1)).toBeLessThan(2e-3);
    model.dispose();
  });

  it('fit follows the recipe step for step: ONE batches(train, { batchSize, seed }) source and ONE Adam(learningRate) across 3 epochs, one trainStep on the MSE per batch, train[e] weighted by batch size', () => {
    const d = loadFashionMnist('test');
    const slice = (from: number, to: number): Examples => ({ x: Float32Array.from(d.images.subarray(from * 784, to * 784), (b) => b / 255), count: to - from, features: 784 });
    const train = slice(500, 600);
    const val = slice(600, 640);
    const options = { epochs: 3, batchSize: 30, learningRate: 0.01, seed: 17 };
    const make = (): tf.LayersModel =>
      tf.sequential({
        layers: [
          tf.layers.dense({ units: 6, inputShape: [784], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 31 }) }),
          tf.layers.dense({ units: 784, kernelInitializer: tf.initializers.glorotUniform({ seed: 32 }) }),
        ],
      });
    const model = make();
    const curves = fit(model, { train, val }, { ...options, progress: false });
    const ref = make();
    // The documented recipe is the kit's own epoch loop (#kit/train's train) with one Adam and the MSE.
    const optimizer = tf.train.adam(options.learningRate);
    const loss: LossFn = (batch, output) => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(batch.x, output);
    const refTrain = trainEpochs({ model: ref, optimizer, data: train, epochs: options.epochs, batchSize: options.batchSize, seed: options.seed, loss, progress: false }).map((r) => r.loss);
    optimizer.dispose();
    expect(curves.train).toHaveLength(3);
    curves.train.forEach((l, e) => {
      expect(Math.abs(l / refTrain[e]! - 1), `train[${String(e)}] ${String(l)} against the recipe's ${String(refTrain[e])}`).toBeLessThan(1e-5);
    });
    const worst = Math.max(...model.weights.map((w, i) => maxAbsDiff(w.read(), ref.weights[i]!.read())));
    expect(worst, 'largest difference of a weight from the recipe\'s after 3 epochs').toBeLessThan(1e-5);
    model.dispose();
    ref.dispose();
  });
});
