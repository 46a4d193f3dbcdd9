import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';

/**
 * Convolution gradients for the wasm backend. tfjs-backend-wasm 4.22 registers no
 * `Conv2DBackpropFilter` at all (a CNN cannot take one training step: "Kernel 'Conv2DBackpropFilter' not
 * registered for backend 'wasm'"), and its `Conv2DBackpropInput` is a scalar loop. Both are rebuilt
 * here from the backend's fast kernels, the way the matmul fix (`wasm-matmul.ts`) rebuilds transposed
 * products:
 *
 * - filter gradient dW = im2col(x)·dy, one batch-1 untransposed `BatchMatMul` (the only product XNNPACK
 *   serves): x is padded as the forward convolution padded it (`PadV2`), laid out channels-first and,
 *   for strides above 1, split into its stride phases (one `Transpose`); in that layout each filter tap
 *   is one contiguous run per (channel, image) — a window of the flattened rows whose few columns past
 *   the output's width meet zeros in a zero-padded dy. The taps, stacked, are the im2col matrix
 *   [fh·fw·inC, batch·outH·rowLength], copied in one pass (`gatherRuns`). Large batches are split so
 *   im2col stays under `wasmConvLimits.im2colFloats`. Never wasm's `Conv3DBackpropFilterV2`: slow, and
 *   wrong for strides above 1.
 * - input gradient dx = the forward `Conv2D` (XNNPACK) of dy — dilated with zeros between rows and
 *   columns when the stride is above 1 — with the filter flipped in both spatial axes and its in/out
 *   channels swapped, padded so the output is the input's size.
 *
 * NHWC only (what tf.layers uses). Unsupported attributes are errors, never wrong numbers: a filter
 * gradient in NCHW, dilations above 1, or a dtype other than float32 throw; an NCHW input gradient goes
 * to the stock kernel, which handles it. Gradients are registered per kernel name, independently of
 * the kernel functions, so autodiff is unchanged.
 */

const FILTER = tf.Conv2DBackpropFilter;
const INPUT = tf.Conv2DBackpropInput;

/** Kept on the kit's kernel functions (not in a module variable) so a second copy of this module sees them. */
const KIT = Symbol.for('dlkit.tf.wasmConvFix.kit');
const ORIGINAL = Symbol.for('dlkit.tf.wasmConvFix.original');

type KitKernelFunc = tf.KernelFunc & { [KIT]?: true; [ORIGINAL]?: tf.KernelConfig };

/**
 * Largest im2col block, in floats, before the filter gradient splits the batch into chunks and sums
 * their products (64 MiB: a 3×3 64-channel layer on 32×32 images at batch 128 would need 340 MiB).
 * Tests lower it to exercise the chunks.
 */
export const wasmConvLimits = { im2colFloats: 16 * 1024 * 1024 };

