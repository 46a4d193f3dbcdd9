import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeLoadError } from './load-error.ts';
import { loadNative } from './loaders.ts';
import { selectBackend, tf } from './index.ts';

/**
 * Stand-ins for @tensorflow/tfjs-node(-gpu), loaded through the real import path, in the states the real
 * packages are found in: installed without the native binding (they register their kernels, then the
 * require of tfjs_binding.node throws), and loaded with or without a GPU in use. Like the real ones they
 * are CommonJS inside a node_modules directory and register on the one @tensorflow/tfjs engine.
 */
const require = createRequire(import.meta.url);
const root = mkdtempSync(path.join(os.tmpdir(), 'dlkit-native-'));
const tfjsEntry = require.resolve('@tensorflow/tfjs');

function standIn(name: string, body: string): string {
  const dir = path.join(root, 'node_modules', '@tensorflow', name);
  mkdirSync(dir, { recursive: true });
  const entry = path.join(dir, 'index.js');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `@tensorflow/${name}`, main: 'index.js' }));
  writeFileSync(entry, `'use strict';\nconst tf = require(${JSON.stringify(tfjsEntry)});\n${body}\n`);
  return entry;
}

const registerKernels = `for (const kernelName of ['Abs', 'Add', 'MatMul']) {
  tf.registerKernel({ kernelName, backendName: 'tensorflow', kernelFunc: () => { throw new Error('stand-in'); } });
}`;

const withoutBinding = standIn(
  'no-binding',
  `${registerKernels}\nrequire(require('path').join(__dirname, 'lib/napi-v8/tfjs_binding.node'));`,
);

const registersBackend = (usingGpu: boolean): string => `${registerKernels}
tf.registerBackend('tensorflow', () => Object.assign(new tf.MathBackendCPU(), { isUsingGpuDevice: ${String(usingGpu)} }), 3);
if (!tf.setBackend('tensorflow')) throw new Error('Could not initialize TensorFlow backend.');`;
const gpuWithoutGpu = standIn('gpu-on-cpu', registersBackend(false));
const gpuWithGpu = standIn('gpu-on-gpu', registersBackend(true));

beforeAll(async () => {
  await selectBackend('wasm');
});

afterEach(async () => {
  for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
  if ((tf.findBackendFactory('tensorflow') as unknown) != null) tf.removeBackend('tensorflow');
  await tf.setBackend('wasm');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadNative', () => {
  it('installed without its binding: throws the real error and unregisters the kernels it left behind', async () => {
    const failure = loadNative('@tensorflow/tfjs-node', () => withoutBinding);
    await expect(failure).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND' });
    const err = await failure.catch((e: unknown) => e);
    expect(describeLoadError('@tensorflow/tfjs-node', err)).toContain('native binding is missing');
    // Left registered, these would make the next native package print one warning per kernel.
    expect(tf.getKernelsForBackend('tensorflow')).toEqual([]);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('tfjs-node-gpu running on the CPU loads but reports itself degraded', async () => {
    const loaded = await loadNative('@tensorflow/tfjs-node-gpu', () => gpuWithoutGpu);
    expect(loaded.tfBackend).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
    expect(loaded.degraded).toMatch(/no usable GPU.*CUDA 11\.2/);
  });

  it('tfjs-node-gpu on a GPU is not degraded', async () => {
    const loaded = await loadNative('@tensorflow/tfjs-node-gpu', () => gpuWithGpu);
    expect(loaded).toMatchObject({ tfBackend: 'tensorflow', note: 'libtensorflow with CUDA' });
    expect(loaded.degraded).toBeUndefined();
  });

  const absent = (() => {
    try {
      require.resolve('@tensorflow/tfjs-node');
      return false;
    } catch {
      return true;
    }
  })();
  it.runIf(absent)('an absent package fails at resolution with MODULE_NOT_FOUND', async () => {
    await expect(loadNative('@tensorflow/tfjs-node')).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });
});
