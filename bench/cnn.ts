import { installWasmConvFix, installWasmPoolFix, tf, uninstallWasmConvFix, uninstallWasmPoolFix } from '#kit/tf';
import { Rng } from '#kit/rng';
import { trainStep, type Batch } from '#kit/train';
import { installKernelTimer } from './kernel-timer.ts';

/**
 * The wasm convolution gradients (`kit/tf/wasm-conv.ts`) against what stock tfjs-backend-wasm 4.22 has,
 * on a small MNIST-style CNN: 28×28×1 → conv 3×3 32 ReLU → max-pool 2 → conv 3×3 64 ReLU → max-pool 2 →
 * dense 128 ReLU → 10, `same` padding, Adam 1e-3, batch 64, random inputs (speed does not depend on them).
 *
 * Stock wasm has no Conv2DBackpropFilter, so a stock CNN cannot train at all. The "stock" rows put in
 * the only stand-in the backend offers, its Conv3DBackpropFilterV2 on a depth-1 view (right for stride 1,
 * which is all this network uses; wrong for stride 2, which is why the kit does not use it), with the
 * stock Conv2DBackpropInput.
 */

export const CNN_BATCH = 64;
export const EPOCH_IMAGES = 60_000;
const CLASSES = 10;
const IMAGE = 28;

/** The network's convolutions: input x and filter shapes at batch 64. */
const CONV_LAYERS = [
  { label: 'conv1 28×28×1 → 32', x: [CNN_BATCH, 28, 28, 1], filter: [3, 3, 1, 32], inputGradUsed: false },
  { label: 'conv2 14×14×32 → 64', x: [CNN_BATCH, 14, 14, 32], filter: [3, 3, 32, 64], inputGradUsed: true },
] as const;

/** The network's pools: their inputs at batch 64. */
const POOL_LAYERS = [
  { label: 'pool1 28×28×32 → 14×14', x: [CNN_BATCH, 28, 28, 32] },
  { label: 'pool2 14×14×64 → 7×7', x: [CNN_BATCH, 14, 14, 64] },
] as const;

export function buildCnn(seed: number): tf.Sequential {
  const rng = new Rng(seed);
  const init = (): ReturnType<typeof tf.initializers.heNormal> => tf.initializers.heNormal({ seed: rng.seed() });
  const model = tf.sequential();
  model.add(tf.layers.reshape({ inputShape: [IMAGE * IMAGE], targetShape: [IMAGE, IMAGE, 1] }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.dense({ units: CLASSES, kernelInitializer: init() }));
  return model;
}

type Kernels = 'kit' | 'stock';

/** Wasm's Conv3DBackpropFilterV2 on depth-1 views of x and dy: the stand-in for the missing kernel. */
const conv3dStandIn: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const strides = [attrs?.strides as number | [number, number]].flat();
  const [sh, sw] = [strides[0]!, strides[1] ?? strides[0]!];
  if (sh !== 1 || sw !== 1) throw new Error('the Conv3DBackpropFilterV2 stand-in is wrong for strides above 1');
  const filterShape = attrs?.filterShape as number[];
  const depth1 = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, shape: [t.shape[0]!, 1, ...t.shape.slice(1)], dtype: t.dtype });
  const out = tf.getKernel(tf.Conv3DBackpropFilterV2, 'wasm').kernelFunc({
    inputs: { x: depth1(x), dy: depth1(dy) },
    backend,
    attrs: { strides: [1, sh, sw], pad: attrs?.pad as string, filterShape: [1, ...filterShape] },
  }) as tf.TensorInfo;
  return { dataId: out.dataId, shape: filterShape, dtype: out.dtype };
};

/** Selects the kit's kernels or the stock ones (with the stand-in). Expects wasm active. */
function useKernels(kernels: Kernels): void {
  uninstallWasmConvFix();
  uninstallWasmPoolFix();
  if (kernels === 'kit') {
    installWasmConvFix();
    installWasmPoolFix();
  } else {
    tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv3dStandIn });
  }
}