/** What the kit uses of tfjs-backend-wasm's BackendWasm (the same calls its own JavaScript kernels make). */
interface WasmBackendLike {
  disposeData(dataId: object): boolean;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

type KernelParams = Parameters<tf.KernelFunc>[0];

function registered(kernelName: string): tf.KernelConfig | undefined {
  // getKernel is typed as always returning a config, but yields undefined for an unregistered kernel.
  const config: tf.KernelConfig | undefined = tf.getKernel(kernelName, 'wasm');
  return config;
}

function isKit(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && (config.kernelFunc as KitKernelFunc)[KIT] === true;
}

/** True while both wasm convolution gradients are the kit's. */
export function isWasmConvFixInstalled(): boolean {
  return isKit(registered(FILTER)) && isKit(registered(INPUT));
}

/**
 * Registers the kit's `Conv2DBackpropFilter` and `Conv2DBackpropInput` for wasm. Idempotent. Needs the
 * wasm backend's kernels registered (importing @tensorflow/tfjs-backend-wasm does it; `await ready()`
 * from #kit/tf does that for you).
 */
export function installWasmConvFix(): void {
  const stockInput = registered(INPUT);
  if (stockInput === undefined || registered(tf.Conv2D) === undefined) {
    throw new KitError(
      `The wasm backend's convolution kernels are not registered, so the convolution-gradient fix cannot be ` +
        `installed. Import @tensorflow/tfjs-backend-wasm first, which \`await ready()\` from #kit/tf does for you.`,
    );
  }
  if (!isKit(stockInput)) {
    const kernelFunc: KitKernelFunc = (params) => conv2dBackpropInput(params, stockInput);
    kernelFunc[KIT] = true;
    kernelFunc[ORIGINAL] = stockInput;
    tf.unregisterKernel(INPUT, 'wasm');
    // setupFunc stays: the stock kernel, still used for NCHW, needs its wasm bindings.
    tf.registerKernel({ ...stockInput, kernelFunc });
  }
  const filter = registered(FILTER);
  if (!isKit(filter)) {
    const kernelFunc: KitKernelFunc = conv2dBackpropFilter;
    kernelFunc[KIT] = true;
    if (filter !== undefined) {
      // Not in 4.22; should a later release bring one, the kit's still replaces it and uninstall restores it.
      kernelFunc[ORIGINAL] = filter;
      tf.unregisterKernel(FILTER, 'wasm');
    }
    tf.registerKernel({ kernelName: FILTER, backendName: 'wasm', kernelFunc });
  }
}

/**
 * Puts the stock state back (for benchmarks that compare both): the stock `Conv2DBackpropInput`, and no
 * `Conv2DBackpropFilter` at all. Idempotent.
 */
export function uninstallWasmConvFix(): void {
  for (const kernelName of [INPUT, FILTER]) {
    const config = registered(kernelName);
    if (config === undefined || !isKit(config)) continue;
    const original = (config.kernelFunc as KitKernelFunc)[ORIGINAL];
    tf.unregisterKernel(kernelName, 'wasm');
    if (original !== undefined) tf.registerKernel(original);
  }
}

/**
 * Runs the registered wasm kernels (whatever wraps them: the matmul fix, a benchmark's timer) and frees
 * their outputs at the end. Kernel-internal tensors live only in the backend, not in the engine, so they
 * are freed there. `view` reshapes without a kernel: the view shares its tensor's data and is never freed
 * on its own.
 */
class Scratch {
  private readonly temporaries: tf.TensorInfo[] = [];

  constructor(private readonly backend: object) {}

  run(kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const config = registered(kernelName);
    if (config === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = config.kernelFunc({ inputs, backend: this.backend, attrs }) as tf.TensorInfo;
    this.temporaries.push(out);
    return out;
  }

  /** Adds an output made outside `run` (by `gatherRuns`) to the temporaries. */
  own(t: tf.TensorInfo): tf.TensorInfo {
    this.temporaries.push(t);
    return t;
  }

  /** Takes `t` (a kernel output from `run`, or a view of one) out of the temporaries: the caller owns it. */
  keep(t: tf.TensorInfo): tf.TensorInfo {
    const i = this.temporaries.findIndex((u) => u.dataId === t.dataId);
    if (i < 0) throw new Error('Scratch.keep: not a temporary of this kernel');
    this.temporaries.splice(i, 1);
    return t;
  }

  dispose(): void {
    const backend = this.backend as WasmBackendLike;
    for (const t of this.temporaries) backend.disposeData(t.dataId);
    this.temporaries.length = 0;
  }
}

const view = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/**
 * Transpose with size-1 axes dropped and runs of axes that stay adjacent merged, so the backend sees
 * the lowest rank it can (its 2-, 3- and 4-D transposes are fast loops; higher ranks are a slow
 * per-element one). Returns the output viewed in the full permuted shape.
 */
function transpose(s: Scratch, x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
  const outShape = perm.map((p) => x.shape[p]!);
  const kept = perm.filter((p) => x.shape[p] !== 1);
  // Merge input axes a, b when b directly follows a both in the input (ignoring size-1 axes) and in kept.
  const inputOrder = x.shape.map((_, i) => i).filter((i) => x.shape[i] !== 1);
  const groups: number[][] = [];
  for (const p of kept) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (last !== undefined && prev !== undefined && inputOrder.indexOf(p) === inputOrder.indexOf(prev) + 1) last.push(p);
    else groups.push([p]);
  }
  if (groups.length <= 1) return view(x, outShape); // nothing moves
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!);
  const mergedShape = byInput.map((g) => product(g.map((i) => x.shape[i]!)));
  const mergedPerm = groups.map((g) => byInput.indexOf(g));
  const out = s.run(tf.Transpose, { x: view(x, mergedShape) }, { perm: mergedPerm });
  return view(out, outShape);
}

