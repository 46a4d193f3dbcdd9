import { register } from 'node:module';
import { targetDir } from './index.ts';

const REGISTERED = Symbol.for('dlkit.target.hooksRegistered');

/**
 * Makes this process load exercise files from the target the way the tests do (./hooks.ts): call it
 * before importing any exercise file. Reads KIT_TARGET now (a KitError if it names no folder) and
 * returns the target folder. What the `keep` files (URLs) import themselves is never moved: the runner
 * imports the entry script that way. Calling it again changes nothing.
 */
export function registerTargetHooks(env: NodeJS.ProcessEnv = process.env, keep: readonly string[] = []): string {
  const target = targetDir(env);
  const flags = globalThis as { [REGISTERED]?: string };
  if (flags[REGISTERED] !== undefined) return flags[REGISTERED];
  register('./hooks.ts', { parentURL: import.meta.url, data: { target, keep } });
  flags[REGISTERED] = target;
  return target;
}
