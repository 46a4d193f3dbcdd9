import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { installWasmConvFix, isWasmConvFixInstalled, selectBackend, tf, uninstallWasmConvFix } from './index.ts';
import { wasmConvLimits } from './wasm-conv.ts';

/**
 * Tolerance. Every gradient entry is a sum of T float32 products; the float64 reference is exact to
 * ~1e-16, and a float32 sum of T terms in any order is within γ_T·Σ|terms| of it, γ_T = T·u/(1 − T·u),
 * u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). Zero terms (padding, the
 * zeros between dilated rows, the columns past the output's edge) add no error but are counted in T
 * for the kit's routes, so T is taken generously. A wrong tap, a missed flip or a shifted padding moves
 * entries by O(Σ|terms|), far outside the bound. The cpu backend is held to the same bound, which
 * checks that the reference means what tfjs means.
 */
const U = 2 ** -24;
const gamma = (t: number): number => (t * U) / (1 - t * U);

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  fh: number;
  fw: number;
  strides: [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'ceil' | 'round';
}

const label = (c: Case): string =>
  `x ${c.n}×${c.h}×${c.w}×${c.c}, filter ${c.fh}×${c.fw}→${c.k}, strides ${c.strides.join('×')}, pad ${JSON.stringify(c.pad)}` +
  (c.dimRoundingMode === undefined ? '' : ` (${c.dimRoundingMode})`);

const CASES: Case[] = [
  { n: 2, h: 7, w: 7, c: 3, k: 4, fh: 3, fw: 3, strides: [1, 1], pad: 'same' },
  { n: 3, h: 8, w: 6, c: 2, k: 5, fh: 2, fw: 2, strides: [1, 1], pad: 'same' },
  { n: 1, h: 9, w: 9, c: 4, k: 3, fh: 3, fw: 3, strides: [2, 2], pad: 'same' },
  { n: 2, h: 8, w: 8, c: 3, k: 2, fh: 4, fw: 4, strides: [2, 2], pad: 'same' },
  { n: 2, h: 7, w: 9, c: 1, k: 6, fh: 3, fw: 2, strides: [2, 2], pad: 'valid' },
  { n: 4, h: 6, w: 7, c: 5, k: 3, fh: 1, fw: 1, strides: [2, 2], pad: 'valid' },
  { n: 2, h: 10, w: 10, c: 3, k: 4, fh: 5, fw: 5, strides: [1, 1], pad: 'valid' },
  { n: 1, h: 6, w: 7, c: 2, k: 3, fh: 3, fw: 3, strides: [1, 2], pad: 'same' },
  { n: 2, h: 8, w: 8, c: 3, k: 4, fh: 3, fw: 3, strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { n: 2, h: 5, w: 5, c: 2, k: 3, fh: 2, fw: 2, strides: [1, 1], pad: [[0, 0], [3, 0], [2, 3], [0, 0]] },
  { n: 2, h: 11, w: 10, c: 3, k: 2, fh: 3, fw: 3, strides: [3, 3], pad: 'valid' },
  { n: 2, h: 7, w: 7, c: 2, k: 3, fh: 3, fw: 3, strides: [2, 2], pad: 1, dimRoundingMode: 'floor' },
  { n: 1, h: 8, w: 8, c: 2, k: 3, fh: 3, fw: 3, strides: [2, 2], pad: 0, dimRoundingMode: 'ceil' },
  { n: 5, h: 12, w: 12, c: 16, k: 8, fh: 3, fw: 3, strides: [1, 1], pad: 'same' },
  { n: 3, h: 9, w: 9, c: 8, k: 16, fh: 4, fw: 4, strides: [2, 2], pad: 'same' },
  // fh·fw·c < k: the filter gradient's transposed product (a first layer's shape).
  { n: 4, h: 10, w: 10, c: 1, k: 16, fh: 3, fw: 3, strides: [1, 1], pad: 'same' },
  { n: 2, h: 9, w: 8, c: 2, k: 12, fh: 2, fw: 2, strides: [2, 2], pad: 'valid' },
];

function info(c: Case): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.c], [c.fh, c.fw, c.c, c.k], c.strides, 1, c.pad, c.dimRoundingMode);
}

interface Reference {
  value: Float64Array;
  absSum: Float64Array;
}

