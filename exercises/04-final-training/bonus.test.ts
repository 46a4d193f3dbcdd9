/**
 * Tests for the bonus of exercise 04: `buildEnhancedMlp` (batch normalisation, dropout, other
 * activations) and a configuration in which it beats the plain network.
 *
 * The comparison trains `enhancedConfig()` twice on all 60,000 training images — as the plain
 * network (`buildMlp`) and as the enhanced one — with the same seed and budget, and compares the two
 * accuracies on the 10,000 test images: the enhanced one must lead by half a point, and must really be
 * enhanced (batch-norm, dropout or another activation). Both runs happen with Math.random replaced by a seeded
 * generator, so even a network that (against the instructions) uses tfjs's unseeded dropout is graded
 * the same way every time. The reference configuration's margin over several seeds is measured by
 * `npm run bench -- --only bonus`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { ready, tf } from '#kit/tf';
import { accuracy, checkTestBudget, toExamples, withSeededMathRandom, type Examples } from '#kit/train';
import { expectAllClose, expectAtLeast } from '#kit/testing';
import { handForward } from '#kit/testing/models';
import { trainConfig } from '../03-hyperparam-tuning/tuning.ts';
import { buildEnhancedMlp, enhancedConfig, trainEnhanced, type Activation } from './final-training.ts';

beforeAll(async () => {
  await ready();
});

const SEED = 542;
/**
 * Required lead of the enhanced network: half a point (50 of the 10,000 test images). Two networks that
 * differ only in rounding (a fused and an unfused ReLU) end up a few tenths of a point apart either
 * way; a real enhancement leads by more (the reference: 1.4–2.3 points over the seeds measured).
 */
const MARGIN = 0.005;

const activations: Record<Activation, (z: number) => number> = {
  relu: (z) => Math.max(0, z),
  leakyRelu: (z) => (z > 0 ? z : 0.01 * z),
  elu: (z) => (z > 0 ? z : Math.expm1(z)),
  prelu: (z) => (z > 0 ? z : 0.25 * z),
};

const classCount = (m: tf.LayersModel, ...names: string[]): number => m.layers.filter((l) => names.includes(l.getClassName())).length;

