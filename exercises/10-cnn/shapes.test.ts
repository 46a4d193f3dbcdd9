/**
 * Exercise 10, part 1: output sizes of convolutions and pools. The homework's four PyTorch cases on a
 * 50×50 input, hand-computed cases for dilation and 'same', random configurations against the shapes
 * tfjs layers actually produce, and the error for a window that does not fit. Everything is exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, atCallSite } from '#kit/errors';
import { Rng } from '#kit/rng';
import { expectClose, type Mistake } from '#kit/testing';
import { ready, tf } from '#kit/tf';
import { convOutputSize, poolOutputSize, torchLikeLayer } from './shapes.ts';

beforeAll(async () => {
  await ready();
});

/** The output shape tfjs computes for zero padding p, then a 'valid' layer (independent of the student's code). */
function tfjsSize(kind: 'conv' | 'pool', n: number, k: number, s: number, p: number, d = 1): number {
  const layers: tf.layers.Layer[] = [];
  if (p > 0) layers.push(tf.layers.zeroPadding2d({ padding: p }));
  layers.push(
    kind === 'conv'
      ? tf.layers.conv2d({ filters: 1, kernelSize: k, strides: s, dilationRate: d, padding: 'valid' })
      : tf.layers.maxPooling2d({ poolSize: k, strides: s, padding: 'valid' }),
  );
  let shape: tf.Shape = [null, n, n, 1];
  for (const layer of layers) shape = layer.computeOutputShape(shape) as tf.Shape;
  return shape[1] as number;
}

type Padding = number | 'valid' | 'same';

/**
 * `got` is exactly `want`, the size of a conv (pool: `pool` true, stride defaulting to the window) on
 * an n-wide input; on failure the formula with these numbers and the usual wrong sizes for them.
 */
function checkSize(got: number, want: number, what: string, n: number, k: number, s: number, p: Padding = 0, d = 1, pool = false): void {
  const mistakes: Mistake[] = [];
  let rule: string;
  if (p === 'same') {
    rule = `'same' gives ⌈n / s⌉ = ⌈${String(n)} / ${String(s)}⌉`;
    mistakes.push({ name: '⌊n / s⌋ for \'same\'', value: Math.floor(n / s) });
  } else {
    const pad = p === 'valid' ? 0 : p;
    const span = n + 2 * pad - d * (k - 1) - 1;
    rule = `⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 = ⌊(${String(n)} + 2·${String(pad)} − ${String(d)}·${String(k - 1)} − 1)/${String(s)}⌋ + 1${p === 'valid' ? " ('valid' is p = 0)" : ''}`;
    mistakes.push(
      { name: 'the division rounded, not floored', value: Math.round(span / s) + 1 },
      { name: 'the division rounded up, not floored', value: Math.ceil(span / s) + 1 },
      { name: 'the padding left out', value: Math.floor((n - d * (k - 1) - 1) / s) + 1 },
      { name: 'the padding added on one side only', value: Math.floor((n + pad - d * (k - 1) - 1) / s) + 1 },
      { name: 'the dilation left out (a window of k, not d·(k − 1) + 1)', value: Math.floor((n + 2 * pad - k) / s) + 1 },
    );
    if (pool) mistakes.push({ name: 'a pool stride of 1 by default (it is the window size)', value: n + 2 * pad - d * (k - 1) });
  }
  expectClose(got, want, 0, what, { rule, mistakes });
}
const expectSize = atCallSite(checkSize);