/**
 * dW[i,j,c,k] = Σ x[n, oh·sh + i − top, ow·sw + j − left, c] · dy[n, oh, ow, k] and
 * dx[n,h,w,c] = Σ dy[n, oh, ow, k] · W[i, j, c, k] over h = oh·sh + i − top, w = ow·sw + j − left,
 * in float64, with the sums of absolute terms.
 */
function reference(c: Case, x: Float32Array, dy: Float32Array, filter: Float32Array): { dW: Reference; dx: Reference } {
  const ci = info(c);
  const { outHeight: oh, outWidth: ow } = ci;
  const [sh, sw] = c.strides;
  const { top, left } = ci.padInfo;
  const dW = { value: new Float64Array(c.fh * c.fw * c.c * c.k), absSum: new Float64Array(c.fh * c.fw * c.c * c.k) };
  const dx = { value: new Float64Array(c.n * c.h * c.w * c.c), absSum: new Float64Array(c.n * c.h * c.w * c.c) };
  for (let n = 0; n < c.n; n++) {
    for (let yr = 0; yr < oh; yr++) {
      for (let yc = 0; yc < ow; yc++) {
        for (let i = 0; i < c.fh; i++) {
          const h = yr * sh + i - top;
          if (h < 0 || h >= c.h) continue;
          for (let j = 0; j < c.fw; j++) {
            const w = yc * sw + j - left;
            if (w < 0 || w >= c.w) continue;
            for (let ch = 0; ch < c.c; ch++) {
              const xi = ((n * c.h + h) * c.w + w) * c.c + ch;
              for (let k = 0; k < c.k; k++) {
                const g = dy[((n * oh + yr) * ow + yc) * c.k + k]!;
                const wi = ((i * c.fw + j) * c.c + ch) * c.k + k;
                dW.value[wi]! += x[xi]! * g;
                dW.absSum[wi]! += Math.abs(x[xi]! * g);
                dx.value[xi]! += g * filter[wi]!;
                dx.absSum[xi]! += Math.abs(g * filter[wi]!);
              }
            }
          }
        }
      }
    }
  }
  return { dW, dx };
}

function expectWithin(got: ArrayLike<number>, want: Reference, terms: number, what: string): void {
  expect(got.length).toBe(want.value.length);
  let worst = { i: -1, excess: 0 };
  for (let i = 0; i < got.length; i++) {
    const excess = Math.abs(got[i]! - want.value[i]!) - (gamma(terms) * want.absSum[i]! + 1e-30);
    if (!(excess <= worst.excess)) worst = { i, excess };
  }
  if (worst.i >= 0) {
    const i = worst.i;
    expect.fail(`${what} element ${i}: got ${got[i]}, want ${want.value[i]} ± ${gamma(terms) * want.absSum[i]!}`);
  }
}

/** Data IDs the wasm backend holds: a temporary the kernels forget to free shows up here. */
const backendTensors = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

function gradients(c: Case, x: Float32Array, dy: Float32Array, filter: Float32Array): { dW: Float32Array; dx: Float32Array } {
  const ci = info(c);
  return tf.tidy(() => {
    const common = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode };
    const xT = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
    const dyT = tf.tensor4d(dy, [c.n, ci.outHeight, ci.outWidth, c.k]);
    const fT = tf.tensor4d(filter, [c.fh, c.fw, c.c, c.k]);
    const dW = tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropFilter, { x: xT, dy: dyT }, { ...common, filterShape: [c.fh, c.fw, c.c, c.k] } as unknown as tf.NamedAttrMap);
    const dx = tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropInput, { dy: dyT, filter: fT }, { ...common, inputShape: [c.n, c.h, c.w, c.c] } as unknown as tf.NamedAttrMap);
    expect(dW.shape).toEqual([c.fh, c.fw, c.c, c.k]);
    expect(dx.shape).toEqual([c.n, c.h, c.w, c.c]);
    return { dW: dW.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array };
  });
}

const rng = new Rng(20261203);
const normals = (count: number): Float32Array => Float32Array.from(rng.normals(count));

beforeAll(async () => {
  await selectBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
  installWasmConvFix();
});

