import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';

/**
 * `ResizeNearestNeighborGrad` and `ResizeBilinearGrad` for the cpu backend. The stock kernels of
 * tfjs-backend-cpu 4.22 are wrong, so `tf.layers.upSampling2d` (both interpolations) and
 * `tf.image.resize*` cannot be trained through on cpu, the kit's last fallback:
 * - `ResizeNearestNeighborGrad` reads dy at `b · (images' batch stride)` instead of `b · (dy's batch
 *   stride)` (kernels/ResizeNearestNeighborGrad.js, `dyROffset = batchOffset + …`), so whenever the
 *   resize changes the size every image after the first collects another image's dy values (or reads
 *   past the end of dy: NaN); it also ignores `halfPixelCenters`;
 * - `ResizeBilinearGrad` returns its result with height and width swapped (`makeTensorInfo([batch,
 *   xWidth, xHeight, depth], …)`), so tf.grad throws on any non-square image; it also ignores
 *   `halfPixelCenters`.
 *
 * The kit's kernels are the exact adjoints (transposes) of the cpu backend's own forward kernels
 * (kernels/ResizeNearestNeighbor.js, ResizeBilinear.js): they visit every dy pixel, find the source
 * pixels and weights the forward pass read for it with the forward's very arithmetic, and add dy times
 * each weight there. Whatever the forward does at the edges (clamping, alignCorners, halfPixelCenters,
 * both together) the gradient therefore matches. Sums are kept in float64 and rounded once.
 */

const KIT = Symbol.for('dlkit.tf.cpuResizeFix.kit');
const ORIGINAL = Symbol.for('dlkit.tf.cpuResizeFix.original');

type KitKernelFunc = tf.KernelFunc & { [KIT]?: true; [ORIGINAL]?: tf.KernelConfig };

const KERNELS = [tf.ResizeNearestNeighborGrad, tf.ResizeBilinearGrad] as const;

