/**
 * The webgpu backend against the cpu backend: gradients of exercise 02's MLP and of a small CNN, three
 * Adam steps, synchronous reads, no leaked tensors, and a process that exits. On CI (no GPU) they run on
 * a software adapter (Mesa's llvmpipe through Dawn's OpenGL ES backend, installed by .ci/run); where
 * Dawn finds no adapter at all they skip with the reason, unless KIT_REQUIRE_WEBGPU=1 (CI, gpu-check.sh)
 * makes that a failure.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { KitError, REPO_ROOT } from '#kit/errors';
import { selectBackend, tf } from './index.ts';
import {
  describeAdapter,
  pickAdapter,
  PROBE_ENV,
  probeWebGpu,
  releaseWebGpu,
  requiredWebGpuMessage,
  webgpuProblem,
  softwareAdapterReason,
  type WebGpuAdapter,
  type WebGpuProbe,
} from './webgpu.ts';

const require = createRequire(import.meta.url);
const REQUIRE_ENV = 'KIT_REQUIRE_WEBGPU';

const adapter = (over: Partial<WebGpuAdapter>): WebGpuAdapter => ({
  route: 'default',
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallbackAdapter: false,
  ...over,
});
const LLVMPIPE = adapter({ route: 'opengles', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL ES 3.2 Mesa 22.3.6' });
const RTX = adapter({ vendor: 'nvidia', architecture: 'ampere', device: 'NVIDIA GeForce RTX 3060', description: 'NVIDIA: 550.54' });

describe('adapters: software or hardware, and which one the kit takes', () => {
  it('knows the software renderers by name, and by the fallback flag', () => {
    expect(softwareAdapterReason(LLVMPIPE)).toBe('llvmpipe, a software renderer');
    expect(softwareAdapterReason(adapter({ device: 'SwiftShader Device (Subzero)' }))).toMatch(/swiftshader/);
    expect(softwareAdapterReason(adapter({ description: 'Microsoft Basic Render Driver' }))).toMatch(/basic render/);
    expect(softwareAdapterReason(adapter({ device: 'something', isFallbackAdapter: true }))).toMatch(/fallback/);
    expect(softwareAdapterReason(RTX)).toBeUndefined();
  });

  it('names the adapter with the API Dawn reaches it through', () => {
    expect(describeAdapter(RTX, 'linux')).toBe('nvidia ampere: NVIDIA GeForce RTX 3060 via Vulkan');
    expect(describeAdapter(adapter({ vendor: 'apple', architecture: 'metal-3', device: 'Apple M2' }), 'darwin')).toBe('apple metal-3: Apple M2 via Metal');
    expect(describeAdapter(LLVMPIPE, 'linux')).toBe('llvmpipe-llvm-15-0-6-256-bits- via OpenGL ES');
  });

  it('auto-selection passes over a software adapter and says why; KIT_BACKEND=webgpu takes it', () => {
    const probe: WebGpuProbe = { adapters: [LLVMPIPE], failures: { default: 'no adapter' } };
    expect(() => pickAdapter(probe, false)).toThrow(KitError);
    expect(() => pickAdapter(probe, false)).toThrow(/llvmpipe.*software renderer.*slower than wasm, so it is passed over/);
    expect(pickAdapter(probe, true)).toEqual({ adapter: LLVMPIPE, software: 'llvmpipe, a software renderer' });
  });

  it('prefers hardware to a software adapter found first', () => {
    expect(pickAdapter({ adapters: [LLVMPIPE, RTX], failures: {} }, false)).toEqual({ adapter: RTX });
  });

  it('with no adapter at all, says what Dawn said and where a GPU driver fits in', () => {
    const none: WebGpuProbe = { adapters: [], failures: { default: "no adapter (Dawn: Couldn't load Vulkan)", opengles: 'no adapter' } };
    expect(() => pickAdapter(none, true)).toThrow(/no WebGPU adapter.*Couldn't load Vulkan.*OpenGL ES: no adapter.*Vulkan ICD/);
  });

  it('asks Dawn once per run: a probe handed down by the parent process is used as it is', async () => {
    const before = process.env[PROBE_ENV];
    try {
      process.env[PROBE_ENV] = JSON.stringify({ adapters: [RTX], failures: {} });
      expect(await probeWebGpu()).toEqual({ adapters: [RTX], failures: {} });
    } finally {
      process.env[PROBE_ENV] = before ?? '';
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// On the device

const probeProblem = await webgpuProblem();
const probe = probeProblem === undefined ? await probeWebGpu() : undefined;

/** Skips with the reason where Dawn has no adapter; with KIT_REQUIRE_WEBGPU=1 that is a failure. */
function needAdapter(ctx: TestContext): void {
  if (probeProblem === undefined) return;
  if (process.env[REQUIRE_ENV] === '1') throw new KitError(requiredWebGpuMessage(probeProblem));
  ctx.skip(`needs a WebGPU adapter: ${probeProblem}`);
}