/** Zero padding; `paddings` per axis, non-negative. Returns x itself when there is nothing to pad. */
function pad(s: Scratch, x: tf.TensorInfo, paddings: [number, number][]): tf.TensorInfo {
  if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
  return s.run(tf.PadV2, { x }, { paddings, constantValue: 0 });
}

function slice(s: Scratch, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  if (begin.every((b) => b === 0) && size.every((n, i) => n === x.shape[i])) return x;
  return s.run(tf.Slice, { x }, { begin, size });
}

/**
 * The im2col stack: for each (phase, start) in `runs`, the run src[phase, r, start … start + length) of
 * every row r, stacked as out[t, r, :]. Tap slices and their concatenation in one copy, done like the
 * backend's own JavaScript Slice and Concat kernels (typed-array views of the wasm heap): the Slice
 * kernel would first copy its whole input once per tap (readSync), which cost as much as the matmul.
 */
function gatherRuns(
  backend: WasmBackendLike,
  src: tf.TensorInfo,
  runs: readonly { phase: number; start: number }[],
  length: number,
): tf.TensorInfo {
  const [, rows, rowLength] = src.shape as [number, number, number];
  const out = backend.makeOutput([runs.length, rows, length], 'float32');
  // Views after makeOutput: allocating can grow the heap, which detaches older views.
  const from = backend.typedArrayFromHeap(src);
  const to = backend.typedArrayFromHeap(out);
  let o = 0;
  for (const { phase, start } of runs) {
    let i = phase * rows * rowLength + start;
    for (let r = 0; r < rows; r++, i += rowLength, o += length) to.set(from.subarray(i, i + length), o);
  }
  return out;
}

function checkSupported(kernel: string, attrs: tf.NamedAttrMap, tensors: Record<string, tf.TensorInfo>): void {
  const dilations = attrs.dilations as number | [number, number] | undefined;
  if (dilations !== undefined && [dilations].flat().some((d) => d !== 1)) {
    throw new KitError(
      `${kernel} on wasm (the kit's kernel) supports dilations of 1 only, got ${JSON.stringify(dilations)}. ` +
        `tfjs has no convolution gradients with dilation on any backend; use dilationRate 1 in a model you train.`,
    );
  }
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new KitError(`${kernel} on wasm: ${name} must be float32, got ${t.dtype}.`);
    if (t.shape.length !== 4) throw new KitError(`${kernel} on wasm: ${name} must be rank 4, got shape [${t.shape.join(', ')}].`);
  }
}

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

function convInfo(kernel: string, xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') {
    throw new KitError(
      `${kernel} on wasm (the kit's kernel) supports dataFormat 'NHWC' (channels last) only, got '${dataFormat}'. ` +
        `tf.layers uses channels last by default; wasm's forward Conv2D has no NCHW either.`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Pad,
    attrs.dimRoundingMode as RoundingMode,
    false,
    'channelsLast',
  );
  const { top, left } = info.padInfo;
  if (top < 0 || left < 0 || info.padInfo.bottom < 0 || info.padInfo.right < 0) {
    throw new KitError(`${kernel} on wasm: negative padding ${JSON.stringify(info.padInfo)} is not supported.`);
  }
  return info;
}

/**
 * dW[i, j, c, k] = Σ_{n, oh, ow} xpad[n, oh·sh + i, ow·sw + j, c] · dy[n, oh, ow, k].
 *
 * Split x (padded) into its sh × sw stride phases, phase (p, q)[n, a, b] = xpad[n, a·sh + p, b·sw + q],
 * each Hq × Wq. Tap (i, j) reads phase (i mod sh, j mod sw) at rows oh + ⌊i/sh⌋ and columns
 * ow + ⌊j/sw⌋: a stride-1 window. Flattening a phase's rows, that window is one contiguous run of
 * outH·Wq values starting at ⌊i/sh⌋·Wq + ⌊j/sw⌋, which also holds Wq − outW columns per row past the
 * output's edge; dy padded to Wq columns with zeros cancels them in the product.
 */
