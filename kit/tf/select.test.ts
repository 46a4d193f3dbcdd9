import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KitError } from '#kit/errors';
import { BACKEND_NAMES, parseBackendEnv, type BackendName } from './backend-name.ts';
import { describeLoadError } from './load-error.ts';
import { chooseBackend, type BackendLoader, type BackendLoaders, type LoadedBackend } from './select.ts';

const require = createRequire(import.meta.url);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'dlkit-select-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs `fn` and returns what it threw: the errors below are the real ones Node produces. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** The package is absent: npm dropped the optional dependency after its install script failed. */
const absent = (pkg: string): unknown => thrownBy(() => require.resolve(pkg));

/** Installed, but `lib/napi-v8/tfjs_binding.node` never arrived (install script skipped or failed). */
const missingBinding = (): unknown =>
  thrownBy(() => require(path.join(scratch, 'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node')));

/** The binding exists but is not a loadable shared object. */
function brokenBinding(): unknown {
  const file = path.join(scratch, 'tfjs_binding.node');
  writeFileSync(file, 'not an ELF file');
  return thrownBy(() => require(file));
}

/**
 * libtensorflow.so.2 missing next to the binding. Building an ELF with a dangling dependency is out of
 * reach here, so this copies the message and code Node gives for it.
 */
function missingSharedLibrary(): Error {
  const err = new Error(
    'libtensorflow.so.2: cannot open shared object file: No such file or directory',
  ) as NodeJS.ErrnoException;
  err.code = 'ERR_DLOPEN_FAILED';
  return err;
}

const ok = (tfBackend: string, extra: Partial<LoadedBackend> = {}): BackendLoader =>
  vi.fn(() => Promise.resolve({ tfBackend, note: 'test', ...extra }));
const failing = (err: unknown): BackendLoader => vi.fn(() => Promise.reject(err as Error));

function loaders(overrides: Partial<Record<BackendName, BackendLoader>>): BackendLoaders {
  return {
    'node-gpu': overrides['node-gpu'] ?? failing(absent('@tensorflow/tfjs-node-gpu')),
    webgpu: overrides.webgpu ?? failing(new KitError('Dawn found no WebGPU adapter (none offered)')),
    node: overrides.node ?? failing(absent('@tensorflow/tfjs-node')),
    wasm: overrides.wasm ?? ok('wasm'),
    cpu: overrides.cpu ?? ok('cpu'),
  };
}

describe('the errors used here are the real kinds', () => {
  it('absent package: MODULE_NOT_FOUND naming the package', () => {
    const err = absent('@tensorflow/tfjs-node') as NodeJS.ErrnoException;
    expect(err.code).toBe('MODULE_NOT_FOUND');
    expect(err.message).toContain("'@tensorflow/tfjs-node'");
  });
  it('missing binding: MODULE_NOT_FOUND naming the .node file', () => {
    const err = missingBinding() as NodeJS.ErrnoException;
    expect(err.code).toBe('MODULE_NOT_FOUND');
    expect(err.message).toContain('tfjs_binding.node');
  });
  it('broken binding: ERR_DLOPEN_FAILED', () => {
    expect((brokenBinding() as NodeJS.ErrnoException).code).toBe('ERR_DLOPEN_FAILED');
  });
});

describe('describeLoadError', () => {
  it('tells an absent native package from a missing binding from a failed dlopen', () => {
    const pkg = '@tensorflow/tfjs-node';
    expect(describeLoadError(pkg, absent(pkg))).toMatch(/not installed.*downloads libtensorflow.*npm install @tensorflow\/tfjs-node/);
    expect(describeLoadError(pkg, missingBinding())).toMatch(/native binding is missing.*npm rebuild @tensorflow\/tfjs-node/);
    expect(describeLoadError(pkg, brokenBinding())).toMatch(/native library failed to load.*npm rebuild/);
  });
  it('points the GPU package at CUDA when a shared library is missing', () => {
    const text = describeLoadError('@tensorflow/tfjs-node-gpu', missingSharedLibrary());
    expect(text).toContain('libtensorflow.so.2');
    expect(text).toContain('CUDA 11.2');
  });
  it('does not call the tfjs-node-gpu error "tfjs-node not installed"', () => {
    const text = describeLoadError('@tensorflow/tfjs-node', absent('@tensorflow/tfjs-node-gpu'));
    expect(text).not.toContain('not installed');
  });
  it('sends a missing regular dependency to npm ci', () => {
    const pkg = '@tensorflow/tfjs-backend-wasm';
    const err = Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
    expect(describeLoadError(pkg, err)).toMatch(/npm ci/);
  });
});