describe('shapes: convOutputSize and poolOutputSize', () => {
  it('gives the homework\'s sizes on a 50×50 input: conv k4 s1 p1 → 49, conv k8 s5 p0 → 9, max-pool k10 s2 p2 → 23, max-pool k2 s1 → 49', () => {
    expectSize(convOutputSize(50, 4, 1, 1), 49, 'convOutputSize(50, 4, 1, 1)', 50, 4, 1, 1, 1);
    expectSize(convOutputSize(50, 8, 5, 0), 9, 'convOutputSize(50, 8, 5, 0)', 50, 8, 5, 0, 1);
    expectSize(poolOutputSize(50, 10, 2, 2), 23, 'poolOutputSize(50, 10, 2, 2)', 50, 10, 2, 2, 1, true);
    expectSize(poolOutputSize(50, 2, 1), 49, 'poolOutputSize(50, 2, 1)', 50, 2, 1, 0, 1, true);
    expectSize(poolOutputSize(50, 2, 1, 0), 49, 'poolOutputSize(50, 2, 1, 0)', 50, 2, 1, 0, 1, true);
  });

  it("floors (not rounds) the division, and reads 'valid' as p = 0 and 'same' as ⌈n / s⌉", () => {
    // (28 − 3)/2 = 12.5: floor gives 13 positions, rounding 14.
    expectSize(convOutputSize(28, 3, 2, 0), 13, 'convOutputSize(28, 3, 2, 0)', 28, 3, 2, 0, 1);
    expectSize(convOutputSize(28, 3, 2, 'valid'), 13, 'convOutputSize(28, 3, 2, \'valid\')', 28, 3, 2, 'valid', 1);
    expectSize(convOutputSize(28, 3, 1, 'valid'), 26, 'convOutputSize(28, 3, 1, \'valid\')', 28, 3, 1, 'valid', 1);
    expectSize(convOutputSize(28, 5, 2, 'same'), 14, 'convOutputSize(28, 5, 2, \'same\')', 28, 5, 2, 'same', 1);
    expectSize(convOutputSize(27, 5, 2, 'same'), 14, 'convOutputSize(27, 5, 2, \'same\')', 27, 5, 2, 'same', 1);
    expectSize(convOutputSize(7, 7, 3, 'same'), 3, 'convOutputSize(7, 7, 3, \'same\')', 7, 7, 3, 'same', 1);
    expectSize(poolOutputSize(28, 2), 14, 'poolOutputSize(28, 2)', 28, 2, 2, 0, 1, true);
    expectSize(poolOutputSize(27, 2), 13, 'poolOutputSize(27, 2)', 27, 2, 2, 0, 1, true);
    expectSize(poolOutputSize(27, 3), 9, 'poolOutputSize(27, 3)', 27, 3, 3, 0, 1, true);
    expectSize(poolOutputSize(10, 3, 3, 'same'), 4, 'poolOutputSize(10, 3, 3, \'same\')', 10, 3, 3, 'same', 1, true);
  });

  it('takes dilation into account: a k-tap window with dilation d spans d·(k − 1) + 1 positions', () => {
    expectSize(convOutputSize(50, 3, 1, 0, 2), 46, 'convOutputSize(50, 3, 1, 0, 2)', 50, 3, 1, 0, 2);
    expectSize(convOutputSize(50, 3, 1, 0), 48, 'convOutputSize(50, 3, 1, 0)', 50, 3, 1, 0, 1);
    expectSize(convOutputSize(32, 3, 2, 1, 3), 14, 'convOutputSize(32, 3, 2, 1, 3)', 32, 3, 2, 1, 3);
    expectSize(poolOutputSize(9, 3, 1, 0, 4), 1, 'poolOutputSize(9, 3, 1, 0, 4)', 9, 3, 1, 0, 4, true);
  });

  it('matches the shapes tfjs layers produce (zeroPadding2d + a valid layer) on 300 random configurations', () => {
    const rng = new Rng(10);
    const int = (lo: number, hi: number): number => rng.int(lo, hi);
    let checked = 0;
    while (checked < 300) {
      const n = int(1, 64);
      const k = int(1, 11);
      const p = int(0, 4);
      const s = int(1, 5);
      // tfjs refuses strides > 1 together with a dilation > 1.
      const d = s === 1 ? int(1, 3) : 1;
      if (d * (k - 1) + 1 > n + 2 * p) continue;
      const where = `n ${String(n)}, kernel ${String(k)}, stride ${String(s)}, padding ${String(p)}, dilation ${String(d)}`;
      expectSize(convOutputSize(n, k, s, p, d), tfjsSize('conv', n, k, s, p, d), `conv ${where} (against tfjs)`, n, k, s, p, d);
      if (d === 1) expectSize(poolOutputSize(n, k, s, p), tfjsSize('pool', n, k, s, p), `pool ${where} (against tfjs)`, n, k, s, p, 1, true);
      checked++;
    }
  });

  it('throws an ArgumentError for a window wider than the padded input, and for sizes that are not whole numbers', () => {
    // Valid calls first: an unimplemented stub says so here, not as a missing ArgumentError.
    expectSize(convOutputSize(5, 7, 1, 1), 1, 'convOutputSize(5, 7, 1, 1)', 5, 7, 1, 1, 1);
    expectSize(poolOutputSize(4, 2), 2, 'poolOutputSize(4, 2)', 4, 2, 2, 0, 1, true);
    expect(() => convOutputSize(5, 7, 1, 0)).toThrow(ArgumentError);
    // It says so: the window (7 positions) and the padded input (5 positions) are in the message.
    expect(() => convOutputSize(5, 7, 1, 0), 'the message names the window, 7, and the padded input, 5').toThrow(/(\b7\b[^]*\b5\b|\b5\b[^]*\b7\b)/);
    expect(() => convOutputSize(5, 7, 1, 'valid')).toThrow(ArgumentError);
    expect(() => convOutputSize(5, 3, 1, 0, 3)).toThrow(ArgumentError);
    expect(() => poolOutputSize(4, 5)).toThrow(ArgumentError);
    expectSize(convOutputSize(5, 7, 1, 1), 1, 'convOutputSize(5, 7, 1, 1)', 5, 7, 1, 1, 1);
    expectSize(convOutputSize(5, 7, 1, 'same'), 5, 'convOutputSize(5, 7, 1, \'same\')', 5, 7, 1, 'same', 1);
    for (const args of [[0, 3, 1, 0], [28, 0, 1, 0], [28, 3, 0, 0], [28, 3, 1, -1], [28.5, 3, 1, 0], [28, 3, 1, 0, 0]] as const) {
      expect(() => convOutputSize(...(args as unknown as [number, number, number, number])), JSON.stringify(args)).toThrow(ArgumentError);
    }
  });
});