function conv2dBackpropFilter(params: KernelParams): tf.TensorInfo {
  const { x, dy } = params.inputs;
  if (x === undefined || dy === undefined) throw new Error(`${FILTER} called without inputs x and dy`);
  const attrs = params.attrs ?? {};
  checkSupported(FILTER, attrs, { x, dy });
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfo(FILTER, x.shape, filterShape, attrs);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const expectedDy = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new KitError(`${FILTER} on wasm: dy has shape [${dy.shape.join(', ')}], the convolution gives [${expectedDy.join(', ')}].`);
  }

  const s = new Scratch(params.backend);
  try {
    if (product(x.shape) === 0 || product(dy.shape) === 0) {
      return s.keep(s.run(tf.Fill, {}, { shape: filterShape, value: 0, dtype: 'float32' }));
    }
    // Phase geometry: every window fits, with one row to spare for the flat run of the last tap.
    const hq = Math.max(Math.ceil((inHeight + info.padInfo.top) / sh), Math.floor((fh - 1) / sh) + outHeight + 1);
    const wq = Math.max(Math.ceil((inWidth + info.padInfo.left) / sw), Math.floor((fw - 1) / sw) + outWidth);
    const columnsPerImage = outHeight * wq;
    const rows = fh * fw * inChannels;
    const chunk = Math.max(1, Math.min(batchSize, Math.floor(wasmConvLimits.im2colFloats / (rows * columnsPerImage))));

    let total: tf.TensorInfo | undefined;
    for (let n0 = 0; n0 < batchSize; n0 += chunk) {
      const n = Math.min(chunk, batchSize - n0);
      const xs = slice(s, x, [n0, 0, 0, 0], [n, inHeight, inWidth, inChannels]);
      const dys = slice(s, dy, [n0, 0, 0, 0], [n, outHeight, outWidth, outChannels]);
      const xPadded = pad(s, xs, [
        [0, 0],
        [info.padInfo.top, hq * sh - inHeight - info.padInfo.top],
        [info.padInfo.left, wq * sw - inWidth - info.padInfo.left],
        [0, 0],
      ]);
      // [n, hq, sh, wq, sw, C] → [sh, sw, C, n, hq, wq]: phases, then channels, then the flat pixels.
      const phases = transpose(s, view(xPadded, [n, hq, sh, wq, sw, inChannels]), [2, 4, 5, 0, 1, 3]);
      const flat = view(phases, [sh * sw, inChannels * n, hq * wq]);
      const starts: { phase: number; start: number }[] = [];
      for (let i = 0; i < fh; i++) {
        for (let j = 0; j < fw; j++) {
          starts.push({ phase: (i % sh) * sw + (j % sw), start: Math.floor(i / sh) * wq + Math.floor(j / sw) });
        }
      }
      // [fh·fw, C·n, outH·wq] = [fh·fw·C, n·outH·wq]: rows in the filter's (i, j, c) order.
      const im2col = s.own(gatherRuns(params.backend as WasmBackendLike, flat, starts, columnsPerImage));
      const dyWide = pad(s, view(dys, [n * outHeight, outWidth * outChannels]), [
        [0, 0],
        [0, (wq - outWidth) * outChannels],
      ]);
      const columns = n * columnsPerImage;
      let partial: tf.TensorInfo;
      if (rows >= outChannels) {
        partial = s.run(
          tf.BatchMatMul,
          { a: view(im2col, [1, rows, columns]), b: view(dyWide, [1, columns, outChannels]) },
          { transposeA: false, transposeB: false },
        );
      } else {
        // XNNPACK repacks the right operand on every call, at a cost like the product's own for a
        // left operand this short (a first layer: fh·fw·inC = 9 rows): dWᵀ = dyᵀ·im2colᵀ packs the
        // narrower im2colᵀ instead, for three cheap 2-D transposes.
        const dyT = transpose(s, view(dyWide, [columns, outChannels]), [1, 0]);
        const im2colT = transpose(s, view(im2col, [rows, columns]), [1, 0]);
        const productT = s.run(
          tf.BatchMatMul,
          { a: view(dyT, [1, outChannels, columns]), b: view(im2colT, [1, columns, rows]) },
          { transposeA: false, transposeB: false },
        );
        partial = transpose(s, view(productT, [outChannels, rows]), [1, 0]);
      }
      total = total === undefined ? partial : s.run(tf.Add, { a: total, b: partial });
    }
    return view(s.keep(total!), filterShape);
  } finally {
    s.dispose();
  }
}

