/**
 * The kit's one tfjs: the `@tensorflow/tfjs` namespace every exercise, solution and test imports, and
 * `ready()`, which picks the fastest backend that loads (ARCHITECTURE.md contract 4) and fills in what the
 * non-native backends lack (file:// save/load; on wasm: fast transposed matmuls, the convolution
 * gradients, a right and fast max-pool gradient; on cpu: right resize gradients; on webgpu: synchronous
 * reads in Node).
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export { ready, backendInfo, selectBackend } from './ready.ts';
export { BACKEND_NAMES, isBackendName, parseBackendEnv, type BackendName } from './backend-name.ts';
export {
  chooseBackend,
  PACKAGES,
  type BackendInfo,
  type BackendLoader,
  type BackendLoaders,
  type LoadedBackend,
  type SkippedBackend,
} from './select.ts';
export { describeLoadError } from './load-error.ts';
export { backendMessage, announceBackend } from './announce.ts';
export { realLoaders, wasmBinaryDir } from './loaders.ts';
export { installWasmMatMulFix, uninstallWasmMatMulFix, isWasmMatMulFixInstalled } from './wasm-matmul.ts';
export { installWasmConvFix, uninstallWasmConvFix, isWasmConvFixInstalled } from './wasm-conv.ts';
export { installWasmPoolFix, uninstallWasmPoolFix, isWasmPoolFixInstalled } from './wasm-pool.ts';
export { installCpuResizeFix, uninstallCpuResizeFix, isCpuResizeFixInstalled } from './cpu-resize.ts';
export { registerFileRouter, FileModelHandler } from './file-io.ts';
export { probeWebGpu, releaseWebGpu, webgpuProblem, type WebGpuAdapter, type WebGpuProbe } from './webgpu.ts';