describe('the conv fix is installed by selecting wasm and can be toggled', () => {
  it('install and uninstall are idempotent; stock wasm has no Conv2DBackpropFilter', () => {
    expect(isWasmConvFixInstalled()).toBe(true);
    installWasmConvFix();
    expect(isWasmConvFixInstalled()).toBe(true);
    uninstallWasmConvFix();
    uninstallWasmConvFix();
    expect(isWasmConvFixInstalled()).toBe(false);
    expect(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') as tf.KernelConfig | undefined).toBeUndefined();
    expect(tf.getKernel(tf.Conv2DBackpropInput, 'wasm') as tf.KernelConfig | undefined).toBeDefined();
    // What the kit fixes: on stock wasm a convolution cannot even give its filter a gradient.
    const x = tf.ones([1, 4, 4, 1]);
    const f = tf.ones([2, 2, 1, 1]);
    expect(() => tf.grad((w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())(f)).toThrow(
      /Conv2DBackpropFilter.*not registered.*wasm/,
    );
    tf.dispose([x, f]);
    installWasmConvFix();
    expect(isWasmConvFixInstalled()).toBe(true);
  });
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm equal float64 math, as the cpu backend does', () => {
  it.each(CASES)('$#: %s', (c) => {
    const ci = info(c);
    const x = normals(c.n * c.h * c.w * c.c);
    const dy = normals(c.n * ci.outHeight * ci.outWidth * c.k);
    const filter = normals(c.fh * c.fw * c.c * c.k);
    const want = reference(c, x, dy, filter);
    // Terms per dW entry: at most one per dy pixel and im2col column (outH·(outW + fw) per image, plus
    // the chunk sums); per dx entry: fh·fw·k, dilation zeros included.
    const filterTerms = c.n * (ci.outHeight + 1) * (ci.outWidth + c.fw + c.strides[1]) + 8;
    const inputTerms = c.fh * c.fw * c.k;

    const before = backendTensors();
    const wasm = gradients(c, x, dy, filter);
    expect(backendTensors(), 'kernel temporaries left on the wasm heap').toBe(before);
    expectWithin(wasm.dW, want.dW, filterTerms, `${label(c)}: wasm dW`);
    expectWithin(wasm.dx, want.dx, inputTerms, `${label(c)}: wasm dx`);
  });

  it('the cpu backend meets the same bounds on the same cases (the reference means what tfjs means)', async () => {
    const checkRng = new Rng(7);
    await tf.setBackend('cpu');
    try {
      for (const c of CASES) {
        const ci = info(c);
        const x = Float32Array.from(checkRng.normals(c.n * c.h * c.w * c.c));
        const dy = Float32Array.from(checkRng.normals(c.n * ci.outHeight * ci.outWidth * c.k));
        const filter = Float32Array.from(checkRng.normals(c.fh * c.fw * c.c * c.k));
        const want = reference(c, x, dy, filter);
        const cpu = gradients(c, x, dy, filter);
        expectWithin(cpu.dW, want.dW, c.n * ci.outHeight * ci.outWidth, `${label(c)}: cpu dW`);
        expectWithin(cpu.dx, want.dx, c.fh * c.fw * c.k, `${label(c)}: cpu dx`);
      }
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('a batch split into im2col chunks (with a remainder) gives the same filter gradient', () => {
    const c: Case = { n: 7, h: 9, w: 8, c: 3, k: 4, fh: 3, fw: 3, strides: [1, 1], pad: 'same' };
    const ci = info(c);
    const x = normals(c.n * c.h * c.w * c.c);
    const dy = normals(c.n * ci.outHeight * ci.outWidth * c.k);
    const filter = normals(c.fh * c.fw * c.c * c.k);
    const want = reference(c, x, dy, filter);
    const saved = wasmConvLimits.im2colFloats;
    // One image's im2col is fh·fw·c × outH·wq = 27 × 9·10 floats: a budget of 3 images gives chunks 3, 3, 1.
    wasmConvLimits.im2colFloats = 27 * 90 * 3;
    try {
      const wasm = gradients(c, x, dy, filter);
      expectWithin(wasm.dW, want.dW, c.n * (ci.outHeight + 1) * (ci.outWidth + c.fw + 1) + 8, `${label(c)} in chunks: wasm dW`);
    } finally {
      wasmConvLimits.im2colFloats = saved;
    }
  });
});

describe('unsupported attributes are errors, never wrong numbers', () => {
  const x = (): tf.Tensor4D => tf.ones([1, 5, 5, 2]);
  const dy = (): tf.Tensor4D => tf.ones([1, 5, 5, 3]);

  it('a filter gradient in NCHW or with dilations above 1 throws a KitError that says why', () => {
    const base = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };
    const run = (attrs: object) => (): unknown =>
      tf.tidy(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: x(), dy: dy() }, attrs as tf.NamedAttrMap));
    expect(run({ ...base, dataFormat: 'NCHW' })).toThrow(KitError);
    expect(run({ ...base, dataFormat: 'NCHW' })).toThrow(/NHWC/);
    expect(run({ ...base, dilations: [2, 2] })).toThrow(KitError);
    expect(run({ ...base, dilations: [2, 2] })).toThrow(/dilations of 1 only/);
    expect(() =>
      tf.tidy(() =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dy(), filter: tf.ones([3, 3, 2, 3]) }, {
          strides: [1, 1],
          pad: 'same',
          dataFormat: 'NHWC',
          inputShape: [1, 5, 5, 2],
          dilations: 2,
        }),
      ),
    ).toThrow(/dilations of 1 only/);
  });

  it('an input gradient in NCHW goes to the stock kernel and equals the cpu backend', async () => {
    const dyValues = normals(2 * 3 * 4 * 5);
    const filterValues = normals(3 * 3 * 2 * 3);
    const run = (): Float32Array =>
      tf.tidy(() => {
        const out = tf.engine().runKernel<tf.Tensor>(
          tf.Conv2DBackpropInput,
          { dy: tf.tensor4d(dyValues, [2, 3, 4, 5]), filter: tf.tensor4d(filterValues, [3, 3, 2, 3]) },
          { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', inputShape: [2, 2, 4, 5] },
        );
        expect(out.shape).toEqual([2, 2, 4, 5]);
        return out.dataSync() as Float32Array;
      });
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    onCpu.forEach((v, i) => {
      expect(Math.abs(onWasm[i]! - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v)));
    });
  });
});