/** Back to the kit's kernels, whatever was installed. */
function restoreKit(): void {
  if ((tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') as tf.KernelConfig | undefined)?.kernelFunc === conv3dStandIn) {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, 'wasm');
  }
  installWasmConvFix();
  installWasmPoolFix();
}

/**
 * Median ms per call over up to 5 timed chunks of about `seconds` in all, after a warm-up call. A call
 * slower than `seconds` is timed once more, alone.
 */
function msPerCall(run: () => void, seconds: number): number {
  let start = performance.now();
  run();
  const first = performance.now() - start;
  const chunks = Math.max(1, Math.min(5, Math.floor((seconds * 1000) / Math.max(first, 0.01))));
  const callsPerChunk = Math.max(1, Math.round((seconds * 1000) / chunks / Math.max(first, 0.01)));
  const times: number[] = [];
  for (let c = 0; c < chunks; c++) {
    start = performance.now();
    for (let i = 0; i < callsPerChunk; i++) run();
    times.push((performance.now() - start) / callsPerChunk);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface KernelTiming {
  kernel: string;
  layer: string;
  /** ms per call, stock wasm (the stand-in for the filter gradient); NaN where not measured. */
  stockMs: number;
  kitMs: number;
  /** max |kit − stock| / max |stock|: both routes compute the same numbers. */
  relativeDiff: number;
  note: string;
}

function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel<tf.Tensor>(name, inputs, attrs as tf.NamedAttrMap);
}

function timeKernel(name: string, inputs: tf.NamedTensorMap, attrs: object, kernels: Kernels, seconds: number): { ms: number; values: Float32Array } {
  useKernels(kernels);
  try {
    const ms = msPerCall(() => {
      const out = runKernel(name, inputs, attrs);
      out.dataSync();
      out.dispose();
    }, seconds);
    const out = runKernel(name, inputs, attrs);
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return { ms, values };
  } finally {
    restoreKit();
  }
}

function relativeDiff(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/**
 * Both convolution gradients of each conv layer, stock (stand-in) and kit, and the pooling gradients
 * (stock only: the kit leaves them alone). `seconds` per measurement; the stock filter gradient runs
 * at least once whatever it costs.
 */
export function benchConvKernels(seconds: number): KernelTiming[] {
  const rng = new Rng(7);
  const rows: KernelTiming[] = [];
  const normal = (shape: readonly number[]): tf.Tensor => tf.tensor(Float32Array.from(rng.normals(shape.reduce((p, d) => p * d, 1))), [...shape]);
  for (const layer of CONV_LAYERS) {
    const x = normal(layer.x);
    const filter = normal(layer.filter);
    const dyShape = [layer.x[0], layer.x[1], layer.x[2], layer.filter[3]];
    const dy = normal(dyShape);
    const common = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC' };
    const filterAttrs = { ...common, filterShape: layer.filter };
    const kitF = timeKernel(tf.Conv2DBackpropFilter, { x, dy }, filterAttrs, 'kit', seconds);
    const stockF = timeKernel(tf.Conv2DBackpropFilter, { x, dy }, filterAttrs, 'stock', seconds);
    rows.push({
      kernel: 'Conv2DBackpropFilter',
      layer: layer.label,
      stockMs: stockF.ms,
      kitMs: kitF.ms,
      relativeDiff: relativeDiff(kitF.values, stockF.values),
      note: 'stock: none; Conv3DBackpropFilterV2 stands in',
    });
    const inputAttrs = { ...common, inputShape: layer.x };
    const kitI = timeKernel(tf.Conv2DBackpropInput, { dy, filter }, inputAttrs, 'kit', seconds);
    const stockI = timeKernel(tf.Conv2DBackpropInput, { dy, filter }, inputAttrs, 'stock', seconds);
    rows.push({
      kernel: 'Conv2DBackpropInput',
      layer: layer.label,
      stockMs: stockI.ms,
      kitMs: kitI.ms,
      relativeDiff: relativeDiff(kitI.values, stockI.values),
      note: layer.inputGradUsed ? '' : 'not needed in training (first layer)',
    });
    tf.dispose([x, filter, dy]);
  }
  for (const layer of POOL_LAYERS) {
    // Positive values, where the stock kernel is right (it loses the gradient of windows whose values
    // are all ≤ 0; the kit's tests cover those), so both give the same numbers.
    const x = tf.tidy(() => tf.abs(normal(layer.x)));
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid', dimRoundingMode: undefined };
    const y = runKernel(tf.MaxPool, { x }, attrs);
    const dy = normal(y.shape);
    const kit = timeKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs, 'kit', seconds);
    const stock = timeKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, attrs, 'stock', seconds);
    rows.push({
      kernel: tf.MaxPoolGrad,
      layer: layer.label,
      stockMs: stock.ms,
      kitMs: kit.ms,
      relativeDiff: relativeDiff(kit.values, stock.values),
      note: 'stock loses windows ≤ 0',
    });
    const avg = timeKernel(tf.AvgPoolGrad, { dy, input: x }, attrs, 'stock', seconds);
    rows.push({ kernel: tf.AvgPoolGrad, layer: layer.label, stockMs: avg.ms, kitMs: NaN, relativeDiff: NaN, note: 'stock kernel, kept (not in this network)' });
    tf.dispose([x, y, dy]);
  }
  return rows;
}

export interface CnnStepTiming {
  kernels: Kernels;
  warmupSteps: number;
  timedSteps: number;
  msPerStep: number;
  stepsPerSecond: number;
  /** 60,000 / 64 steps at msPerStep (extrapolated). */
  secondsPerEpoch: number;
  /** The losses of the first and the last step (random labels: only their finiteness means anything). */
  firstLoss: number;
  lastLoss: number;
  /** tf.memory().numTensors after the timed steps minus after the warm-up: non-zero means a leak. */
  tensorDelta: number;
  /** Exclusive kernel ms per step, largest first (kit only: the stock run is too slow to repeat). */
  topKernels: string;
  kernelMs: number;
}

/** Random 28×28 images in [0, 1) and random labels: a fixed pool of batches, cycled. */
function randomBatches(count: number, seed: number): Batch[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, index) => {
    const labels = Int32Array.from({ length: CNN_BATCH }, () => rng.int(0, CLASSES));
    return {
      x: tf.tensor2d(Float32Array.from(rng.uniforms(CNN_BATCH * IMAGE * IMAGE)), [CNN_BATCH, IMAGE * IMAGE]),
      y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat()),
      indices: Int32Array.from({ length: CNN_BATCH }, (_, i) => index * CNN_BATCH + i),
      size: CNN_BATCH,
      index,
    };
  });
}

