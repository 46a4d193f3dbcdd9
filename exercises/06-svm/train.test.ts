/**
 * Exercise 06, part 4 — the model and the training loop, checked exactly: on a full batch, SGD's
 * step is deterministic, so the weights after one (or two, with momentum) steps are computed here from
 * the weights before, in float64, and compared with what trainSvm produced.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import { parameterCounts } from '#kit/summary';
import { expectAtMost, expectClose, stderrOf } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { batches, type Examples } from '#kit/train';
import { buildSvm, HOMEWORK_CONFIG, trainSvm, type SvmConfig } from './train.ts';

beforeAll(async () => {
  await ready();
});

const PAIR = [2, 4] as const;

/** `n` examples of `d` features, labels 2 / 4 that a linear rule separates only partly. */
function synthetic(n: number, d: number, seed: number): Examples {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < 0.5 ? 2 : 4;
    const shift = labels[i] === 4 ? 0.4 : -0.4;
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal(j < 2 ? shift : 0, 1);
  }
  return { x, labels, count: n, features: d };
}

interface Params {
  w: number[];
  b: number;
}

/** A one-output linear model built here, so that the training checks do not depend on buildSvm. */
function linear(features: number, seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [tf.layers.dense({ units: 1, inputShape: [features], kernelInitializer: tf.initializers.glorotUniform({ seed }) })],
  });
}

/** Gives the bias a non-zero value (it starts at 0, where decaying it or not makes no difference). */
function setBias(model: tf.LayersModel, b: number): void {
  const [kernel] = model.getWeights();
  model.setWeights([kernel!, tf.tensor1d([b])]);
}

function paramsOf(model: tf.LayersModel): Params {
  const [kernel, bias] = model.getWeights();
  return { w: Array.from(kernel!.dataSync()), b: bias!.dataSync()[0]! };
}

const target = (label: number): number => (label === PAIR[0] ? -1 : 1);
const score = (ex: Examples, i: number, p: Params): number => p.w.reduce((s, wj, j) => s + wj * ex.x[i * ex.features + j]!, p.b);

/** C · mean hinge and accuracy of parameters p, in float64. */
function hingeAndAccuracy(ex: Examples, p: Params, C: number): { loss: number; acc: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < ex.count; i++) {
    const y = target(ex.labels![i]!);
    const s = score(ex, i, p);
    loss += Math.max(0, 1 - y * s);
    if ((s > 0 ? 1 : -1) === y) correct++;
  }
  return { loss: (C * loss) / ex.count, acc: correct / ex.count };
}

/** Gradient of C · mean hinge + (λ/2)·(‖w‖² + b²) at p, over all of ex. */
function gradient(ex: Examples, p: Params, C: number, lambda: number): Params {
  const gw = p.w.map((wj) => lambda * wj);
  let gb = lambda * p.b;
  for (let i = 0; i < ex.count; i++) {
    const y = target(ex.labels![i]!);
    if (y * score(ex, i, p) >= 1) continue;
    for (let j = 0; j < ex.features; j++) gw[j] = gw[j]! - (C * y * ex.x[i * ex.features + j]!) / ex.count;
    gb -= (C * y) / ex.count;
  }
  return { w: gw, b: gb };
}

const expectParamsClose = atCallSite((actual: Params, expected: Params, what: string): void => {
  const worst = Math.max(Math.abs(actual.b - expected.b), ...actual.w.map((v, j) => Math.abs(v - expected.w[j]!)));
  expectAtMost(worst, 2e-5, `${what}: largest difference from the expected parameters`, {
    rule: 'SGD on C·mean hinge + (λ/2)‖θ‖² (weight decay on the bias too): v ← μ·v + g, θ ← θ − lr·v', strict: true,
  });
});

/** toBeCloseTo(v, d) is |Δ| < 0.5·10⁻ᵈ; the kit's tolerance is relative to max(1, |v|). */
const closeTo = (v: number, digits: number): number => (0.5 * 10 ** -digits) / Math.max(1, Math.abs(v));

const fullBatch = (ex: Examples, config: Partial<SvmConfig>): SvmConfig => ({ ...HOMEWORK_CONFIG, epochs: 1, batchSize: ex.count, ...config });

