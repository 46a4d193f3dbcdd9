import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '#kit/rng';
import { installWasmMatMulFix, isWasmMatMulFixInstalled, selectBackend, tf, uninstallWasmMatMulFix } from './index.ts';

/**
 * Tolerance. Both sides compute C[i,j] = Σ_k A[i,k]·B[k,j]; the reference in float64 is exact to ~1e-16,
 * the kernel sums K float32 products, whose error is at most γ_K·Σ_k|A[i,k]·B[k,j]| with
 * γ_K = K·u/(1-K·u), u = 2⁻²⁴ (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), in any
 * summation order. Inputs are float32 already, so that is the whole matmul error. The activations
 * are 1-Lipschitz (sigmoid ¼, prelu/leakyrelu |slope| < 1) and add a few ulp of rounding of their own;
 * 8 ulp of the output covers them (wasm's expf is accurate to ~1 ulp). A swapped or missed transpose
 * changes entries by O(Σ|A·B|), far outside this bound.
 */
const U = 2 ** -24;
const gamma = (k: number): number => (k * U) / (1 - k * U);

type Activation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu' | 'prelu';
const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'];
const LEAKY_ALPHA = 0.2;
const TRANSPOSES = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

interface Case {
  /** Batch dims of A and B ([] for a 2-D operand); they broadcast as in tf.matMul. */
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
}

const size = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/** op(A)·op(B) in float64 from the stored (possibly transposed) layouts, with batch broadcasting. */
function referenceMatMul(
  a: Float32Array,
  b: Float32Array,
  c: Case,
  transposeA: boolean,
  transposeB: boolean,
): { value: Float64Array; absSum: Float64Array; shape: number[] } {
  const { m, k, n } = c;
  const rank = Math.max(c.batchA.length, c.batchB.length);
  const padA = [...Array<number>(rank - c.batchA.length).fill(1), ...c.batchA];
  const padB = [...Array<number>(rank - c.batchB.length).fill(1), ...c.batchB];
  const batch = padA.map((d, i) => Math.max(d, padB[i]!));
  const value = new Float64Array(size(batch) * m * n);
  const absSum = new Float64Array(value.length);
  const flatIndex = (idx: number[], dims: number[]): number =>
    idx.reduce((acc, v, i) => acc * dims[i]! + (dims[i] === 1 ? 0 : v), 0);
  for (let bi = 0; bi < size(batch); bi++) {
    const idx: number[] = [];
    for (let rest = bi, d = rank - 1; d >= 0; d--) {
      idx[d] = rest % batch[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    const offA = flatIndex(idx, padA) * m * k;
    const offB = flatIndex(idx, padB) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a[offA + (transposeA ? p * m + i : i * k + p)]!;
          const y = b[offB + (transposeB ? j * k + p : p * n + j)]!;
          s += x * y;
          abs += Math.abs(x * y);
        }
        value[(bi * m + i) * n + j] = s;
        absSum[(bi * m + i) * n + j] = abs;
      }
    }
  }
  return { value, absSum, shape: [...batch, m, n] };
}

function activate(x: number, activation: Activation, preluWeight: number): number {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return Math.max(0, x);
    case 'relu6':
      return Math.min(6, Math.max(0, x));
    case 'elu':
      return x > 0 ? x : Math.expm1(x);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'leakyrelu':
      return x > 0 ? x : LEAKY_ALPHA * x;
    case 'prelu':
      return x > 0 ? x : preluWeight * x;
  }
}

function expectWithin(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: (i: number) => number): void {
  expect(actual.length).toBe(expected.length);
  let worst = { i: -1, excess: 0 };
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - tolerance(i);
    if (excess > worst.excess) worst = { i, excess };
  }
  if (worst.i >= 0) {
    const i = worst.i;
    expect.fail(`element ${i}: got ${actual[i]}, want ${expected[i]} ± ${tolerance(i)}`);
  }
}

const storedShape = (batch: number[], rows: number, cols: number, transposed: boolean): number[] =>
  transposed ? [...batch, cols, rows] : [...batch, rows, cols];

const label = (c: Case, ta: boolean, tb: boolean): string =>
  `[${[...c.batchA, c.m, c.k].join('×')}]${ta ? 'ᵀ' : ''} · [${[...c.batchB, c.k, c.n].join('×')}]${tb ? 'ᵀ' : ''}`;

/** Data IDs the wasm backend holds: a temporary the fix forgets to free shows up here. */
const backendTensors = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

const rng = new Rng(20261123);

beforeAll(async () => {
  await selectBackend('wasm');
});

afterAll(() => {
  installWasmMatMulFix();
});

describe('the fix is installed by selecting wasm and can be toggled', () => {
  it('install and uninstall are idempotent', () => {
    expect(isWasmMatMulFixInstalled()).toBe(true);
    installWasmMatMulFix();
    expect(isWasmMatMulFixInstalled()).toBe(true);
    uninstallWasmMatMulFix();
    uninstallWasmMatMulFix();
    expect(isWasmMatMulFixInstalled()).toBe(false);
    installWasmMatMulFix();
    expect(isWasmMatMulFixInstalled()).toBe(true);
  });
});