/**
 * `timedSteps` training steps of the CNN after `warmupSteps`, with the kit's kernels or the stock ones;
 * then, for the kit, the same number again under the kernel timer for the per-kernel split.
 */
export function timeCnnSteps(kernels: Kernels, warmupSteps: number, timedSteps: number): CnnStepTiming {
  useKernels(kernels);
  const data = randomBatches(8, 3);
  const model = buildCnn(1);
  const optimizer = tf.train.adam(1e-3);
  let step = 0;
  const stepOnce = (readLoss: boolean): number => trainStep(model, optimizer, data[step++ % data.length]!, { readLoss }).loss;
  try {
    const firstLoss = stepOnce(true);
    for (let i = 1; i < warmupSteps; i++) stepOnce(false);
    const tensorsBefore = tf.memory().numTensors;
    const start = performance.now();
    for (let i = 1; i < timedSteps; i++) stepOnce(false);
    const lastLoss = stepOnce(true);
    const msPerStep = (performance.now() - start) / timedSteps;
    const tensorDelta = tf.memory().numTensors - tensorsBefore;
    let topKernels = '';
    let kernelMs = NaN;
    if (kernels === 'kit') {
      const timer = installKernelTimer();
      try {
        for (let i = 0; i < timedSteps; i++) stepOnce(false);
        const byName = [...timer.ms].map(([n, ms]) => [n, ms / timedSteps] as const).sort((a, b) => b[1] - a[1]);
        kernelMs = byName.reduce((s, [, ms]) => s + ms, 0);
        topKernels = byName
          .slice(0, 6)
          .map(([n, ms]) => `${n} ${ms.toFixed(1)}`)
          .join(', ');
      } finally {
        timer.uninstall();
      }
    }
    return {
      kernels,
      warmupSteps,
      timedSteps,
      msPerStep,
      stepsPerSecond: 1000 / msPerStep,
      secondsPerEpoch: (msPerStep / 1000) * (EPOCH_IMAGES / CNN_BATCH),
      firstLoss,
      lastLoss,
      tensorDelta,
      topKernels,
      kernelMs,
    };
  } finally {
    model.dispose();
    optimizer.dispose();
    for (const b of data) tf.dispose([b.x, b.y!]);
    restoreKit();
  }
}