describe('training: buildSvm and trainSvm', () => {
  it('buildSvm is one linear output per image: features + 1 parameters (3,073 for CIFAR-10, 785 for Fashion-MNIST), seeded', () => {
    const m = buildSvm(3072, 1);
    expect(parameterCounts(m).total).toBe(3073);
    expect(m.outputs[0]!.shape).toEqual([null, 1]);
    const f = buildSvm(784, 1);
    expect(parameterCounts(f).total).toBe(785);
    // Linear: the score of a sum is the sum of the scores, minus one bias.
    const [a, b] = [tf.randomNormal([1, 784], 0, 1, 'float32', 1), tf.randomNormal([1, 784], 0, 1, 'float32', 2)];
    const s = (t: tf.Tensor): number => (f.predict(t) as tf.Tensor).dataSync()[0]!;
    const bias = f.getWeights()[1]!.dataSync()[0]!;
    expectClose(s(a.add(b)) + bias, s(a) + s(b), closeTo(s(a) + s(b), 4), 'score(a + b) + bias against score(a) + score(b)', {
      rule: 'the SVM is linear: one Dense unit, no activation, so score(a + b) = score(a) + score(b) − bias',
    });
    expect(Array.from(buildSvm(784, 1).getWeights()[0]!.dataSync())).toEqual(Array.from(f.getWeights()[0]!.dataSync()));
    expect(Array.from(buildSvm(784, 2).getWeights()[0]!.dataSync())).not.toEqual(Array.from(f.getWeights()[0]!.dataSync()));
    expect(() => buildSvm(0, 1)).toThrow(ArgumentError);
    tf.dispose([a, b]);
    m.dispose();
    f.dispose();
  });

  it('one full-batch epoch is exactly one SGD step θ ← θ − lr·(∇ C·mean hinge + λθ), weight decay on the bias too', () => {
    const train = synthetic(48, 6, 1);
    const val = synthetic(20, 6, 2);
    const model = linear(6, 3);
    setBias(model, 0.4);
    const before = paramsOf(model);
    const config = fullBatch(train, { C: 0.8, learningRate: 0.3, weightDecay: 0.5 });
    const history = trainSvm(model, { train, val, classes: PAIR }, config, { seed: 1, progress: false });
    const g = gradient(train, before, config.C, config.weightDecay);
    const expected = { w: before.w.map((wj, j) => wj - config.learningRate * g.w[j]!), b: before.b - config.learningRate * g.b };
    expectParamsClose(paramsOf(model), expected, 'after one step');
    // The curves: the epoch's training loss is measured on the batch before the step (hinge only, no decay term);
    // accuracies and the validation loss after it.
    const trainBefore = hingeAndAccuracy(train, before, config.C);
    const trainAfter = hingeAndAccuracy(train, expected, config.C);
    const valAfter = hingeAndAccuracy(val, expected, config.C);
    expectClose(history.trainLoss[0]!, trainBefore.loss, closeTo(trainBefore.loss, 5), 'trainLoss[0]', {
      rule: 'the epoch\'s training loss is C·mean hinge on its batches, measured before each step, without the weight-decay term',
      mistakes: [{ name: 'the training loss measured after the step', value: trainAfter.loss }],
    });
    expectClose(history.valLoss[0]!, valAfter.loss, closeTo(valAfter.loss, 4), 'valLoss[0]', { rule: 'the validation loss is C·mean hinge after the epoch, without the weight-decay term' });
    const accRule = { rule: 'accuracy after the epoch: the fraction with sign(score) = y, a score of exactly 0 counted as −1' };
    expectClose(history.trainAcc[0]!, trainAfter.acc, closeTo(trainAfter.acc, 10), 'trainAcc[0]', {
      ...accRule, mistakes: [{ name: 'the training accuracy measured before the step', value: trainBefore.acc }],
    });
    expectClose(history.valAcc[0]!, valAfter.acc, closeTo(valAfter.acc, 10), 'valAcc[0]', accRule);
    model.dispose();
  });

  it('with momentum μ, two full-batch epochs are v ← μ·v + g, θ ← θ − lr·v', () => {
    const train = synthetic(40, 5, 4);
    const model = linear(5, 7);
    setBias(model, -0.3);
    const p0 = paramsOf(model);
    const config = fullBatch(train, { C: 1.5, learningRate: 0.2, weightDecay: 0.1, momentum: 0.9, epochs: 2 });
    const history = trainSvm(model, { train, val: synthetic(10, 5, 5), classes: PAIR }, config, { seed: 2, progress: false });
    const step = (p: Params, v: Params): Params => ({ w: p.w.map((wj, j) => wj - config.learningRate * v.w[j]!), b: p.b - config.learningRate * v.b });
    const v1 = gradient(train, p0, config.C, config.weightDecay);
    const p1 = step(p0, v1);
    const g1 = gradient(train, p1, config.C, config.weightDecay);
    const v2 = { w: v1.w.map((vj, j) => config.momentum * vj + g1.w[j]!), b: config.momentum * v1.b + g1.b };
    expectParamsClose(paramsOf(model), step(p1, v2), 'after two momentum steps');
    expect(history.trainLoss).toHaveLength(2);
    const want = hingeAndAccuracy(train, p1, config.C).loss;
    expectClose(history.trainLoss[1]!, want, closeTo(want, 5), 'trainLoss[1]', {
      rule: 'the epoch\'s training loss is C·mean hinge measured before its step, here at the parameters after the first step',
      mistakes: [{ name: 'the training loss measured after the step', value: hingeAndAccuracy(train, step(p1, v2), config.C).loss }],
    });
    model.dispose();
  });

  it('two mini-batch epochs: one batches(data.train, { batchSize, seed }) source (a fresh order each epoch), one optimizer, trainLoss weighted by batch size, curves after each epoch', () => {
    // 40 examples in batches of 16: 16, 16 and a last batch of 8; momentum, so the optimizer's state matters.
    const train = synthetic(40, 4, 12);
    const val = synthetic(15, 4, 13);
    const model = linear(4, 9);
    setBias(model, 0.25);
    let p = paramsOf(model);
    const config: SvmConfig = { C: 1.2, learningRate: 0.15, weightDecay: 0.2, momentum: 0.8, epochs: 2, batchSize: 16 };
    const history = trainSvm(model, { train, val, classes: PAIR }, config, { seed: 4, progress: false });
    // The orders trainSvm must follow: two for…of over ONE seeded source.
    const source = batches(train, { batchSize: config.batchSize, seed: 4 });
    const orders = [0, 1].map(() => Array.from(source, (b) => Array.from(b.indices)));
    const rowsOf = (rows: number[]): Examples => ({
      x: Float32Array.from(rows.flatMap((r) => Array.from(train.x.subarray(r * train.features, (r + 1) * train.features)))),
      labels: Uint8Array.from(rows, (r) => train.labels![r]!),
      count: rows.length,
      features: train.features,
    });
    let v: Params = { w: p.w.map(() => 0), b: 0 };
    orders.forEach((order, epoch) => {
      let weighted = 0;
      let unweighted = 0;
      for (const rows of order) {
        const batch = rowsOf(rows);
        const l = hingeAndAccuracy(batch, p, config.C).loss;
        weighted += l * rows.length;
        unweighted += l / order.length;
        const g = gradient(batch, p, config.C, config.weightDecay);
        v = { w: v.w.map((vj, j) => config.momentum * vj + g.w[j]!), b: config.momentum * v.b + g.b };
        p = { w: p.w.map((wj, j) => wj - config.learningRate * v.w[j]!), b: p.b - config.learningRate * v.b };
      }
      const e = String(epoch);
      const want = weighted / train.count;
      expectClose(history.trainLoss[epoch]!, want, closeTo(want, 4), `trainLoss[${e}]`, {
        rule: 'trainLoss is the mean over the epoch\'s examples of the batch losses (each batch weighted by its size: 16, 16, 8), each measured before its step',
        mistakes: [{ name: 'the plain mean of the batch losses (the batch of 8 weighs as much as a batch of 16)', value: unweighted }],
      });
      const trainAfter = hingeAndAccuracy(train, p, config.C);
      const valAfter = hingeAndAccuracy(val, p, config.C);
      const after = `after epoch ${String(epoch + 1)}: the parameters once its 3 steps are done`;
      expectClose(history.valLoss[epoch]!, valAfter.loss, closeTo(valAfter.loss, 4), `valLoss[${e}]`, { rule: `the validation loss is C·mean hinge ${after}` });
      expectClose(history.trainAcc[epoch]!, trainAfter.acc, closeTo(trainAfter.acc, 10), `trainAcc[${e}]`, { rule: `the training accuracy on the whole training part ${after}` });
      expectClose(history.valAcc[epoch]!, valAfter.acc, closeTo(valAfter.acc, 10), `valAcc[${e}]`, { rule: `the validation accuracy ${after}` });
    });
    const worst = Math.max(Math.abs(paramsOf(model).b - p.b), ...paramsOf(model).w.map((x, j) => Math.abs(x - p.w[j]!)));
    expectAtMost(worst, 1e-4, 'after two epochs of 3 mini-batch steps: largest difference from the expected parameters', {
      rule: 'the batches of ONE batches(data.train, { batchSize, seed }) source, iterated once per epoch (each for…of draws a new order), ' +
        'with ONE momentum optimizer kept across the epochs (its velocity carries over); re-making the batches or the optimizer every epoch repeats the order or resets the velocity',
      strict: true,
    });
    model.dispose();
  });

  it('shows progress() titled options.progress (default \'06-svm\'): a live batch loss, one line per epoch with its trainLoss, accuracies and validation loss; nothing with progress: false', () => {
    const train = synthetic(40, 3, 20);
    const data = { train, val: synthetic(12, 3, 21), classes: PAIR };
    const config = { ...HOMEWORK_CONFIG, epochs: 2, batchSize: 16 };
    // The terminal display (the tests otherwise run with it off), caught from stderr.
    const run = (progress?: string | false): { h: ReturnType<typeof trainSvm>; out: string } => {
      const model = linear(3, 1);
      try {
        let h: ReturnType<typeof trainSvm> | undefined;
        const out = stderrOf('tty', () => (h = trainSvm(model, data, config, progress === undefined ? { seed: 1 } : { seed: 1, progress })));
        return { h: h!, out };
      } finally {
        model.dispose();
      }
    };
    const named = run('svm check');
    const plain = run();
    const off = run(false);
    expect(off.out, 'what trainSvm wrote with progress: false').toBe('');
    for (const [title, { h, out }] of [['svm check', named], ['06-svm', plain]] as const) {
      expect(out, 'the live line after the first batch shows the title and the batch\'s loss (batch({ loss }))').toMatch(new RegExp(`${title}  epoch 1/2 .*loss `));
      for (let e = 0; e < 2; e++) {
        const line = `${title}  epoch ${String(e + 1)}/2: loss ${h.trainLoss[e]!.toPrecision(4)}, acc ${(100 * h.trainAcc[e]!).toFixed(1)} %, ` +
          `val_loss ${h.valLoss[e]!.toPrecision(4)}, val_acc ${(100 * h.valAcc[e]!).toFixed(1)} %`;
        expect(out, `the display after epoch ${String(e + 1)}: epoch({ loss: trainLoss, acc: trainAcc, valLoss, valAcc }) of that epoch`).toContain(line);
      }
    }
  });

  it('mini-batches: one entry per epoch in every curve, reproducible with the same seed, another order with another', () => {
    const train = synthetic(150, 4, 6);
    const val = synthetic(30, 4, 7);
    const config = { ...HOMEWORK_CONFIG, epochs: 3, batchSize: 16 };
    const run = (seed: number): { h: ReturnType<typeof trainSvm>; p: Params } => {
      const model = linear(4, 1);
      const h = trainSvm(model, { train, val, classes: PAIR }, config, { seed, progress: false });
      const p = paramsOf(model);
      model.dispose();
      return { h, p };
    };
    const a = run(1);
    for (const curve of [a.h.trainLoss, a.h.valLoss, a.h.trainAcc, a.h.valAcc]) {
      expect(curve).toHaveLength(3);
      for (const v of curve) expect(Number.isFinite(v)).toBe(true);
    }
    expect(run(1).p).toEqual(a.p);
    expect(run(2).p).not.toEqual(a.p);
  });

  it('rejects a bad setting, labels outside the pair and examples of the wrong size with an ArgumentError', () => {
    const train = synthetic(20, 3, 8);
    const model = linear(3, 1);
    const data = { train, val: synthetic(5, 3, 9), classes: PAIR };
    expect(trainSvm(model, data, fullBatch(train, {}), { seed: 1, progress: false }).trainLoss).toHaveLength(1);
    for (const bad of [{ C: 0 }, { learningRate: -0.1 }, { weightDecay: -1 }, { momentum: 1 }, { epochs: 0 }, { batchSize: 2.5 }]) {
      expect(() => trainSvm(model, data, fullBatch(train, bad), { seed: 1, progress: false }), JSON.stringify(bad)).toThrow(ArgumentError);
    }
    const cats = { ...train, labels: train.labels!.map((l, i) => (i === 3 ? 3 : l)) };
    expect(() => trainSvm(model, { ...data, train: cats }, fullBatch(train, {}), { seed: 1, progress: false })).toThrow(ArgumentError);
    expect(() => trainSvm(model, { ...data, train: synthetic(20, 4, 8) }, fullBatch(train, {}), { seed: 1, progress: false })).toThrow(ArgumentError);
    model.dispose();
  });
});
