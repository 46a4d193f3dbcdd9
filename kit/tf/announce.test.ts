import { afterEach, describe, expect, it, vi } from 'vitest';
import { announceBackend, backendMessage } from './announce.ts';
import type { BackendInfo } from './select.ts';

const info = (over: Partial<BackendInfo>): BackendInfo => ({
  name: 'wasm',
  tfBackend: 'wasm',
  note: 'SIMD, 1 thread',
  forced: false,
  skipped: [],
  ...over,
});

describe('backendMessage', () => {
  it('on wasm names the backend and both faster packages', () => {
    expect(backendMessage(info({}))).toBe(
      'tfjs backend: wasm (SIMD, 1 thread). Faster: `npm install @tensorflow/tfjs-node` (needs to download ' +
        'libtensorflow) or, with an NVIDIA GPU + CUDA 11.2 + cuDNN 8.1, `npm install @tensorflow/tfjs-node-gpu`.',
    );
  });
  it('on webgpu names the adapter; a forced software adapter points back at wasm', () => {
    const hw = info({ name: 'webgpu', tfBackend: 'webgpu', note: 'Dawn, nvidia ampere: NVIDIA GeForce RTX 3060 via Vulkan' });
    expect(backendMessage(hw)).toBe('tfjs backend: webgpu (Dawn, nvidia ampere: NVIDIA GeForce RTX 3060 via Vulkan).');
    const sw = info({ name: 'webgpu', tfBackend: 'webgpu', forced: true, note: 'Dawn, llvmpipe via OpenGL ES: llvmpipe, a software renderer, slower than wasm' });
    expect(backendMessage(sw)).toMatch(/llvmpipe.*Faster: unset KIT_BACKEND to use wasm\.$/);
  });
  it('on wasm says why WebGPU did not run: a software adapter, or no adapter; nothing when the package is absent', () => {
    const skipped = (reason: string): BackendInfo => info({ skipped: [{ name: 'webgpu', reason }] });
    expect(backendMessage(skipped('the only WebGPU adapter is llvmpipe via OpenGL ES (llvmpipe, a software renderer), slower than wasm, so it is passed over; KIT_BACKEND=webgpu uses it anyway')))
      .toMatch(/ WebGPU passed over: llvmpipe via OpenGL ES \(llvmpipe, a software renderer\), slower than wasm\.$/);
    expect(backendMessage(skipped('Dawn found no WebGPU adapter (none offered). A GPU needs ...'))).toMatch(/WebGPU: no GPU adapter found/);
    expect(backendMessage(skipped('webgpu is not installed (…)'))).not.toContain('WebGPU');
  });
  it('on node points at the GPU package only', () => {
    const text = backendMessage(info({ name: 'node', tfBackend: 'tensorflow', note: 'libtensorflow on the CPU' }));
    expect(text).toContain('tfjs-node-gpu');
    expect(text).not.toContain('npm install @tensorflow/tfjs-node`');
  });
  it('on a GPU package without a GPU says it runs on the CPU', () => {
    const text = backendMessage(info({ name: 'node-gpu', tfBackend: 'tensorflow', note: 'x', degraded: 'it found no usable GPU' }));
    expect(text).toContain('It found no usable GPU');
  });
  it('on cpu says why wasm did not load, and that KIT_BACKEND forced it', () => {
    const text = backendMessage(
      info({ name: 'cpu', tfBackend: 'cpu', note: 'pure JavaScript', skipped: [{ name: 'wasm', reason: 'wasm broke' }] }),
    );
    expect(text).toContain('wasm did not load: wasm broke');
    expect(backendMessage(info({ name: 'cpu', tfBackend: 'cpu', forced: true }))).toContain('unset KIT_BACKEND');
  });
});

describe('announceBackend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  it('is silent under KIT_BACKEND_QUIET=1, then prints exactly once per process', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    announceBackend(info({}), { KIT_BACKEND_QUIET: '1' });
    expect(write).not.toHaveBeenCalled();
    announceBackend(info({}), {});
    announceBackend(info({}), {});
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]?.[0])).toMatch(/^tfjs backend: wasm .*\n$/);
  });

  it('in a vitest worker goes through console.error, which the kit reporter prints once per run', () => {
    Reflect.deleteProperty(globalThis, Symbol.for('dlkit.tf.backendAnnounced'));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    announceBackend(info({}), { VITEST_WORKER_ID: '3' });
    expect(write).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledTimes(1);
    expect(String(error.mock.calls[0]?.[0])).toMatch(/^tfjs backend: wasm /);
  });
});
