/**
 * Finding a WebGPU adapter without loading tfjs: Dawn is asked in a child process, once per run (the
 * answer is handed to child processes, vitest's workers among them, through DLKIT_WEBGPU_PROBE), and
 * software adapters are told apart from hardware ones. `webgpu.ts` opens the device the answer names.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { KitError } from '#kit/errors';

const require = createRequire(import.meta.url);


/** The two npm packages behind the backend, as named in messages. */
export const WEBGPU_PACKAGES = ['webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;

/** How Dawn was reached: its default backend for the platform, or OpenGL ES (Linux, compatibility mode). */
export type DawnRoute = 'default' | 'opengles';

/** One adapter Dawn offered, as the probe reports it. */
export interface WebGpuAdapter {
  route: DawnRoute;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** What the probe found: adapters in the order tried, and what each route said when it found none. */
export interface WebGpuProbe {
  adapters: WebGpuAdapter[];
  /** Route → why it gave no adapter (Dawn's own stderr lines are kept here, not printed). */
  failures: Partial<Record<DawnRoute, string>>;
}

/**
 * Names of software rasterisers that expose themselves as GPU adapters: Mesa's llvmpipe (OpenGL) and
 * lavapipe (Vulkan), softpipe, Google's SwiftShader and Windows' WARP ("Microsoft Basic Render Driver").
 * Dawn flags only some of them with `isFallbackAdapter` (llvmpipe through OpenGL ES is not flagged), so
 * the name decides too. On them training is correct but slower than wasm (README, Backends).
 */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|basic render|\bwarp\b/i;

/** The reason an adapter is a software one, or undefined for hardware. */
export function softwareAdapterReason(a: WebGpuAdapter): string | undefined {
  const text = [a.vendor, a.architecture, a.device, a.description].join(' ');
  const name = SOFTWARE_NAMES.exec(text)?.[0];
  if (name !== undefined) return `${name.toLowerCase()}, a software renderer`;
  if (a.isFallbackAdapter) return 'a fallback adapter, which Dawn runs in software';
  return undefined;
}

/** "llvmpipe (LLVM 15.0.6, 256 bits) via OpenGL ES", "nvidia ampere: NVIDIA GeForce RTX 3060 via Vulkan". */
export function describeAdapter(a: WebGpuAdapter, platform: NodeJS.Platform = process.platform): string {
  const maker = [a.vendor, a.architecture].filter((s) => s !== '').join(' ');
  const device = a.device !== '' ? a.device : a.description !== '' ? a.description : 'unnamed adapter';
  const api = a.route === 'opengles' ? 'OpenGL ES' : platform === 'darwin' ? 'Metal' : platform === 'win32' ? 'D3D12' : 'Vulkan';
  return `${maker !== '' ? `${maker}: ` : ''}${device} via ${api}`;
}

/** Dawn's options and the adapter request for each route. */
export const ROUTES: Readonly<Record<DawnRoute, { options: string[]; request: Record<string, string> }>> = {
  default: { options: [], request: { powerPreference: 'high-performance' } },
  // OpenGL ES reaches only a compatibility-mode adapter; the surfaceless EGL platform needs no display.
  opengles: { options: ['backend=opengles'], request: { featureLevel: 'compatibility' } },
};

/** The routes worth trying here: OpenGL ES only on Linux, where it is how Mesa's drivers without Vulkan show up. */
export function routesFor(platform: NodeJS.Platform = process.platform): DawnRoute[] {
  return platform === 'linux' ? ['default', 'opengles'] : ['default'];
}

/** Plain JavaScript for the probe process: no tsx, so it starts in about 0.1 s. */
const PROBE_SOURCE = `
const [url, routesJson] = process.argv.slice(1);
const { create } = await import(url);
const routes = JSON.parse(routesJson);
const out = { adapters: [] };
for (const r of routes) {
  // Marks where this route's part of Dawn's stderr starts, so each route's failure quotes its own lines.
  process.stderr.write('@@route ' + r.route + '\\n');
  try {
    const gpu = create(r.options);
    const a = await gpu.requestAdapter(r.request);
    if (a) {
      const i = a.info;
      out.adapters.push({ route: r.route, vendor: i.vendor || '', architecture: i.architecture || '',
        device: i.device || '', description: i.description || '', isFallbackAdapter: i.isFallbackAdapter === true || a.isFallbackAdapter === true });
    }
  } catch (err) {
    out.adapters.push({ route: r.route, error: String(err && err.message || err) });
  }
}
process.stdout.write(JSON.stringify(out) + '\\n');
process.exit(0);
`;

const PROBE_TIMEOUT_MS = 15_000;

/**
 * Asks Dawn, in a child process, which adapters each route gives. Dawn prints to the process's stderr
 * while it looks ("Couldn't load Vulkan" on a machine without a Vulkan loader, limits it lowers on
 * OpenGL ES): in a child that text is kept as the route's failure reason instead of appearing in every
 * student's test run, and a driver that crashes ends only the child.
 */
export function probeWebGpu(platform: NodeJS.Platform = process.platform): Promise<WebGpuProbe> {
  if (platform !== process.platform) return askDawn(platform);
  const handed = handedProbe();
  if (handed !== undefined) return Promise.resolve(handed);
  asked ??= askDawn(platform).then((probe) => {
    process.env[PROBE_ENV] = JSON.stringify(probe);
    return probe;
  });
  return asked;
}

/**
 * Where a process hands its probe to the processes it starts: `vitest.config.ts` probes once and every
 * test worker reads the answer instead of paying ~0.2 s for its own child process.
 */
export const PROBE_ENV = 'DLKIT_WEBGPU_PROBE';
let asked: Promise<WebGpuProbe> | undefined;

/** The probe a parent process handed down, if it is well formed. */
function handedProbe(): WebGpuProbe | undefined {
  const text = process.env[PROBE_ENV];
  if (text === undefined || text === '') return undefined;
  try {
    const p = JSON.parse(text) as Partial<WebGpuProbe>;
    if (!Array.isArray(p.adapters) || typeof p.failures !== 'object' || p.failures === null) return undefined;
    return { adapters: p.adapters, failures: p.failures };
  } catch {
    return undefined;
  }
}

/**
 * Probes once in this process (vitest's main process) so that its workers inherit the answer; does
 * nothing where the webgpu backend cannot be chosen (another backend forced, the package missing).
 */
export async function shareWebGpuProbe(): Promise<void> {
  const forced = process.env.KIT_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'webgpu') return;
  try {
    require.resolve('webgpu');
    await probeWebGpu();
  } catch {
    // The workers probe for themselves and report whatever went wrong.
  }
}

function askDawn(platform: NodeJS.Platform): Promise<WebGpuProbe> {
  const url = pathToFileURL(require.resolve('webgpu')).href;
  const routes = routesFor(platform).map((route) => ({ route, ...ROUTES[route] }));
  const env: NodeJS.ProcessEnv = { ...process.env, EGL_PLATFORM: process.env.EGL_PLATFORM ?? 'surfaceless' };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE_SOURCE, url, JSON.stringify(routes)],
      { env, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line === undefined) {
          const said = firstLines(stderr.split('\n').filter((l) => !l.startsWith('@@route ')).join('\n'));
          const why = err?.killed === true ? `did not answer in ${PROBE_TIMEOUT_MS / 1000} s` : `failed (${said || (err?.message ?? 'no output')})`;
          reject(new KitError(`asking Dawn for a WebGPU adapter ${why}`));
          return;
        }
        const parsed = JSON.parse(line) as { adapters: (WebGpuAdapter | { route: DawnRoute; error: string })[] };
        const probe: WebGpuProbe = { adapters: [], failures: {} };
        for (const a of parsed.adapters) {
          if ('error' in a) probe.failures[a.route] = a.error;
          else probe.adapters.push(a);
        }
        for (const route of routesFor(platform)) {
          if (!probe.adapters.some((a) => a.route === route) && probe.failures[route] === undefined) {
            const dawnSaid = firstLines(stderrOf(stderr, route).filter((l) => /warning|error|couldn't|failed/i.test(l) && !/artificially reduced/.test(l)).join('\n'));
            probe.failures[route] = dawnSaid !== '' ? `no adapter (Dawn: ${dawnSaid})` : 'no adapter';
          }
        }
        resolve(probe);
      },
    );
  });
}