describe('chooseBackend without KIT_BACKEND', () => {
  it('falls through absent native packages to wasm, saying why each was skipped', async () => {
    const l = loaders({});
    const info = await chooseBackend(l);
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', forced: false });
    expect(info.skipped.map((s) => s.name)).toEqual(['node-gpu', 'webgpu', 'node']);
    expect(info.skipped[2]?.reason).toContain('@tensorflow/tfjs-node is not installed');
    expect(l.cpu).not.toHaveBeenCalled();
  });

  it('uses tfjs-node when the GPU package is installed without its binding', async () => {
    const l = loaders({ 'node-gpu': failing(missingBinding()), node: ok('tensorflow') });
    const info = await chooseBackend(l);
    expect(info.name).toBe('node');
    expect(info.skipped[0]?.reason).toContain('native binding is missing');
    expect(l.wasm).not.toHaveBeenCalled();
  });

  it('uses tfjs-node when the GPU build cannot open its libraries', async () => {
    const info = await chooseBackend(loaders({ 'node-gpu': failing(missingSharedLibrary()), node: ok('tensorflow') }));
    expect(info.name).toBe('node');
    expect(info.skipped[0]?.reason).toContain('CUDA 11.2');
  });

  it('keeps tfjs-node-gpu running on the CPU (it is still native) and says so', async () => {
    const l = loaders({ 'node-gpu': ok('tensorflow', { degraded: 'no usable GPU' }), node: ok('tensorflow') });
    const info = await chooseBackend(l);
    expect(info).toMatchObject({ name: 'node-gpu', degraded: 'no usable GPU' });
    expect(l.node).not.toHaveBeenCalled();
  });

  it('passes over a software WebGPU adapter, with the reason, and asks the loader as auto-selection', async () => {
    const software = new KitError('the only WebGPU adapter is llvmpipe via OpenGL ES (llvmpipe, a software renderer), slower than wasm, so it is passed over');
    const l = loaders({ webgpu: failing(software) });
    const info = await chooseBackend(l);
    expect(info.name).toBe('wasm');
    expect(info.skipped.find((s) => s.name === 'webgpu')?.reason).toMatch(/software renderer.*passed over/);
    expect(l.webgpu).toHaveBeenCalledWith(false);
  });

  it('prefers a hardware WebGPU adapter to tfjs-node on the CPU', async () => {
    const l = loaders({ webgpu: ok('webgpu', { note: 'Dawn, nvidia ampere: NVIDIA GeForce RTX 3060 via Vulkan' }), node: ok('tensorflow') });
    const info = await chooseBackend(l);
    expect(info).toMatchObject({ name: 'webgpu', tfBackend: 'webgpu' });
    expect(l.node).not.toHaveBeenCalled();
  });

  it('falls back to cpu when wasm fails too', async () => {
    const info = await chooseBackend(loaders({ wasm: failing(new KitError('the wasm backend failed to initialise')) }));
    expect(info.name).toBe('cpu');
    expect(info.skipped.map((s) => s.reason)).toContain('the wasm backend failed to initialise');
  });

  it('is a KitError listing every reason when nothing loads', async () => {
    const l = loaders({ wasm: failing(new Error('wasm broke')), cpu: failing(new Error('cpu broke')) });
    await expect(chooseBackend(l)).rejects.toThrow(KitError);
    await expect(chooseBackend(l)).rejects.toThrow(/node-gpu: .*node: .*wasm: .*wasm broke.*cpu: .*cpu broke/);
  });
});

describe('chooseBackend with KIT_BACKEND', () => {
  it('loads only the forced backend, telling it that it was forced (webgpu then takes a software adapter)', async () => {
    const l = loaders({});
    const info = await chooseBackend(l, 'cpu');
    expect(l.cpu).toHaveBeenCalledWith(true);
    expect(info).toMatchObject({ name: 'cpu', forced: true, skipped: [] });
    expect(l.wasm).not.toHaveBeenCalled();
    expect(l['node-gpu']).not.toHaveBeenCalled();
  });

  it('never falls back silently: a forced backend that cannot load is a KitError saying why', async () => {
    const l = loaders({});
    const failure = chooseBackend(l, 'node');
    await expect(failure).rejects.toThrow(KitError);
    await expect(failure).rejects.toThrow(
      /KIT_BACKEND=node was asked for, but @tensorflow\/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/,
    );
    expect(l.wasm).not.toHaveBeenCalled();
  });

  it('refuses a GPU package that runs on the CPU when the GPU was asked for', async () => {
    const l = loaders({ 'node-gpu': ok('tensorflow', { degraded: 'it found no usable GPU' }) });
    await expect(chooseBackend(l, 'node-gpu')).rejects.toThrow(/KIT_BACKEND=node-gpu .* it found no usable GPU/);
  });
});

describe('parseBackendEnv', () => {
  it('accepts each backend name and treats unset or empty as "choose"', () => {
    for (const name of BACKEND_NAMES) expect(parseBackendEnv(name)).toBe(name);
    expect(parseBackendEnv(undefined)).toBeUndefined();
    expect(parseBackendEnv('  ')).toBeUndefined();
  });
  it('rejects anything else, listing the valid values', () => {
    expect(() => parseBackendEnv('gpu')).toThrow(KitError);
    expect(() => parseBackendEnv('gpu')).toThrow(/"gpu".*node-gpu, webgpu, node, wasm, cpu/);
  });
});
