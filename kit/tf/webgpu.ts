/**
 * The WebGPU backend: tfjs's `@tensorflow/tfjs-backend-webgpu` on Dawn's Node bindings (npm `webgpu`), the
 * GPU route that installs from npm alone on Apple (Metal), Windows (D3D12) and Linux (Vulkan) machines.
 * Both packages are optional dependencies. Three things tfjs's package does not do in Node are done here:
 *
 * - finding an adapter: Dawn is asked in a child process first (see `probeWebGpu`), so a machine without a
 *   GPU or a Vulkan loader prints nothing and a crashing driver cannot take the student's run down;
 * - registering the backend: the package registers itself only when `navigator.gpu` exists at import and
 *   then asks for an adapter its own way (never in compatibility mode, which OpenGL ES needs), so the kit
 *   imports it first and registers a factory that hands it the device the kit opened;
 * - synchronous reads: `dataSync()` and `arraySync()` read back through an OffscreenCanvas, which Node
 *   lacks, and the kit, the exercises and their tests read synchronously everywhere. `readSync` is replaced
 *   by a copy into a mappable buffer whose mapping is completed by driving Dawn's event processing
 *   directly (see `capturePump`).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';
import type { LoadedBackend } from './select.ts';
import { describeAdapter, pickAdapter, probeWebGpu, ROUTES, WEBGPU_PACKAGES, type WebGpuAdapter } from './webgpu-probe.ts';

export * from './webgpu-probe.ts';

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------------
// The in-process device

/** What the kit holds while the backend lives; `releaseWebGpu` drops it so Node can exit. */
interface Held {
  gpu?: GPU;
  device?: GPUDevice;
  pump?: () => void;
}
const held: Held = {};
/** The adapter the open device runs on, as this process's Dawn describes it (the backend line names it). */
let running: WebGpuAdapter | undefined;

/** The members of tfjs's WebGPUBackend that the synchronous read uses (public in its typings, but not exported as a type here). */
interface WebGpuBackendLike {
  tensorMap: { get(dataId: object): { values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: unknown; complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } } } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer; releaseBuffer(buffer: GPUBuffer): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: GPUCommandEncoder;
  readSync(dataId: object): tf.backend_util.BackendValues;
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * Runs `start` while recording the native function Dawn's Node binding hands to `setImmediate`: its
 * event pump, which calls `wgpuInstanceProcessEvents` (src/dawn/node/binding/AsyncRunner.cpp). Dawn
 * completes a buffer mapping only when that runs, which in Node is on a later turn of the event loop; a
 * synchronous read calls it in a loop instead. The binding's own functions are the only native ones
 * given to `setImmediate` while an adapter and device are requested.
 */
async function capturePump<T>(start: () => Promise<T>): Promise<T> {
  const real = globalThis.setImmediate;
  const capture = function (this: unknown, fn: unknown, ...args: unknown[]) {
    if (typeof fn === 'function' && held.pump === undefined && Function.prototype.toString.call(fn).includes('[native code]')) {
      held.pump = fn as () => void;
    }
    return (real as (...a: unknown[]) => NodeJS.Immediate).call(this, fn, ...args);
  } as typeof setImmediate;
  globalThis.setImmediate = capture;
  try {
    return await start();
  } finally {
    if (globalThis.setImmediate === capture) globalThis.setImmediate = real;
  }
}

const READ_TIMEOUT_MS = 120_000;
const nap = new Int32Array(new SharedArrayBuffer(4));

/** Maps `buffer` for reading and waits for it without returning to the event loop. */
function mapSync(buffer: GPUBuffer): void {
  const pump = held.pump;
  if (pump === undefined) {
    throw new KitError(
      'The webgpu backend cannot read a tensor synchronously here: Dawn\'s event pump was not found when the ' +
        'device was opened (a `webgpu` package other than the pinned one?). Use `await tensor.data()`, or run ' +
        'on another backend (unset KIT_BACKEND or set KIT_BACKEND=wasm).',
    );
  }
  buffer.mapAsync(GPUMapMode.READ).catch(() => {
    // The outcome is read from mapState below; an unobserved rejection would only be noise.
  });
  const deadline = Date.now() + READ_TIMEOUT_MS;
  let spins = 0;
  while (buffer.mapState === 'pending') {
    pump();
    // A long kernel on a real GPU: stop spinning a core at full speed after the first few thousand polls.
    if (++spins > 2000) Atomics.wait(nap, 0, 0, 0.2);
    if (Date.now() > deadline) {
      throw new KitError(
        `Reading a tensor back from the GPU took over ${READ_TIMEOUT_MS / 1000} s and was abandoned: the GPU ` +
          'is hung or lost. Run on another backend (KIT_BACKEND=wasm) and check the driver (bench/gpu-check.sh).',
      );
    }
  }
  if (buffer.mapState !== 'mapped') {
    throw new KitError('Reading a tensor back from the GPU failed: Dawn refused to map the staging buffer (the device was lost?). Run on another backend (KIT_BACKEND=wasm).');
  }
}

