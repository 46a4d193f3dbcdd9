import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KitError, REPO_ROOT } from '#kit/errors';
import { hasHardwareWebGpu } from './webgpu.ts';
import { backendInfo, isWasmConvFixInstalled, isWasmMatMulFixInstalled, isWasmPoolFixInstalled, selectBackend, tf } from './index.ts';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

// These tests describe this machine, where npm could not fetch libtensorflow and Dawn finds no GPU; with
// either native package present, or a hardware WebGPU adapter, auto-selection rightly prefers it, so the
// wasm expectations no longer apply.
const noNative = !installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu') && !(await hasHardwareWebGpu());

/** Runs a snippet in a fresh Node process from a directory outside the repo, as a script would. */
async function inFreshProcess(code: string, env: Record<string, string | undefined>) {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const kit = pathToFileURL(path.join(REPO_ROOT, 'kit/tf/index.ts')).href;
  const script = `const kit = await import(${JSON.stringify(kit)});\n${code}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['KIT_BACKEND', 'KIT_BACKEND_QUIET']) Reflect.deleteProperty(childEnv, key);
  for (const [key, value] of Object.entries(env)) if (value !== undefined) childEnv[key] = value;
  return run(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
    cwd: os.tmpdir(),
    env: childEnv,
  });
}

describe.runIf(noNative)('backend selection on this machine (no native tfjs)', () => {
  it('auto-selection picks wasm, with SIMD and the matmul, convolution and max-pool fixes', async () => {
    const info = await selectBackend();
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', forced: false });
    expect(info.note).toContain('SIMD');
    expect(info.skipped.map((s) => s.name)).toEqual(['node-gpu', 'webgpu', 'node']);
    expect(tf.getBackend()).toBe('wasm');
    expect(isWasmMatMulFixInstalled()).toBe(true);
    expect(isWasmConvFixInstalled()).toBe(true);
    expect(isWasmPoolFixInstalled()).toBe(true);
    expect(backendInfo()).toBe(info);
  });

  it('KIT_BACKEND=node is a clear KitError, not a fallback', async () => {
    const before = tf.getBackend();
    const failure = selectBackend('node');
    await expect(failure).rejects.toThrow(KitError);
    await expect(failure).rejects.toThrow(/tfjs-node is not installed.*npm install @tensorflow\/tfjs-node/);
    expect(tf.getBackend()).toBe(before);
  });

  it('KIT_BACKEND=cpu works', async () => {
    const info = await selectBackend('cpu');
    expect(info).toMatchObject({ name: 'cpu', tfBackend: 'cpu', forced: true });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().arraySync())).toBe(6);
  });
});

describe.runIf(noNative)('ready() in a fresh process', () => {
  it('says once on stderr which backend runs, without the tfjs "Hi there" banner, from any cwd', async () => {
    const { stdout, stderr } = await inFreshProcess(
      `const info = await kit.ready(); await kit.ready();
       await kit.tf.setBackend('cpu'); kit.tf.ones([2]).dataSync();
       console.log(info.name);`,
      {},
    );
    expect(stdout.trim()).toBe('wasm');
    expect(stderr.match(/tfjs backend:/g)).toHaveLength(1);
    expect(stderr).toContain('tfjs backend: wasm (SIMD, 1 thread). Faster: `npm install @tensorflow/tfjs-node`');
    expect(stderr).not.toMatch(/looks like you are running TensorFlow\.js in Node/i);
  });

  it('stays quiet under KIT_BACKEND_QUIET=1', async () => {
    const { stdout, stderr } = await inFreshProcess(`console.log((await kit.ready()).name);`, { KIT_BACKEND_QUIET: '1' });
    expect(stdout.trim()).toBe('wasm');
    expect(stderr).not.toContain('tfjs backend:');
  });

  it('reads KIT_BACKEND: node fails with the reason, an unknown name lists the valid ones', async () => {
    const probe = `try { await kit.ready(); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const node = await inFreshProcess(probe, { KIT_BACKEND: 'node' });
    expect(node.stdout).toMatch(/^KitError: KIT_BACKEND=node was asked for, but @tensorflow\/tfjs-node is not installed/);
    const typo = await inFreshProcess(probe, { KIT_BACKEND: 'gpu' });
    expect(typo.stdout).toMatch(/^KitError: KIT_BACKEND="gpu" .*node-gpu, webgpu, node, wasm, cpu/);
  });
});