/**
 * dx[n, h, w, c] = Σ_{i, j, k} dyd[n, h + top − i, w + left − j, k] · W[i, j, c, k], where dyd is dy with
 * sh − 1 zero rows after each row and sw − 1 zero columns after each column. With i' = fh − 1 − i this is
 * the forward convolution of dyd, stride 1, padded by fh − 1 − top above (fw − 1 − left on the left) and
 * by whatever makes the output the input's size below and on the right, with the filter
 * W'[i', j', k, c] = W[fh − 1 − i', fw − 1 − j', c, k]. The wasm Conv2D takes explicit padding, so only the
 * dilation and the rare negative padding (cropping) cost copies.
 */
function conv2dBackpropInput(params: KernelParams, stock: tf.KernelConfig): tf.TensorInfo {
  const { dy, filter } = params.inputs;
  if (dy === undefined || filter === undefined) throw new Error(`${INPUT} called without inputs dy and filter`);
  const attrs = params.attrs ?? {};
  checkSupported(INPUT, attrs, { dy, filter });
  if (((attrs.dataFormat as string | undefined) ?? 'NHWC') === 'NCHW') {
    return stock.kernelFunc(params) as tf.TensorInfo; // the stock loop handles channels first
  }
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfo(INPUT, inputShape, filter.shape, attrs);
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight: fh, filterWidth: fw } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const expectedDy = [batchSize, outHeight, outWidth, outChannels];
  if (dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new KitError(`${INPUT} on wasm: dy has shape [${dy.shape.join(', ')}], the convolution gives [${expectedDy.join(', ')}].`);
  }

  const s = new Scratch(params.backend);
  try {
    if (product(inputShape) === 0 || product(dy.shape) === 0) {
      return s.keep(s.run(tf.Fill, {}, { shape: inputShape, value: 0, dtype: 'float32' }));
    }
    // Dilate: each row, then each pixel, followed by stride − 1 zero copies (two fast low-rank pads).
    let dilated = dy;
    if (sh > 1) {
      const rowsPadded = pad(s, view(dy, [batchSize * outHeight, 1, outWidth * outChannels]), [
        [0, 0],
        [0, sh - 1],
        [0, 0],
      ]);
      dilated = view(rowsPadded, [batchSize, outHeight * sh, outWidth, outChannels]);
    }
    if (sw > 1) {
      const height = dilated.shape[1]!;
      const colsPadded = pad(s, view(dilated, [batchSize * height * outWidth, 1, outChannels]), [
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ]);
      dilated = view(colsPadded, [batchSize, height, outWidth * sw, outChannels]);
    }
    const [, dh, dw] = dilated.shape as [number, number, number, number];
    let top = fh - 1 - info.padInfo.top;
    let left = fw - 1 - info.padInfo.left;
    let bottom = inHeight + fh - 1 - top - dh;
    let right = inWidth + fw - 1 - left - dw;
    // Negative padding (an explicit pad above fh − 1, or trailing dilation zeros past the input) crops.
    const crop = [Math.max(0, -top), Math.max(0, -bottom), Math.max(0, -left), Math.max(0, -right)] as const;
    if (crop.some((c) => c > 0)) {
      dilated = slice(s, dilated, [0, crop[0], crop[2], 0], [batchSize, dh - crop[0] - crop[1], dw - crop[2] - crop[3], outChannels]);
      [top, bottom, left, right] = [top + crop[0], bottom + crop[1], left + crop[2], right + crop[3]];
    }
    const reversed = s.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
    const flipped = transpose(s, reversed, [0, 1, 3, 2]);
    const dx = s.run(
      tf.Conv2D,
      { x: dilated, filter: flipped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dilations: [1, 1],
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
      } as unknown as tf.NamedAttrMap,
    );
    return s.keep(dx);
  } finally {
    s.dispose();
  }
}