const MATMUL_CASES: Case[] = [
  { batchA: [], batchB: [], m: 1, k: 1, n: 1 },
  { batchA: [], batchB: [], m: 7, k: 33, n: 1 },
  { batchA: [], batchB: [], m: 33, k: 7, n: 130 },
  { batchA: [], batchB: [], m: 130, k: 33, n: 7 },
  { batchA: [], batchB: [], m: 1, k: 130, n: 33 },
  { batchA: [3], batchB: [3], m: 7, k: 33, n: 1 },
  { batchA: [3], batchB: [3], m: 33, k: 130, n: 7 },
  { batchA: [3], batchB: [1], m: 7, k: 33, n: 130 },
  { batchA: [1], batchB: [3], m: 33, k: 7, n: 33 },
  { batchA: [], batchB: [3], m: 7, k: 33, n: 1 },
  { batchA: [3], batchB: [], m: 130, k: 7, n: 33 },
  { batchA: [2, 3], batchB: [3], m: 7, k: 33, n: 7 },
];

describe('BatchMatMul with the fix equals float64 math', () => {
  for (const c of MATMUL_CASES) {
    for (const [ta, tb] of TRANSPOSES) {
      it(label(c, ta, tb), () => {
        const a = Float32Array.from(rng.normals(size(c.batchA) * c.m * c.k));
        const b = Float32Array.from(rng.normals(size(c.batchB) * c.k * c.n));
        const ref = referenceMatMul(a, b, c, ta, tb);
        const held = backendTensors();
        const got = tf.tidy(() => {
          const ta_ = tf.tensor(a, storedShape(c.batchA, c.m, c.k, ta));
          const tb_ = tf.tensor(b, storedShape(c.batchB, c.k, c.n, tb));
          const out = tf.matMul(ta_, tb_, ta, tb);
          expect(out.shape).toEqual(ref.shape);
          return out.dataSync().slice();
        });
        expect(backendTensors()).toBe(held);
        expectWithin(got, ref.value, (i) => gamma(c.k) * ref.absSum[i]!);
      });
    }
  }
});

const FUSED_CASES: Case[] = [
  { batchA: [1], batchB: [1], m: 1, k: 7, n: 1 },
  { batchA: [1], batchB: [1], m: 33, k: 130, n: 7 },
  { batchA: [1], batchB: [1], m: 130, k: 7, n: 33 },
  { batchA: [3], batchB: [3], m: 7, k: 33, n: 33 },
  { batchA: [3], batchB: [1], m: 33, k: 7, n: 7 },
  { batchA: [], batchB: [], m: 7, k: 33, n: 130 },
];

describe('fused matMul (bias + activation) with the fix equals float64 math', () => {
  for (const activation of ACTIVATIONS) {
    for (const c of FUSED_CASES) {
      for (const [ta, tb] of TRANSPOSES) {
        it(`${activation}: ${label(c, ta, tb)} + bias`, () => {
          const a = Float32Array.from(rng.normals(size(c.batchA) * c.m * c.k));
          const b = Float32Array.from(rng.normals(size(c.batchB) * c.k * c.n));
          const bias = Float32Array.from(rng.normals(c.n));
          const prelu = Float32Array.from(rng.uniforms(c.n, -0.5, 0.5));
          const ref = referenceMatMul(a, b, c, ta, tb);
          const expected = ref.value.map((v, i) => activate(v + bias[i % c.n]!, activation, prelu[i % c.n]!));
          const held = backendTensors();
          const got = tf.tidy(() =>
            tf.fused
              .matMul({
                a: tf.tensor(a, storedShape(c.batchA, c.m, c.k, ta)),
                b: tf.tensor(b, storedShape(c.batchB, c.k, c.n, tb)),
                transposeA: ta,
                transposeB: tb,
                bias: tf.tensor1d(bias),
                activation,
                ...(activation === 'prelu' ? { preluActivationWeights: tf.tensor1d(prelu) } : {}),
                ...(activation === 'leakyrelu' ? { leakyreluAlpha: LEAKY_ALPHA } : {}),
              })
              .dataSync()
              .slice(),
          );
          expect(backendTensors()).toBe(held);
          // Adding the bias rounds once more: one ulp of the pre-activation value.
          expectWithin(
            got,
            expected,
            (i) =>
              gamma(c.k + 1) * (ref.absSum[i]! + Math.abs(bias[i % c.n]!)) + 8 * U * Math.max(1, Math.abs(expected[i]!)),
          );
        });
      }
    }
  }

  it('without bias', () => {
    const c: Case = { batchA: [1], batchB: [1], m: 33, k: 7, n: 130 };
    const a = Float32Array.from(rng.normals(c.m * c.k));
    const b = Float32Array.from(rng.normals(c.k * c.n));
    const ref = referenceMatMul(a, b, c, true, true);
    const got = tf.tidy(() =>
      tf.fused
        .matMul({ a: tf.tensor(a, [1, c.k, c.m]), b: tf.tensor(b, [1, c.n, c.k]), transposeA: true, transposeB: true })
        .dataSync()
        .slice(),
    );
    expectWithin(got, ref.value, (i) => gamma(c.k) * ref.absSum[i]!);
  });
});