describe('gradients through a tf.layers conv2d on wasm', () => {
  it('tf.grad of Σ R·conv2d(x) equals the float64 reference and a finite difference', () => {
    const c: Case = { n: 3, h: 9, w: 8, c: 3, k: 4, fh: 3, fw: 3, strides: [2, 2], pad: 'same' };
    const ci = info(c);
    const layer = tf.layers.conv2d({
      filters: c.k,
      kernelSize: [c.fh, c.fw],
      strides: c.strides,
      padding: 'same',
      useBias: true,
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 5 }),
      biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 6 }),
    });
    layer.build([null, c.h, c.w, c.c]);
    const own = new Rng(99);
    const xValues = Float32Array.from(own.normals(c.n * c.h * c.w * c.c));
    const rValues = Float32Array.from(own.normals(c.n * ci.outHeight * ci.outWidth * c.k));
    const vValues = Float32Array.from(own.normals(xValues.length));
    const x = tf.tensor4d(xValues, [c.n, c.h, c.w, c.c]);
    const r = tf.tensor4d(rValues, [c.n, ci.outHeight, ci.outWidth, c.k]);
    const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, r));
    const { value, grads } = tf.variableGrads(() => loss(x));
    const dx = tf.grad(loss)(x);
    const [kernel] = layer.getWeights();
    const kernelGrad = Object.values(grads).find((g) => g.rank === 4)!;
    const biasGrad = Object.values(grads).find((g) => g.rank === 1)!;
    const want = reference(c, xValues, rValues, kernel!.dataSync() as Float32Array);
    expectWithin(kernelGrad.dataSync(), want.dW, c.n * (ci.outHeight + 1) * (ci.outWidth + c.fw + 2) + 8, 'dL/dkernel');
    expectWithin(dx.dataSync(), want.dx, c.fh * c.fw * c.k, 'dL/dx');
    // dL/dbias[k] = Σ R[..., k].
    const biasWant = new Float64Array(c.k);
    rValues.forEach((v, i) => (biasWant[i % c.k]! += v));
    const biasGot = biasGrad.dataSync();
    biasWant.forEach((v, k) => {
      expect(Math.abs(biasGot[k]! - v)).toBeLessThan(1e-4);
    });

    // L is affine in x, so the central difference along any V is exact but for rounding:
    // (L(x + V) − L(x − V)) / 2 = ⟨∇ₓL, V⟩. Each float32 loss sums 240 products R·y, each y a sum of
    // 28 terms: their rounding is about γ₂₄₀ + γ₂₈ ≈ 1.6e-5 of Σ|R·y| at worst, and 1e-4 of it is
    // allowed. A wrong gradient is off by O(|⟨∇ₓL, V⟩|), checked to be 100 times that allowance.
    const v = tf.tensor4d(vValues, x.shape);
    const [up, down, absUp, absDown] = tf.tidy(() => {
      const yUp = layer.apply(tf.add(x, v)) as tf.Tensor;
      const yDown = layer.apply(tf.sub(x, v)) as tf.Tensor;
      return [tf.sum(tf.mul(yUp, r)), tf.sum(tf.mul(yDown, r)), tf.sum(tf.abs(tf.mul(yUp, r))), tf.sum(tf.abs(tf.mul(yDown, r)))].map(
        (t) => t.dataSync()[0]!,
      ) as [number, number, number, number];
    });
    const dxv = dx.dataSync();
    let directional = 0;
    for (let i = 0; i < vValues.length; i++) directional += dxv[i]! * vValues[i]!;
    const tolerance = 1e-4 * (absUp + absDown);
    expect(Math.abs(directional)).toBeGreaterThan(100 * tolerance);
    expect(Math.abs((up - down) / 2 - directional)).toBeLessThan(tolerance);
    tf.dispose([x, r, v, value, dx, ...Object.values(grads)]);
    for (const weight of layer.weights) weight.dispose();
  });
});