describe('shapes: torchLikeLayer', () => {
  const cases = [
    { spec: { kind: 'conv', kernel: 4, stride: 1, padding: 1 }, side: 49 },
    { spec: { kind: 'conv', kernel: 8, stride: 5, padding: 0 }, side: 9 },
    { spec: { kind: 'maxPool', kernel: 10, stride: 2, padding: 2 }, side: 23 },
    { spec: { kind: 'maxPool', kernel: 2, stride: 1 }, side: 49 },
  ] as const;

  it.each(cases)('reproduces the homework\'s PyTorch layer $spec.kind k$spec.kernel on 50×50×1 (output side $side), padded explicitly', ({ spec, side }) => {
    const model = torchLikeLayer(spec, [50, 50, 1]);
    const names = model.layers.map((l) => l.getClassName());
    expect(names).toEqual([...(('padding' in spec && spec.padding > 0) ? ['ZeroPadding2D'] : []), spec.kind === 'conv' ? 'Conv2D' : 'MaxPooling2D']);
    const y = tf.tidy(() => model.predict(tf.ones([2, 50, 50, 1])) as tf.Tensor);
    expect(y.shape).toEqual([2, side, side, 1]);
    y.dispose();
    model.dispose();
  });

  it('uses PyTorch\'s defaults (stride 1 for a convolution, the window for a pool) and computes a padded max-pool on non-negative inputs', () => {
    const conv = torchLikeLayer({ kind: 'conv', kernel: 3, filters: 4 }, [10, 12, 2]);
    expect(conv.outputs[0]!.shape).toEqual([null, 8, 10, 4]);
    // nn.Conv2d(2, 4, 3) has a bias per filter and no activation: 3·3·2·4 + 4 = 76 parameters, a linear output.
    expectClose(conv.countParams(), 76, 0, 'parameters of nn.Conv2d(2, 4, 3) in tfjs', {
      rule: "k·k·c_in·filters + filters (PyTorch's convolution has a bias per filter)", mistakes: [{ name: 'no bias (useBias: false)', value: 72 }],
    });
    expect(conv.layers.at(-1)!.getConfig().activation, 'nn.Conv2d has no activation of its own').toBe('linear');
    const pool = torchLikeLayer({ kind: 'maxPool', kernel: 2, padding: 1 }, [3, 3, 1]);
    expect(pool.outputs[0]!.shape).toEqual([null, 2, 2, 1]);
    // Padding 1 on each side of [[1,2,3],[4,5,6],[7,8,9]], 2×2 windows with stride 2: [[1,3],[7,9]].
    const y = tf.tidy(() => pool.predict(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1])) as tf.Tensor);
    expect(Array.from(y.dataSync())).toEqual([1, 3, 7, 9]);
    y.dispose();
    conv.dispose();
    pool.dispose();
    expect(() => torchLikeLayer({ kind: 'conv', kernel: 9 }, [5, 5, 1])).toThrow(ArgumentError);
  });
});
