import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';

/**
 * The wasm backend hands a matmul to XNNPACK only when neither operand is transposed; with
 * `transposeA` or `transposeB` set it falls back to a scalar loop that is 10–30× slower. Back-propagation
 * through a dense layer needs exactly those forms (dx = dy·Wᵀ, dW = xᵀ·dy). The fix wraps both matmul
 * kernels: transpose the flagged operand explicitly (a cheap O(n²) copy) and run the fast O(n³) path.
 * The fused wrapper also routes around a stock bug that misplaces the bias (see `untransposingFused`).
 * Gradients are registered per kernel name, independently of the backend's kernel function, so
 * replacing the function keeps autodiff intact.
 */

const KERNELS = [tf.BatchMatMul, tf._FusedMatMul] as const;

/** Kept on the wrapper itself (not in a module variable) so a second copy of this module sees it too. */
const ORIGINAL = Symbol.for('dlkit.tf.wasmMatMulFix.original');

type WrappedKernelFunc = tf.KernelFunc & { [ORIGINAL]?: tf.KernelConfig };

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

function currentKernel(kernelName: string): tf.KernelConfig {
  // getKernel is typed as always returning a config, but yields undefined before the backend registers.
  const config = tf.getKernel(kernelName, 'wasm') as tf.KernelConfig | undefined;
  if (config === undefined) {
    throw new KitError(
      `The wasm backend's ${kernelName} kernel is not registered, so the transposed-matmul fix cannot be ` +
        `installed. Import @tensorflow/tfjs-backend-wasm first, which \`await ready()\` from #kit/tf does for you.`,
    );
  }
  return config;
}

function originalOf(config: tf.KernelConfig): tf.KernelConfig | undefined {
  return (config.kernelFunc as WrappedKernelFunc)[ORIGINAL];
}

/** True while the wasm matmul kernels are the untransposing wrappers. */
export function isWasmMatMulFixInstalled(): boolean {
  const config = tf.getKernel(tf.BatchMatMul, 'wasm') as tf.KernelConfig | undefined;
  return config !== undefined && originalOf(config) !== undefined;
}

/** Replaces wasm `BatchMatMul` and `_FusedMatMul` with wrappers that never pass a transpose flag on. Idempotent. */
export function installWasmMatMulFix(): void {
  for (const kernelName of KERNELS) {
    const original = currentKernel(kernelName);
    if (originalOf(original) !== undefined) continue;
    const wrap = kernelName === tf._FusedMatMul ? untransposingFused : untransposing;
    const kernelFunc: WrappedKernelFunc = wrap(original.kernelFunc);
    kernelFunc[ORIGINAL] = original;
    tf.unregisterKernel(kernelName, 'wasm');
    // setupFunc stays: if the backend initialises later, the original kernel still needs its wasm bindings.
    tf.registerKernel({ ...original, kernelFunc });
  }
}

/** Puts the stock wasm kernels back (for benchmarks that compare both). Idempotent. */
export function uninstallWasmMatMulFix(): void {
  for (const kernelName of KERNELS) {
    const original = originalOf(currentKernel(kernelName));
    if (original === undefined) continue;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(original);
  }
}

/**
 * Both wrappers share this: transpose the flagged operands, call `run` with plain operands, free the copies.
 * Kernel-internal tensors live only in the backend, not in the engine, so they are freed there.
 */
function withPlainOperands(
  params: Parameters<tf.KernelFunc>[0],
  run: (a: tf.TensorInfo, b: tf.TensorInfo, temporaries: tf.TensorInfo[]) => tf.TensorInfo | tf.TensorInfo[],
): tf.TensorInfo | tf.TensorInfo[] {
  const attrs = params.attrs ?? {};
  const { a, b } = params.inputs;
  if (a === undefined || b === undefined) throw new Error('matMul kernel called without inputs a and b');
  const temporaries: tf.TensorInfo[] = [];
  try {
    const aPlain = attrs.transposeA === true ? swapLastTwoAxes(a, params.backend, temporaries) : a;
    const bPlain = attrs.transposeB === true ? swapLastTwoAxes(b, params.backend, temporaries) : b;
    return run(aPlain, bPlain, temporaries);
  } finally {
    const backend = params.backend as WasmBackendLike;
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

function untransposing(kernel: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const attrs = params.attrs ?? {};
    if (attrs.transposeA !== true && attrs.transposeB !== true) return kernel(params);
    return withPlainOperands(params, (a, b) =>
      kernel({ ...params, inputs: { ...params.inputs, a, b }, attrs: { ...attrs, transposeA: false, transposeB: false } }),
    );
  };
}

/**
 * Besides the transposes, stock wasm `_FusedMatMul` adds the bias to the wrong columns whenever it
 * takes its scalar path (any transpose flag, or more than one matrix in the batch); measured against
 * the cpu backend, 4.22.0. Untransposed batch-1 products go to XNNPACK, which is right; for batched
 * ones with a bias, the bias and the activation are applied by separate wasm kernels instead.
 */
function untransposingFused(kernel: tf.KernelFunc): tf.KernelFunc {
  return (params) => {
    const attrs = params.attrs ?? {};
    const { a, b, bias } = params.inputs;
    const batched = a !== undefined && b !== undefined && Math.max(batchSize(a), batchSize(b)) > 1;
    if (attrs.transposeA !== true && attrs.transposeB !== true && !(batched && bias !== undefined)) {
      return kernel(params);
    }
    return withPlainOperands(params, (aPlain, bPlain, temporaries) => {
      const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
      if (!batched || bias === undefined) {
        return kernel({ ...params, inputs: { ...params.inputs, a: aPlain, b: bPlain }, attrs: plainAttrs });
      }
      const product = kernel({
        ...params,
        inputs: { a: aPlain, b: bPlain },
        attrs: { ...plainAttrs, activation: 'linear' },
      }) as tf.TensorInfo;
      temporaries.push(product);
      const biased = runKernel(tf.Add, { a: product, b: bias }, params.backend, {});
      const activation = typeof attrs.activation === 'string' ? attrs.activation : 'linear';
      if (activation === 'linear') return biased;
      temporaries.push(biased);
      return activate(biased, activation, params);
    });
  };
}

function activate(x: tf.TensorInfo, activation: string, params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { backend } = params;
  switch (activation) {
    case 'relu':
      return runKernel(tf.Relu, { x }, backend, {});
    case 'relu6':
      return runKernel(tf.Relu6, { x }, backend, {});
    case 'elu':
      return runKernel(tf.Elu, { x }, backend, {});
    case 'sigmoid':
      return runKernel(tf.Sigmoid, { x }, backend, {});
    case 'leakyrelu':
      return runKernel(tf.LeakyRelu, { x }, backend, { alpha: params.attrs?.leakyreluAlpha ?? 0.2 });
    case 'prelu': {
      const alpha = params.inputs.preluActivationWeights;
      if (alpha === undefined) throw new Error('prelu activation needs preluActivationWeights');
      return runKernel(tf.Prelu, { x, alpha }, backend, {});
    }
    default:
      throw new Error(`${activation} activation not yet supported for _FusedMatMul in the wasm backend.`);
  }
}

function batchSize(x: tf.TensorInfo): number {
  return x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

function runKernel(
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  backend: object,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  return currentKernel(kernelName).kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

function swapLastTwoAxes(x: tf.TensorInfo, backend: object, temporaries: tf.TensorInfo[]): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  const out = runKernel(tf.Transpose, { x }, backend, { perm });
  temporaries.push(out);
  return out;
}