/** Float32 round-off over sums of a few hundred terms: differences this small are not a wrong kernel. */
const TOLERANCE = 1e-5;

/** max |a − b| over all arrays, scaled by max(1, max |a|). */
function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let scale = 1;
  a.forEach((x, i) => {
    const y = b[i]!;
    expect(y.length).toBe(x.length);
    for (let k = 0; k < x.length; k++) {
      diff = Math.max(diff, Math.abs(x[k]! - y[k]!));
      scale = Math.max(scale, Math.abs(x[k]!));
    }
  });
  return diff / scale;
}

type ModelFactory = () => tf.LayersModel;

/** 02's network: 784 → 256 → 128 → 10, ReLU, He-initialised. */
const mlp: ModelFactory = () =>
  tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }),
    ],
  });

/** Conv 3×3 8 → max-pool 2 → conv 3×3 16 → max-pool 2 → dense 10, on 28 × 28 × 1. */
const cnn: ModelFactory = () =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 4 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 5 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.heNormal({ seed: 6 }) }),
    ],
  });

interface Batch {
  x: Float32Array;
  xShape: number[];
  labels: Int32Array;
}

/** A batch drawn once (on the cpu backend), so both backends see the same bytes. */
function batch(xShape: number[], seed: number): Batch {
  const n = xShape[0]!;
  return tf.tidy(() => ({
    x: tf.randomUniform(xShape, 0, 1, 'float32', seed).dataSync() as Float32Array,
    xShape,
    labels: tf.randomUniform([n], 0, 10, 'int32', seed + 1).dataSync() as Int32Array,
  }));
}

/** The initial weights, built on the cpu backend, so both backends start from the same numbers. */
function initialWeights(make: ModelFactory): Float32Array[] {
  const m = make();
  const w = m.getWeights().map((t) => t.dataSync().slice() as Float32Array);
  m.dispose();
  return w;
}

/** Builds the model on the active backend, loads `weights`, runs `fn`, disposes everything. */
function withModel<T>(make: ModelFactory, weights: Float32Array[], fn: (m: tf.LayersModel) => T): T {
  const m = make();
  tf.tidy(() => {
    m.setWeights(m.getWeights().map((t, i) => tf.tensor(weights[i]!, t.shape)));
  });
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

function lossOf(m: tf.LayersModel, b: Batch): tf.Scalar {
  const x = tf.tensor(b.x, b.xShape);
  const y = tf.oneHot(tf.tensor1d(b.labels, 'int32'), 10);
  return tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor);
}

/** ∂loss/∂weight for every trainable weight, read back synchronously. */
function gradients(make: ModelFactory, weights: Float32Array[], b: Batch): Float32Array[] {
  return withModel(make, weights, (m) =>
    tf.tidy(() => {
      // Without a list, the gradients of every trainable variable, keyed by name: a layer's weight and
      // its variable share theirs. Only this model is alive here (withModel disposes each).
      const { grads } = tf.variableGrads(() => lossOf(m, b));
      return m.trainableWeights.map((w) => grads[w.name]!.dataSync() as Float32Array);
    }),
  );
}

/** The weights after three Adam steps (learning rate 1e-2, so the steps move the weights visibly). */
function adamSteps(make: ModelFactory, weights: Float32Array[], b: Batch): Float32Array[] {
  return withModel(make, weights, (m) => {
    const optimizer = tf.train.adam(1e-2);
    for (let step = 0; step < 3; step++) {
      tf.tidy(() => {
        optimizer.minimize(() => lossOf(m, b));
      });
    }
    optimizer.dispose();
    return m.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  });
}

async function onBoth<T>(fn: () => T): Promise<{ cpu: T; webgpu: T }> {
  await selectBackend('cpu');
  const cpu = fn();
  await selectBackend('webgpu');
  const webgpu = fn();
  return { cpu, webgpu };
}

