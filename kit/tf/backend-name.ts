import { KitError } from '#kit/errors';

/**
 * The backends the kit can run on, fastest first: the order auto-selection tries them in. `webgpu` is
 * tried only on a hardware adapter (a software one is slower than wasm); it comes after `node-gpu`,
 * which a lab sets up on purpose, and before `node`, libtensorflow on the CPU (README, Backends).
 */
export const BACKEND_NAMES = ['node-gpu', 'webgpu', 'node', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/**
 * Reads the value of `KIT_BACKEND`: `undefined` (unset or empty) lets the kit choose; anything that
 * is not a backend name is refused rather than ignored, because a typo would otherwise silently
 * benchmark or grade on a different backend than the one asked for.
 */
export function parseBackendEnv(value: string | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (isBackendName(trimmed)) return trimmed;
  throw new KitError(
    `KIT_BACKEND=${JSON.stringify(value)} is not a backend the kit knows. Valid values are ` +
      `${BACKEND_NAMES.join(', ')}; unset KIT_BACKEND to let the kit pick the fastest one that loads.`,
  );
}