describe('stock wasm _FusedMatMul', () => {
  it('misplaces the bias on its scalar path, which the fused wrapper avoids', () => {
    const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    const b = tf.tensor3d([1, 0, 0, 1], [1, 2, 2]);
    const bias = tf.tensor1d([10, 20]);
    // A·I + bias, with A handed over pre-transposed and transposeA set: stock wasm takes its scalar path.
    const expected = tf.tidy(() => tf.matMul(a, b).add(bias).arraySync());
    uninstallWasmMatMulFix();
    const stock = tf.tidy(() => tf.fused.matMul({ a: a.transpose([0, 2, 1]), b, transposeA: true, bias }).arraySync());
    installWasmMatMulFix();
    const fixed = tf.tidy(() => tf.fused.matMul({ a: a.transpose([0, 2, 1]), b, transposeA: true, bias }).arraySync());
    expect(fixed).toEqual(expected);
    expect(stock).not.toEqual(expected);
    tf.dispose([a, b, bias]);
  });
});

describe('gradients through a dense layer', () => {
  /**
   * 64 → 32 (relu) → 10 dense layers with softmax cross-entropy. Each gradient entry is a chain of
   * three matmuls of depth ≤ 64 in float32 on both backends, in different summation orders; each adds
   * at most 64·2⁻²⁴ ≈ 4e-6 relative to its magnitude. 1e-4 of the largest entry of each gradient
   * leaves room for that and still fails on a wrong transpose, which changes entries by O(100 %).
   */
  function gradients(): Float32Array[] {
    const local = new Rng(7);
    const normals = (n: number, std: number) => Float32Array.from(local.normals(n, 0, std));
    return tf.tidy(() => {
      const w1 = tf.variable(tf.tensor2d(normals(64 * 32, 0.2), [64, 32]));
      const b1 = tf.variable(tf.tensor1d(normals(32, 0.1)));
      const w2 = tf.variable(tf.tensor2d(normals(32 * 10, 0.3), [32, 10]));
      const b2 = tf.variable(tf.tensor1d(normals(10, 0.1)));
      const x = tf.tensor2d(normals(48 * 64, 1), [48, 64]);
      const labels = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 48 }, () => local.int(0, 9)), 'int32'), 10);
      const variables = [w1, b1, w2, b2];
      const { grads } = tf.variableGrads(() => {
        // The same calls tf.layers.dense makes: a fused matMul with bias and activation.
        const hidden = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
        const logits = tf.fused.matMul({ a: hidden, b: w2, bias: b2 });
        return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(labels, logits);
      }, variables);
      const out = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
      for (const v of variables) v.dispose();
      return out;
    });
  }

  /** Records the transpose flags each wasm BatchMatMul call receives, to show the test takes the fixed path. */
  function recordingTransposes(run: () => Float32Array[]): { result: Float32Array[]; flags: string[] } {
    const installed = tf.getKernel(tf.BatchMatMul, 'wasm');
    const flags: string[] = [];
    tf.unregisterKernel(tf.BatchMatMul, 'wasm');
    tf.registerKernel({
      ...installed,
      kernelFunc: (params) => {
        flags.push(`${params.attrs?.transposeA === true ? 'T' : 'N'}${params.attrs?.transposeB === true ? 'T' : 'N'}`);
        return installed.kernelFunc(params);
      },
    });
    try {
      return { result: run(), flags };
    } finally {
      tf.unregisterKernel(tf.BatchMatMul, 'wasm');
      tf.registerKernel(installed);
    }
  }

  it('match the cpu backend with the fix installed', async () => {
    expect(isWasmMatMulFixInstalled()).toBe(true);
    const { result: onWasm, flags } = recordingTransposes(gradients);
    // dx = dy·Wᵀ and dW = xᵀ·dy: the backward pass is made of exactly the forms the fix rewrites.
    expect(flags).toContain('NT');
    expect(flags).toContain('TN');
    await tf.setBackend('cpu');
    const onCpu = gradients();
    await tf.setBackend('wasm');
    expect(onWasm.map((g) => g.length)).toEqual([64 * 32, 32, 32 * 10, 10]);
    onWasm.forEach((g, layer) => {
      const expected = onCpu[layer]!;
      const scale = expected.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0);
      expectWithin(g, expected, () => 1e-4 * scale);
    });
  });
});