interface CpuBackendLike {
  data: { get(dataId: object): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function registered(kernelName: string): tf.KernelConfig | undefined {
  // getKernel is typed as always returning a config, but yields undefined for an unregistered kernel.
  const config: tf.KernelConfig | undefined = tf.getKernel(kernelName, 'cpu');
  return config;
}

function registeredFunc(kernelName: string): KitKernelFunc | undefined {
  // Any KernelFunc is a KitKernelFunc whose marks are unset.
  return registered(kernelName)?.kernelFunc;
}

/** True while both of cpu's resize gradients are the kit's. */
export function isCpuResizeFixInstalled(): boolean {
  return KERNELS.every((name) => registeredFunc(name)?.[KIT] === true);
}

/**
 * Replaces cpu's `ResizeNearestNeighborGrad` and `ResizeBilinearGrad` with the kit's. Idempotent. The
 * stock ones are registered when `@tensorflow/tfjs` is imported, and tfjs looks a kernel up on every
 * call, so installing any time before the first gradient on cpu is enough.
 */
export function installCpuResizeFix(): void {
  for (const kernelName of KERNELS) {
    const stock = registered(kernelName);
    if (stock === undefined) {
      throw new KitError(
        `The cpu backend's ${kernelName} kernel is not registered, so the resize gradient fix cannot be installed. ` +
          `The cpu backend ships with @tensorflow/tfjs, so this points at a broken install: run \`npm ci\`.`,
      );
    }
    if ((stock.kernelFunc as KitKernelFunc)[KIT] === true) continue;
    const kernelFunc: KitKernelFunc = kernelName === tf.ResizeNearestNeighborGrad ? resizeNearestNeighborGrad : resizeBilinearGrad;
    kernelFunc[KIT] = true;
    kernelFunc[ORIGINAL] = stock;
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel({ kernelName, backendName: 'cpu', kernelFunc });
  }
}

/** Puts the stock cpu kernels back (for tests that show why they are replaced). Idempotent. */
export function uninstallCpuResizeFix(): void {
  for (const kernelName of KERNELS) {
    const original = registeredFunc(kernelName)?.[ORIGINAL];
    if (original === undefined) continue;
    tf.unregisterKernel(kernelName, 'cpu');
    tf.registerKernel(original);
  }
}

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** The forward kernels' ratio of input to output size along one axis (effectiveInputSize / effectiveOutputSize). */
function sizeRatio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** For each output index along one axis, the input index the nearest-neighbour forward copies from. */
function nearestSources(inSize: number, outSize: number, { alignCorners, halfPixelCenters }: ResizeAttrs): number[] {
  const ratio = sizeRatio(inSize, outSize, alignCorners);
  return Array.from({ length: outSize }, (_, o) => {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    return halfPixelCenters ? Math.max(0, nearest) : nearest;
  });
}

/**
 * For each output index along one axis, the two input indices the bilinear forward blends and the
 * weight of the second: out = in[lo] · (1 − frac) + in[hi] · frac. As in the forward, frac can fall
 * outside [0, 1) only where lo = hi (a half-pixel centre before the first pixel), where the two
 * weights still add up to 1.
 */
function bilinearSources(inSize: number, outSize: number, { alignCorners, halfPixelCenters }: ResizeAttrs): { lo: number; hi: number; frac: number }[] {
  const ratio = sizeRatio(inSize, outSize, alignCorners);
  return Array.from({ length: outSize }, (_, o) => {
    const source = halfPixelCenters ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const lo = Math.max(0, Math.floor(source));
    const hi = Math.min(inSize - 1, Math.ceil(source));
    return { lo, hi, frac: source - lo };
  });
}

interface GradSetup {
  backend: CpuBackendLike;
  dyValues: tf.TypedArray;
  attrs: ResizeAttrs;
  batch: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  depth: number;
  images: tf.TensorInfo;
}

function setup(kernelName: string, params: Parameters<tf.KernelFunc>[0]): GradSetup {
  const { images, dy } = params.inputs;
  if (images === undefined || dy === undefined) throw new Error(`${kernelName} called without inputs images and dy`);
  for (const [name, t] of [['images', images], ['dy', dy]] as const) {
    if (t.shape.length !== 4) throw new KitError(`${kernelName} on cpu: ${name} must be rank 4 (NHWC), got shape [${t.shape.join(', ')}].`);
    if (t.dtype === 'complex64' || t.dtype === 'string') throw new KitError(`${kernelName} on cpu: ${name} must be real, got ${t.dtype}.`);
  }
  const [batch, inHeight, inWidth, depth] = images.shape as [number, number, number, number];
  const [dyBatch, outHeight, outWidth, dyDepth] = dy.shape as [number, number, number, number];
  if (dyBatch !== batch || dyDepth !== depth) {
    throw new KitError(
      `${kernelName} on cpu: dy has shape [${dy.shape.join(', ')}], which does not resize images of shape [${images.shape.join(', ')}] (batch and channels must match).`,
    );
  }
  const attrs = params.attrs ?? {};
  const backend = params.backend as unknown as CpuBackendLike;
  return {
    backend,
    // Real dtypes only (checked above): the cpu backend holds them as one typed array.
    dyValues: backend.data.get(dy.dataId).values as tf.TypedArray,
    attrs: { alignCorners: attrs.alignCorners === true, halfPixelCenters: attrs.halfPixelCenters === true },
    batch,
    inHeight,
    inWidth,
    outHeight,
    outWidth,
    depth,
    images,
  };
}

/** dx[b, h, w, d] = Σ dy[b, r, c, d] over the dy pixels (r, c) the forward copied from (h, w). */
function resizeNearestNeighborGrad(params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { backend, dyValues, attrs, batch, inHeight, inWidth, outHeight, outWidth, depth, images } = setup(tf.ResizeNearestNeighborGrad, params);
  const rows = nearestSources(inHeight, outHeight, attrs);
  const cols = nearestSources(inWidth, outWidth, attrs);
  const dx = new Float64Array(batch * inHeight * inWidth * depth);
  let o = 0; // dy offset of pixel (b, r, c), channel 0: dy is walked in its own order
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const rowStart = (b * inHeight + rows[r]!) * inWidth;
      for (let c = 0; c < outWidth; c++, o += depth) {
        const i = (rowStart + cols[c]!) * depth;
        for (let d = 0; d < depth; d++) dx[i + d]! += dyValues[o + d]!;
      }
    }
  }
  return backend.makeTensorInfo([...images.shape], 'float32', Float32Array.from(dx));
}

/** dx[b, h, w, d] = Σ dy[b, r, c, d] · (weight of (h, w) in the forward's blend for (r, c)). */
function resizeBilinearGrad(params: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { backend, dyValues, attrs, batch, inHeight, inWidth, outHeight, outWidth, depth, images } = setup(tf.ResizeBilinearGrad, params);
  const rows = bilinearSources(inHeight, outHeight, attrs);
  const cols = bilinearSources(inWidth, outWidth, attrs);
  const dx = new Float64Array(batch * inHeight * inWidth * depth);
  const at = (b: number, h: number, w: number): number => ((b * inHeight + h) * inWidth + w) * depth;
  let o = 0; // dy offset of pixel (b, r, c), channel 0
  const add = (i: number, weight: number): void => {
    for (let d = 0; d < depth; d++) dx[i + d]! += dyValues[o + d]! * weight;
  };
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const row = rows[r]!;
      for (let c = 0; c < outWidth; c++, o += depth) {
        const col = cols[c]!;
        add(at(b, row.lo, col.lo), (1 - row.frac) * (1 - col.frac));
        add(at(b, row.lo, col.hi), (1 - row.frac) * col.frac);
        add(at(b, row.hi, col.lo), row.frac * (1 - col.frac));
        add(at(b, row.hi, col.hi), row.frac * col.frac);
      }
    }
  }
  return backend.makeTensorInfo([...images.shape], 'float32', Float32Array.from(dx));
}