describe('the webgpu backend against the cpu backend', () => {
  afterAll(() => {
    releaseWebGpu();
  });

  it('loads when forced and names the adapter it runs on', async (ctx) => {
    needAdapter(ctx);
    const info = await selectBackend('webgpu');
    expect(info).toMatchObject({ name: 'webgpu', tfBackend: 'webgpu', forced: true });
    expect(info.note).toMatch(/^Dawn, .+ via (Vulkan|Metal|D3D12|OpenGL ES)/);
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('reads synchronously: dataSync, arraySync, float32, int32 and bool', async (ctx) => {
    needAdapter(ctx);
    await selectBackend('webgpu');
    const [f, i, b] = tf.tidy(() => {
      const x = tf.tensor1d([1, -2, 3.5]);
      return [x.mul(2).dataSync(), x.toInt().add(tf.scalar(1, 'int32')).arraySync(), x.greater(0).dataSync()];
    });
    expect(Array.from(f)).toEqual([2, -4, 7]);
    expect(i).toEqual([2, -1, 4]);
    expect(Array.from(b)).toEqual([1, 0, 1]);
  });

  it("gives exercise 02's MLP the cpu backend's gradients to float32 tolerance", async (ctx) => {
    needAdapter(ctx);
    await selectBackend('cpu');
    const weights = initialWeights(mlp);
    const b = batch([64, 784], 11);
    const { cpu, webgpu } = await onBoth(() => gradients(mlp, weights, b));
    const d = maxRelDiff(cpu, webgpu);
    void ctx.annotate(`MLP gradients: max |cpu − webgpu| / max(1, max |g|) = ${d.toExponential(1)}`);
    expect(d).toBeLessThan(TOLERANCE);
  });

  it('gives a small CNN (conv, pool, dense) the cpu backend\'s gradients to float32 tolerance', async (ctx) => {
    needAdapter(ctx);
    await selectBackend('cpu');
    const weights = initialWeights(cnn);
    const b = batch([16, 28, 28, 1], 21);
    const { cpu, webgpu } = await onBoth(() => gradients(cnn, weights, b));
    const d = maxRelDiff(cpu, webgpu);
    void ctx.annotate(`CNN gradients: ${d.toExponential(1)}`);
    expect(d).toBeLessThan(TOLERANCE);
  });

  it('takes the same three Adam steps as the cpu backend', async (ctx) => {
    needAdapter(ctx);
    await selectBackend('cpu');
    const weights = initialWeights(mlp);
    const b = batch([64, 784], 31);
    const { cpu, webgpu } = await onBoth(() => adamSteps(mlp, weights, b));
    // The steps moved the weights (so equality is not just the starting point)...
    expect(maxRelDiff(weights, cpu)).toBeGreaterThan(1e-3);
    // ...and both backends moved them alike. Adam's first steps are about ±lr whatever the gradient's size
    // (m̂/√v̂ ≈ sign g), so a weight whose gradient is within a few ε (1e-7) of zero steps by an amount
    // that float32 round-off decides: measured 8e-5 on llvmpipe. A wrong kernel (sqrt, division, the moment
    // updates) is off by a large part of a step on many weights; 2e-3 is a fifth of one step of 1e-2.
    const d = maxRelDiff(cpu, webgpu);
    void ctx.annotate(`weights after 3 Adam steps: ${d.toExponential(1)}`);
    expect(d).toBeLessThan(2e-3);
  });

  it('leaks no tensor and no GPU buffer over training steps and reads', async (ctx) => {
    needAdapter(ctx);
    await selectBackend('webgpu');
    const b = batch([32, 28, 28, 1], 41);
    const m = cnn();
    const optimizer = tf.train.adam(1e-3);
    const step = (): number => {
      const loss = optimizer.minimize(() => lossOf(m, b), true)!;
      const value = loss.dataSync()[0]!;
      loss.dispose();
      return value;
    };
    step(); // creates Adam's moment variables
    const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    for (let i = 0; i < 3; i++) expect(Number.isFinite(step())).toBe(true);
    const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
    optimizer.dispose();
    m.dispose();
  });

  it('auto-selection passes a software adapter over and says why', async (ctx) => {
    needAdapter(ctx);
    if (probe!.adapters.some((a) => softwareAdapterReason(a) === undefined)) ctx.skip('a hardware adapter is present here');
    const info = await selectBackend();
    expect(info.name).not.toBe('webgpu');
    expect(info.skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(/software renderer.*slower than wasm, so it is passed over/);
  });

  it('lets Node exit by itself after training on it', async (ctx) => {
    needAdapter(ctx);
    const tsx = pathToFileURL(require.resolve('tsx')).href;
    const kit = pathToFileURL(path.join(REPO_ROOT, 'kit/tf/index.ts')).href;
    const script = `const { ready, tf } = await import(${JSON.stringify(kit)});
      await ready();
      const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3 })] });
      const opt = tf.train.adam(0.1);
      const x = tf.ones([2, 4]);
      console.log(opt.minimize(() => m.apply(x).square().mean(), true).dataSync()[0] > 0 ? 'trained' : 'no');`;
    const t0 = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      cwd: os.tmpdir(),
      env: { ...process.env, KIT_BACKEND: 'webgpu', KIT_BACKEND_QUIET: '1' },
      timeout: 120_000,
    });
    expect(stdout.trim()).toBe('trained');
    void ctx.annotate(`fresh process on webgpu: ${((Date.now() - t0) / 1000).toFixed(1)} s from start to exit`);
  });
});