describe('tf.layers.conv2dTranspose (its forward pass is Conv2DBackpropInput) on wasm', () => {
  it('output and gradients match the cpu backend', async () => {
    const xValues = normals(2 * 5 * 4 * 3);
    const rValues = normals(2 * 10 * 8 * 4);
    const run = (): Float32Array[] => {
      const layer = tf.layers.conv2dTranspose({
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 8 }),
        biasInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 1, seed: 9 }),
      });
      layer.build([null, 5, 4, 3]);
      const result = tf.tidy(() => {
        const x = tf.tensor4d(xValues, [2, 5, 4, 3]);
        const r = tf.tensor4d(rValues, [2, 10, 8, 4]);
        const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, r));
        const y = layer.apply(x) as tf.Tensor;
        expect(y.shape).toEqual([2, 10, 8, 4]);
        const { grads } = tf.variableGrads(() => loss(x));
        const kernelGrad = Object.values(grads).find((g) => g.rank === 4)!;
        return [y, tf.grad(loss)(x), kernelGrad].map((t) => t.dataSync() as Float32Array);
      });
      for (const weight of layer.weights) weight.dispose();
      return result;
    };
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    onCpu.forEach((want, which) => {
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0);
      want.forEach((v, i) => {
        if (!(Math.abs(onWasm[which]![i]! - v) <= 1e-5 * scale)) expect.fail(`output ${which} element ${i}: wasm ${onWasm[which]![i]}, cpu ${v}`);
      });
    });
  });
});

describe('a tiny tf.layers CNN trains on wasm', () => {
  /** 8×8 images of three classes: a vertical bar, a horizontal bar, a diagonal, each at a random offset, plus noise. */
  function shapes(count: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const r = new Rng(seed);
    const pixels = new Float32Array(count * 64);
    const labels: number[] = [];
    for (let i = 0; i < count; i++) {
      const cls = i % 3;
      const at = r.int(1, 7);
      for (let p = 0; p < 64; p++) pixels[i * 64 + p] = 0.1 * r.normal();
      for (let t = 0; t < 8; t++) {
        const [row, col] = cls === 0 ? [t, at] : cls === 1 ? [at, t] : [t, t];
        pixels[i * 64 + row * 8 + col]! += 1;
      }
      labels.push(cls);
    }
    return tf.tidy(() => ({ x: tf.tensor4d(pixels, [count, 8, 8, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D }));
  }

  it('a few Adam steps lower the loss, and no tensor is left behind from one step to the next', () => {
    const seeds = new Rng(11);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seeds.seed() }) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: seeds.seed() }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: seeds.seed() }) }),
      ],
    });
    const { x, y } = shapes(48, 3);
    const optimizer = tf.train.adam(0.02);
    const step = (): number => {
      const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor), true)!;
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    };
    const losses = [step(), step()]; // the first steps create Adam's slots
    const tensors = tf.memory().numTensors;
    const data = backendTensors();
    for (let i = 0; i < 18; i++) {
      losses.push(step());
      expect(tf.memory().numTensors).toBe(tensors);
      expect(backendTensors()).toBe(data);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  });
});