/** The lines the probe's stderr holds for one route (between its marker and the next). */
function stderrOf(stderr: string, route: DawnRoute): string[] {
  const lines = stderr.split('\n');
  const start = lines.indexOf(`@@route ${route}`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('@@route '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function firstLines(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ')).slice(0, 2).join(' ').slice(0, 300);
}

/** The adapter the kit uses from a probe: the first hardware one, else (forced only) the first at all. */
export function pickAdapter(probe: WebGpuProbe, forced: boolean): { adapter: WebGpuAdapter; software?: string } {
  const hardware = probe.adapters.find((a) => softwareAdapterReason(a) === undefined);
  if (hardware !== undefined) return { adapter: hardware };
  const first = probe.adapters[0];
  if (first === undefined) {
    const why = Object.entries(probe.failures).map(([route, reason]) => `${route === 'opengles' ? 'OpenGL ES' : 'Dawn\'s default backend'}: ${reason}`).join('; ');
    throw new KitError(
      `Dawn found no WebGPU adapter (${why || 'none offered'}). A GPU needs its driver's Vulkan ICD on Linux ` +
        '(NVIDIA: the driver\'s nvidia_icd.json; AMD/Intel: mesa-vulkan-drivers), Metal on macOS or D3D12 on Windows',
    );
  }
  const software = softwareAdapterReason(first)!;
  if (!forced) {
    throw new KitError(
      `the only WebGPU adapter is ${describeAdapter(first)} (${software}), slower than wasm, so it is passed ` +
        'over; KIT_BACKEND=webgpu uses it anyway',
    );
  }
  return { adapter: first, software };
}

/**
 * Why the webgpu backend cannot run here (the package missing, or Dawn finding no adapter, software ones
 * included), or undefined when it can: what the webgpu tests and `npm run verify` check before running.
 */
export async function webgpuProblem(): Promise<string | undefined> {
  try {
    require.resolve('webgpu');
    const probe = await probeWebGpu();
    if (probe.adapters.length > 0) return undefined;
    return `Dawn found no adapter (${Object.entries(probe.failures).map(([route, why]) => `${route}: ${why}`).join('; ')})`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** What KIT_REQUIRE_WEBGPU=1 (CI, bench/gpu-check.sh) says where the webgpu backend cannot run. */
export function requiredWebGpuMessage(problem: string): string {
  return (
    `KIT_REQUIRE_WEBGPU=1 but the webgpu backend cannot run here: ${problem}. On Debian without a GPU, Mesa's ` +
    'software adapter needs libegl-dev, libegl-mesa0 and libgl1-mesa-dri (.ci/run installs them); a GPU needs its driver.'
  );
}

/** True when Dawn offers a hardware adapter here (the webgpu package installed, a GPU and its driver present). */
export async function hasHardwareWebGpu(): Promise<boolean> {
  try {
    require.resolve('webgpu');
    return (await probeWebGpu()).adapters.some((a) => softwareAdapterReason(a) === undefined);
  } catch {
    return false;
  }
}
