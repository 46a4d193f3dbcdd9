import { KitError } from '#kit/errors';
import { announceBackend } from './announce.ts';
import { parseBackendEnv, type BackendName } from './backend-name.ts';
import { installCpuResizeFix } from './cpu-resize.ts';
import { registerFileRouter } from './file-io.ts';
import { realLoaders } from './loaders.ts';
import { chooseBackend, type BackendInfo, type BackendLoaders } from './select.ts';

let selected: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

/**
 * Loads and activates a backend: `forced` or nothing, else the fastest that loads (ARCHITECTURE.md contract 4),
 * then brings what tfjs-node would have brought (`file://` save/load) and, on wasm, the
 * transposed-matmul fix, the convolution gradients and the max-pool gradient fix. Prints nothing;
 * `ready()` is what most code wants.
 */
export async function selectBackend(forced?: BackendName, loaders: BackendLoaders = realLoaders): Promise<BackendInfo> {
  // Before any loader, whichever backend wins: cpu is the last fallback, and tests on other backends
  // switch to it as their reference (tf.setBackend('cpu'), which runs no loader).
  installCpuResizeFix();
  const info = await chooseBackend(loaders, forced);
  registerFileRouter();
  selected = info;
  return info;
}

/**
 * Call (and await) before using `tf`: picks the backend from `KIT_BACKEND` or by trying the fastest first,
 * and says once on stderr which one runs. Later calls return the same answer (or the same error).
 */
export function ready(): Promise<BackendInfo> {
  pending ??= (async () => {
    const info = await selectBackend(parseBackendEnv(process.env.KIT_BACKEND));
    announceBackend(info);
    return info;
  })();
  return pending;
}

/** The backend chosen by the last `ready()` / `selectBackend()`; throws before that. */
export function backendInfo(): BackendInfo {
  if (selected === undefined) {
    throw new KitError(
      'No tfjs backend has been selected yet, so there is no backend information to read. ' +
        "Call `await ready()` from '#kit/tf' first (e.g. in a beforeAll hook or at the top of a script).",
    );
  }
  return selected;
}
