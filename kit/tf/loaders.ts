import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { KitError } from '#kit/errors';
import { installCpuResizeFix } from './cpu-resize.ts';
import { withoutAddedCrashListeners } from './process-listeners.ts';
import type { BackendLoaders, LoadedBackend } from './select.ts';
import { installWasmConvFix } from './wasm-conv.ts';
import { installWasmMatMulFix } from './wasm-matmul.ts';
import { installWasmPoolFix } from './wasm-pool.ts';
import { loadWebGpu } from './webgpu.ts';

const require = createRequire(import.meta.url);

/** The backends as they really load on this machine. */
export const realLoaders: BackendLoaders = {
  'node-gpu': () => loadNative('@tensorflow/tfjs-node-gpu'),
  webgpu: async (forced) => {
    const loaded = await loadWebGpu(forced);
    // The webgpu backend hands some work to the cpu backend, whose banner would follow the kit's own line.
    quietCpuBanner();
    return loaded;
  },
  node: () => loadNative('@tensorflow/tfjs-node'),
  wasm: loadWasm,
  cpu: loadCpu,
};

/**
 * Resolving first gives Node's own MODULE_NOT_FOUND for an absent package, the same under tsx and
 * inside vitest (whose module runner would otherwise report a failed import in its own words).
 */
const resolveFromKit = (pkg: string): string => require.resolve(pkg);

interface NodeKernelBackendLike {
  isUsingGpuDevice?: unknown;
}

/**
 * Imports a native package and checks what it left behind. `resolve` is a parameter so tests can
 * point it at stand-in packages in each broken state the real ones can be found in.
 */
export async function loadNative(
  pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu',
  resolve: (pkg: string) => string = resolveFromKit,
): Promise<LoadedBackend> {
  try {
    // The package is CommonJS: it registers a 'tensorflow' backend on the one @tensorflow/tfjs engine
    // (a deduped dependency; the engine lives on globalThis anyway) and selects it.
    await import(pathToFileURL(resolve(pkg)).href);
  } catch (err) {
    forgetTensorflowBackend();
    throw err;
  }
  if (tf.getBackend() !== 'tensorflow' && !(await tf.setBackend('tensorflow'))) {
    forgetTensorflowBackend();
    throw new KitError(`${pkg} loaded but its 'tensorflow' backend failed to initialise (see the warning above)`);
  }
  const onGpu = (tf.backend() as NodeKernelBackendLike).isUsingGpuDevice === true;
  if (pkg === '@tensorflow/tfjs-node') {
    return { tfBackend: 'tensorflow', note: 'libtensorflow on the CPU' };
  }
  if (onGpu) return { tfBackend: 'tensorflow', note: 'libtensorflow with CUDA' };
  return {
    tfBackend: 'tensorflow',
    note: 'libtensorflow on the CPU: no usable GPU',
    degraded:
      `${pkg} found no usable GPU and runs on the CPU (it needs an NVIDIA GPU with CUDA 11.2 and ` +
      `cuDNN 8.1 on LD_LIBRARY_PATH; with CUDA 12 it silently falls back to the CPU)`,
  };
}

/**
 * A native package that failed part-way has already registered its ~200 kernels for 'tensorflow';
 * left there, the next package's registrations would each print an "already registered" warning.
 */
function forgetTensorflowBackend(): void {
  for (const kernel of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(kernel.kernelName, 'tensorflow');
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) tf.removeBackend('tensorflow');
}

/** `dist/` of the installed wasm package, found from this file so any working directory works. */
export function wasmBinaryDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

async function loadWasm(): Promise<LoadedBackend> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!isInitialised('wasm')) wasm.setWasmPaths(wasmBinaryDir());
  // The Emscripten module starts here; see process-listeners.ts for why its crash listeners go.
  if (!(await withoutAddedCrashListeners(() => tf.setBackend('wasm')))) {
    throw new KitError(
      `the wasm backend failed to initialise (see the warning above); ` +
        `check that ${wasmBinaryDir()} holds the tfjs-backend-wasm*.wasm files, or run \`npm ci\``,
    );
  }
  installWasmMatMulFix();
  installWasmConvFix();
  installWasmPoolFix();
  quietCpuBanner();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasm.getThreadsCount();
  return {
    tfBackend: 'wasm',
    note: `${simd === true ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`,
  };
}

async function loadCpu(): Promise<LoadedBackend> {
  if (!(await tf.setBackend('cpu'))) {
    throw new KitError('the cpu backend failed to initialise (see the warning above); run `npm ci`');
  }
  installCpuResizeFix(); // selectBackend has already; again for callers of realLoaders.cpu alone
  quietCpuBanner();
  return { tfBackend: 'cpu', note: 'pure JavaScript' };
}

function isInitialised(backendName: string): boolean {
  return backendName in tf.engine().registry;
}

/**
 * The cpu backend prints a "looks like you are running TensorFlow.js in Node.js" banner on first use;
 * the kit prints its own line with the same advice, so the banner would only repeat it (and tests that
 * compare against cpu would print it in every file).
 */
export function quietCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu !== null && 'firstUse' in cpu) cpu.firstUse = false;
}
