import { KitError } from '#kit/errors';
import { BACKEND_NAMES, type BackendName } from './backend-name.ts';
import { describeLoadError } from './load-error.ts';

/** What a loader reports once its backend is active. */
export interface LoadedBackend {
  /** The tfjs backend name now active: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** One line on how it runs, e.g. "SIMD, 1 thread". */
  note: string;
  /**
   * Set when the backend loaded but cannot do what its name promises (tfjs-node-gpu without a usable
   * GPU runs on the CPU). Accepted when auto-selecting, refused when the user forced that backend.
   */
  degraded?: string;
}

/**
 * Activates one backend or throws the error that kept it from loading. `forced` is true when KIT_BACKEND
 * named it: the webgpu loader then accepts a software adapter, which auto-selection passes over.
 */
export type BackendLoader = (forced: boolean) => Promise<LoadedBackend>;

export type BackendLoaders = Readonly<Record<BackendName, BackendLoader>>;

/** A backend tried before the one that runs, and why it was passed over. */
export interface SkippedBackend {
  name: BackendName;
  reason: string;
}

export interface BackendInfo extends LoadedBackend {
  name: BackendName;
  /** True when KIT_BACKEND chose the backend. */
  forced: boolean;
  /** Faster backends tried first, in order. */
  skipped: readonly SkippedBackend[];
}

/**
 * ARCHITECTURE.md contract 4: the forced backend or nothing; otherwise the first of node-gpu, webgpu (on a
 * hardware adapter only), node, wasm, cpu that loads. The loaders are parameters so the fallback logic can be tested against the errors the
 * native packages really throw, on a machine where they are not installed.
 */
export async function chooseBackend(loaders: BackendLoaders, forced?: BackendName): Promise<BackendInfo> {
  if (forced !== undefined) {
    let loaded: LoadedBackend;
    try {
      loaded = await loaders[forced](true);
    } catch (err) {
      throw new KitError(
        `KIT_BACKEND=${forced} was asked for, but ${reasonFor(forced, err)}. Fix that, or unset KIT_BACKEND ` +
          `to let the kit use the fastest backend that loads.`,
        { cause: err },
      );
    }
    if (loaded.degraded !== undefined) {
      throw new KitError(
        `KIT_BACKEND=${forced} was asked for, but ${loaded.degraded}. Fix that, or set KIT_BACKEND=node ` +
          `to run on the CPU build on purpose.`,
      );
    }
    return { ...loaded, name: forced, forced: true, skipped: [] };
  }

  const skipped: SkippedBackend[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const loaded = await loaders[name](false);
      return { ...loaded, name, forced: false, skipped };
    } catch (err) {
      skipped.push({ name, reason: reasonFor(name, err) });
    }
  }
  throw new KitError(
    `No tfjs backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}. ` +
      `The pure-JS cpu backend ships with @tensorflow/tfjs, so this points at a broken install: run \`npm ci\`.`,
  );
}

function reasonFor(name: BackendName, err: unknown): string {
  // Loaders that already explain themselves (KitError) are passed through unchanged.
  if (err instanceof KitError) return err.message;
  return describeLoadError(PACKAGES[name], err);
}

/** The npm package behind each backend, as named in error messages. */
export const PACKAGES: Readonly<Record<BackendName, string>> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  webgpu: 'webgpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};