const applyTraining = (m: tf.LayersModel, x: tf.Tensor): Float32Array =>
  tf.tidy(() => (m.apply(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);

describe('buildEnhancedMlp', () => {
  it.each(['relu', 'leakyRelu', 'elu', 'prelu'] as const)(
    'with activation %s (no batch-norm, no dropout) computes Dense → activation → … → linear Dense (hand-computed forward pass)',
    (activation) => {
      const model = buildEnhancedMlp(6, 2, 5, 3, { batchNorm: false, dropout: 0, activation, seed: 4 });
      expect(classCount(model, 'Dense')).toBe(3);
      const rng = new Rng(5);
      for (const layer of model.layers.filter((l) => l.getClassName() === 'Dense')) {
        const [kernel, bias] = layer.getWeights();
        layer.setWeights([kernel!, tf.tensor1d(Float32Array.from(rng.normals(bias!.shape[0], 0, 0.5)))]);
      }
      const x = Float32Array.from(rng.normals(10 * 6));
      const got = tf.tidy(() => (model.predict(tf.tensor2d(x, [10, 6])) as tf.Tensor).dataSync());
      expectAllClose(got, handForward(model, x, 6, { hidden: activations[activation] }), 1e-4, `buildEnhancedMlp(…, ${activation}): outputs against a forward pass by hand`, {
        rule: `Dense → ${activation} after every hidden layer, a linear output layer`,
        mistakes: [
          { name: 'ReLU whatever the activation option says', value: handForward(model, x, 6) },
          { name: 'the activation on the output layer too', value: handForward(model, x, 6, { hidden: activations[activation], output: activations[activation] }) },
        ],
      });
      model.dispose();
    },
  );

  it('adds a batch-norm layer per hidden layer (γ, β trainable; moving mean and variance not) and a dropout layer per hidden layer', () => {
    const model = buildEnhancedMlp(20, 3, 8, 4, { batchNorm: true, dropout: 0.3, activation: 'relu', seed: 1 });
    expect(classCount(model, 'Dense'), 'Dense layers: nLayers hidden + 1 linear output').toBe(4);
    expect(classCount(model, 'BatchNormalization'), 'one batch-norm layer per hidden layer, none on the output').toBe(3);
    expect(classCount(model, 'Dropout', 'SeededDropout'), 'one dropout layer per hidden layer, none on the output').toBe(3);
    const dense = 20 * 8 + 8 + 2 * (8 * 8 + 8) + 8 * 4 + 4;
    expect(model.countParams(), 'parameters: the Dense layers + 4 per batch-norm unit (γ, β, moving mean, moving variance)').toBe(dense + 3 * 4 * 8);
    expect(model.trainableWeights.reduce((n, w) => n + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0), 'trainable parameters: the Dense layers + γ and β per batch-norm unit (the moving statistics are not trainable)').toBe(dense + 3 * 2 * 8);
    // Each hidden layer ends with its dropout, after the activation (and the batch-norm, before or after
    // the activation): dropout before an ELU is another network (ELU(z/(1 − p)) ≠ ELU(z)/(1 − p)).
    const elu = buildEnhancedMlp(20, 3, 8, 4, { batchNorm: true, dropout: 0.3, activation: 'elu', seed: 1 });
    // (Which dropout layer it is, the mask tests below check.)
    const blocks = elu.layers.map((l) => (l.getClassName() === 'Dropout' ? 'SeededDropout' : l.getClassName())).join(' ').split(/ ?Dense ?/).filter((b) => b !== '');
    expect(blocks, 'the layers after each hidden Dense layer: batch-norm and ELU (either order), then dropout last').toEqual(
      Array.from({ length: 3 }, (_, i) => (blocks[i]?.startsWith('ELU') === true ? 'ELU BatchNormalization SeededDropout' : 'BatchNormalization ELU SeededDropout')),
    );
    elu.dispose();
    const plain = buildEnhancedMlp(20, 3, 8, 4, { batchNorm: false, dropout: 0, activation: 'relu', seed: 1 });
    expect(plain.countParams()).toBe(dense);
    expect(classCount(plain, 'BatchNormalization', 'Dropout', 'SeededDropout')).toBe(0);
    model.dispose();
    plain.dispose();
  });

  it('dropout draws a fresh mask at every training step, the same sequence of masks for the same seed, and is off in inference', () => {
    const options = { batchNorm: false, dropout: 0.5, activation: 'relu' as const, seed: 9 };
    const a = buildEnhancedMlp(16, 2, 32, 4, options);
    const b = buildEnhancedMlp(16, 2, 32, 4, options);
    const x = tf.tensor2d(Float32Array.from(new Rng(2).normals(8 * 16)), [8, 16]);
    const a1 = applyTraining(a, x);
    const a2 = applyTraining(a, x);
    const b1 = applyTraining(b, x);
    const b2 = applyTraining(b, x);
    expect(a2, 'the same units are dropped at every step (a fixed dropout seed)').not.toEqual(a1);
    expect(b1, 'two networks built with the same seed drop different units (unseeded dropout)').toEqual(a1);
    expect(b2).toEqual(a2);
    const p1 = tf.tidy(() => (a.predict(x) as tf.Tensor).dataSync());
    const p2 = tf.tidy(() => (a.predict(x) as tf.Tensor).dataSync());
    expect(p1).toEqual(p2);
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('rejects a dropout rate outside [0, 1), an unknown activation and bad sizes (ArgumentError)', () => {
    buildEnhancedMlp(4, 1, 2, 3, { batchNorm: true, dropout: 0.1, activation: 'elu' }).dispose();
    expect(() => buildEnhancedMlp(4, 1, 2, 3, { batchNorm: true, dropout: 1, activation: 'elu' })).toThrow(/dropout/);
    expect(() => buildEnhancedMlp(4, 1, 2, 3, { batchNorm: true, dropout: 0, activation: 'tanh' as 'elu' })).toThrow(/activation/);
    expect(() => buildEnhancedMlp(4, 0, 2, 3, { batchNorm: true, dropout: 0, activation: 'elu' })).toThrow(ArgumentError);
  });
});

let data: { train: Examples; test: Examples } | undefined;
function fashion(): { train: Examples; test: Examples } {
  data ??= {
    train: toExamples(loadFashionMnist('train'), { scale: 'centered' }),
    test: toExamples(loadFashionMnist('test'), { scale: 'centered' }),
  };
  return data;
}

describe('bonus', () => {
  it('enhancedConfig fits the test budget', () => {
    const config = enhancedConfig();
    expect(() => {
      checkTestBudget(config, 60_000, 'enhancedConfig()', true);
    }).not.toThrow();
  });

  it(`the enhanced network beats the plain one on the 10,000 test images by at least ${String(100 * MARGIN)} points (same configuration, seed and budget)`, () => {
    const config = enhancedConfig();
    expect(
      config.batchNorm || config.dropout > 0 || config.activation !== 'relu',
      'enhancedConfig() turns no enhancement on (batchNorm, dropout or another activation)',
    ).toBe(true);
    checkTestBudget(config, 60_000, 'enhancedConfig()', true);
    const { train, test } = fashion();
    const plainAccuracy = withSeededMathRandom(SEED, () => {
      const { model } = trainConfig(config, train, { seed: SEED });
      const acc = accuracy(model, test);
      model.dispose();
      return acc;
    });
    const enhancedAccuracy = withSeededMathRandom(SEED, () => {
      const { model } = trainEnhanced(config, train, SEED);
      const acc = accuracy(model, test);
      model.dispose();
      return acc;
    });
    console.log(
      `04 bonus: plain ${(100 * plainAccuracy).toFixed(2)} %, enhanced ${(100 * enhancedAccuracy).toFixed(2)} % ` +
        `(${JSON.stringify(config)})`,
    );
    expectAtLeast(enhancedAccuracy, plainAccuracy + MARGIN, `enhanced test accuracy (plain ${String(plainAccuracy)} + margin ${String(MARGIN)})`, {
      rule: 'the enhanced training, from the same seed and budget, beats the plain one by more than the margin', strict: true,
    });
  });
});
