import type { BackendInfo } from './select.ts';

const GPU_ADVICE = 'with an NVIDIA GPU + CUDA 11.2 + cuDNN 8.1, `npm install @tensorflow/tfjs-node-gpu`';
const NODE_ADVICE = '`npm install @tensorflow/tfjs-node` (needs to download libtensorflow)';

/** The line printed once per process: which backend runs and how to get a faster one. */
export function backendMessage(info: BackendInfo): string {
  const head = `tfjs backend: ${info.name} (${info.note}).`;
  switch (info.name) {
    case 'node-gpu':
      return info.degraded === undefined
        ? head
        : `${head} ${capitalise(info.degraded)}.`;
    case 'webgpu':
      return info.forced && info.note.includes('a software renderer')
        ? `${head} Faster: unset KIT_BACKEND to use wasm.`
        : head;
    case 'node':
      return `${head} Faster: ${GPU_ADVICE}.${webgpuNote(info)}`;
    case 'wasm':
      return `${head} Faster: ${NODE_ADVICE} or, ${GPU_ADVICE}.${webgpuNote(info)}`;
    case 'cpu': {
      const wasmProblem = info.skipped.find((s) => s.name === 'wasm');
      const why = wasmProblem === undefined ? '' : ` wasm did not load: ${wasmProblem.reason}.`;
      const wasmAdvice = info.forced ? 'unset KIT_BACKEND to use wasm (about 10× faster), or ' : '';
      return `${head}${why} Faster: ${wasmAdvice}${NODE_ADVICE}.`;
    }
  }
}

/**
 * Why a GPU that WebGPU could have used did not run: said when Dawn found only a software adapter or
 * none at all (a GPU whose driver lacks its Vulkan ICD looks like that), not when the optional package
 * is simply absent.
 */
function webgpuNote(info: BackendInfo): string {
  const reason = info.skipped.find((s) => s.name === 'webgpu')?.reason;
  if (reason === undefined) return '';
  const software = /^the only WebGPU adapter is (.*?), so it is passed over/.exec(reason);
  if (software !== null) return ` WebGPU passed over: ${software[1]}.`;
  if (reason.startsWith('Dawn found no WebGPU adapter')) return ' WebGPU: no GPU adapter found (README, Backends).';
  return '';
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Shared by every copy of this module in the process, so the line really appears once. */
const ANNOUNCED = Symbol.for('dlkit.tf.backendAnnounced');

/**
 * Writes the backend line to stderr once per process; `KIT_BACKEND_QUIET=1` skips it. In a vitest worker
 * (one per test file) it goes through `console.error`, which vitest hands to the run's reporter: the
 * kit's reporter prints the line once per `npm test`, however many test files loaded a backend (a
 * direct stderr write would reach the terminal once per file).
 */
export function announceBackend(info: BackendInfo, env: NodeJS.ProcessEnv = process.env): void {
  const flags = globalThis as { [ANNOUNCED]?: boolean };
  if (flags[ANNOUNCED] === true || env.KIT_BACKEND_QUIET === '1') return;
  flags[ANNOUNCED] = true;
  if (env.VITEST_WORKER_ID !== undefined) console.error(backendMessage(info));
  else process.stderr.write(`${backendMessage(info)}\n`);
}
