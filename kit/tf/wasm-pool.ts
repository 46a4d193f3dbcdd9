import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';

/**
 * `MaxPoolGrad` for the wasm backend. The stock kernel of tfjs-backend-wasm 4.22 is wrong and slow:
 * - wrong: it starts each window's maximum at `std::numeric_limits<float>::min()` (the smallest positive
 *   float, not the lowest), so a window whose values are all ≤ 0 never finds its maximum and its
 *   gradient is lost (a max-pool over negative values — before an activation, after a linear layer or
 *   a LeakyReLU/ELU — trains wrongly); with ties it picks the last maximum where the cpu backend picks
 *   the first;
 * - slow: a per-pixel loop over every window that could hold it, 20–40 ms per call for the pools of a
 *   small MNIST CNN at batch 64, about a quarter of a training step.
 *
 * The kit's: one pass over the windows, routing each dy value to the first maximum of its window in
 * row-major order, as the cpu backend does (NaN never wins; a window with no value above −∞ passes
 * nothing). It reads and writes the wasm heap
 * through typed-array views, as the backend's own JavaScript kernels (Slice, Concat) do.
 * Any pool size, stride and padding; NHWC, float32.
 */

const KIT = Symbol.for('dlkit.tf.wasmPoolFix.kit');
const ORIGINAL = Symbol.for('dlkit.tf.wasmPoolFix.original');

type KitKernelFunc = tf.KernelFunc & { [KIT]?: true; [ORIGINAL]?: tf.KernelConfig };

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

function registered(): tf.KernelConfig | undefined {
  // getKernel is typed as always returning a config, but yields undefined for an unregistered kernel.
  const config: tf.KernelConfig | undefined = tf.getKernel(tf.MaxPoolGrad, 'wasm');
  return config;
}

/** True while wasm's MaxPoolGrad is the kit's. */
export function isWasmPoolFixInstalled(): boolean {
  const config = registered();
  return config !== undefined && (config.kernelFunc as KitKernelFunc)[KIT] === true;
}

/** Replaces wasm's `MaxPoolGrad` with the kit's. Idempotent. */
export function installWasmPoolFix(): void {
  const stock = registered();
  if (stock === undefined) {
    throw new KitError(
      `The wasm backend's MaxPoolGrad kernel is not registered, so the max-pool gradient fix cannot be installed. ` +
        `Import @tensorflow/tfjs-backend-wasm first, which \`await ready()\` from #kit/tf does for you.`,
    );
  }
  if (isWasmPoolFixInstalled()) return;
  const kernelFunc: KitKernelFunc = maxPoolGrad;
  kernelFunc[KIT] = true;
  kernelFunc[ORIGINAL] = stock;
  tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
  tf.registerKernel({ kernelName: tf.MaxPoolGrad, backendName: 'wasm', kernelFunc });
}

/** Puts the stock wasm `MaxPoolGrad` back (for benchmarks and tests that compare both). Idempotent. */
export function uninstallWasmPoolFix(): void {
  const config = registered();
  const original = config === undefined ? undefined : (config.kernelFunc as KitKernelFunc)[ORIGINAL];
  if (original === undefined) return;
  tf.unregisterKernel(tf.MaxPoolGrad, 'wasm');
  tf.registerKernel(original);
}

function maxPoolGrad(params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { dy, input } = params.inputs;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad called without inputs dy and input');
  for (const [name, t] of [['dy', dy], ['input', input]] as const) {
    if (t.dtype !== 'float32') throw new KitError(`MaxPoolGrad on wasm: ${name} must be float32, got ${t.dtype}.`);
    if (t.shape.length !== 4) throw new KitError(`MaxPoolGrad on wasm: ${name} must be rank 4, got shape [${t.shape.join(', ')}].`);
  }
  const attrs = params.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { filterHeight, filterWidth } = info;
  const expected = [batchSize, outHeight, outWidth, c];
  if (dy.shape.some((d, i) => d !== expected[i])) {
    throw new KitError(`MaxPoolGrad on wasm: dy has shape [${dy.shape.join(', ')}], the pool gives [${expected.join(', ')}].`);
  }
  const backend = params.backend as unknown as WasmBackendLike;
  const dxInfo = backend.makeOutput([...input.shape], 'float32');
  // Views after makeOutput: allocating can grow the heap, which detaches older views.
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(dxInfo);
  dx.fill(0);
  const rowStride = inWidth * c;
  let o = 0; // dy offset of the current window's channel 0
  for (let n = 0; n < batchSize; n++) {
    const image = n * inHeight * rowStride;
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * strideHeight - info.padInfo.top;
      const hFrom = Math.max(0, h0);
      const hTo = Math.min(inHeight, h0 + filterHeight);
      for (let ow = 0; ow < outWidth; ow++, o += c) {
        const w0 = ow * strideWidth - info.padInfo.left;
        const wFrom = Math.max(0, w0);
        const wTo = Math.min(inWidth, w0 + filterWidth);
        for (let k = 0; k < c; k++) {
          let best = -Infinity;
          let where = -1;
          for (let h = hFrom; h < hTo; h++) {
            for (let w = wFrom, p = image + h * rowStride + w * c + k; w < wTo; w++, p += c) {
              const v = x[p]!;
              if (v > best) {
                best = v;
                where = p;
              }
            }
          }
          if (where >= 0) dx[where]! += g[o + k]!;
        }
      }
    }
  }
  return dxInfo;
}