/** `readSync` for Node: tfjs's own copies through an OffscreenCanvas, which Node does not have. */
function readSync(this: WebGpuBackendLike, dataId: object): tf.backend_util.BackendValues {
  const data = this.tensorMap.get(dataId);
  if (data.values != null || data.dtype === 'string') return data.values!;
  let values: tf.backend_util.BackendValues;
  if (data.dtype === 'complex64') {
    const parts = data.complexTensorInfos!;
    values = tf.backend_util.mergeRealAndImagArrays(this.readSync(parts.real.dataId) as Float32Array, this.readSync(parts.imag.dataId) as Float32Array);
  } else {
    const source = data.resource as GPUBuffer;
    const staging = this.bufferManager.acquireBuffer(source.size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
    this.submitQueue();
    mapSync(staging);
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
  }
  // As tfjs's own read does: keep the values on the CPU side too, so a second read costs nothing.
  data.values = values;
  return values;
}

function importDawn(): Promise<DawnModule> {
  return import(pathToFileURL(require.resolve('webgpu')).href) as Promise<DawnModule>;
}

/** The limits tfjs's own factory asks for (base.ts in tfjs-backend-webgpu 4.22): the adapter's maxima. */
function requiredLimits(l: GPUSupportedLimits): Record<string, number> {
  return {
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
}

/** Sets `navigator.gpu`, which tfjs's backend checks when it is constructed (Node ≥ 21 has a navigator of its own). */
function setNavigatorGpu(gpu: GPU | undefined): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  if (gpu === undefined) Reflect.deleteProperty(g.navigator!, 'gpu');
  else Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true, writable: true });
}

/**
 * The `webgpu` loader of `#kit/tf`: finds an adapter (a software one only when forced), opens a device
 * on it, registers and selects tfjs's WebGPU backend with the kit's synchronous read.
 */
export async function loadWebGpu(forced: boolean): Promise<LoadedBackend> {
  for (const pkg of WEBGPU_PACKAGES) {
    try {
      require.resolve(pkg);
    } catch {
      throw new KitError(
        `${pkg} is not installed (the webgpu backend is an optional dependency: npm drops it on a platform ` +
          'without a prebuilt Dawn); run `npm ci`, or `npm install webgpu@0.6.2 @tensorflow/tfjs-backend-webgpu@4.22.0`',
      );
    }
  }
  const { adapter: chosen, software } = pickAdapter(await probeWebGpu(), forced);
  if (tf.findBackend('webgpu') === null || held.device === undefined) {
    const dawn = await importDawn();
    for (const [name, value] of Object.entries(dawn.globals)) {
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    }
    if (chosen.route === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
    const route = ROUTES[chosen.route];
    const gpu = dawn.create(route.options);
    held.pump = undefined;
    const { device, info } = await capturePump(async () => {
      const adapter = await gpu.requestAdapter(route.request);
      if (adapter === null) throw new KitError(`Dawn offered ${describeAdapter(chosen)} to the probe but not to this process`);
      // `info` is newer than the WebGPU typings tfjs-core pins (@webgpu/types 0.1.38); Dawn has it.
      const info = (adapter as GPUAdapter & { info: GPUAdapterInfo }).info;
      return { device: await adapter.requestDevice({ requiredLimits: requiredLimits(adapter.limits) }), info };
    });
    // Imported before navigator.gpu exists, the package registers no factory of its own (which would ask
    // for an adapter without the compatibility mode OpenGL ES needs); the kit registers one below.
    running = {
      route: chosen.route,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: chosen.isFallbackAdapter,
    };
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    setNavigatorGpu(gpu);
    held.gpu = gpu;
    held.device = device;
    if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => {
      const backend = new WebGPUBackend(device, info);
      (backend as unknown as WebGpuBackendLike).readSync = readSync;
      return backend;
    });
  }
  if (!(await tf.setBackend('webgpu'))) {
    throw new KitError('tfjs\'s webgpu backend failed to initialise on the device Dawn opened (see the warning above)');
  }
  // tfjs warns once that synchronous reads are slow on WebGPU; they are how the exercises read results.
  (tf.backend() as unknown as { hasReadSyncWarned: boolean }).hasReadSyncWarned = true;
  const note = `Dawn, ${describeAdapter(running ?? chosen)}`;
  return software === undefined
    ? { tfBackend: 'webgpu', note }
    : { tfBackend: 'webgpu', note: `${note}: ${software}, slower than wasm` };
}

/**
 * Drops the backend, the device and the `GPU` object: while Dawn's `GPU` object is reachable, Node keeps
 * running its event processing and does not exit on its own (webgpu's README, "Lifetime").
 */
export function releaseWebGpu(): void {
  if (tf.findBackend('webgpu') !== null || tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  held.device?.destroy();
  setNavigatorGpu(undefined);
  held.device = undefined;
  held.gpu = undefined;
  held.pump = undefined;
  running = undefined;
}
