/**
 * Node module hooks behind `scripts/run.ts`: the same redirect the vitest plugin makes for the tests
 * (vitest.config.ts), for commands that run exercise code. A file under exercises/ that is imported is
 * loaded from the target instead (KIT_TARGET: exercises/, `solutions`, or a submission folder), and the
 * bare imports of a target file (#kit/..., npm packages) resolve as if it sat in exercises/.
 * Registered by `registerTargetHooks()` (./register.ts); the entry script (imported by a `keep` file,
 * scripts/run.ts) is never moved, what it imports is.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { homeOf, retarget } from './index.ts';

interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

let target: string | undefined;
/** Files whose own imports are never moved: the runner that imports the entry script. */
let keep = new Set<string>();

export function initialize(data: { target: string; keep?: readonly string[] }): void {
  target = data.target;
  keep = new Set(data.keep ?? []);
}

const isBare = (specifier: string): boolean =>
  !specifier.startsWith('.') && !path.isAbsolute(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  const parentURL = context.parentURL;
  if (target === undefined || parentURL === undefined || !parentURL.startsWith('file:') || keep.has(parentURL)) {
    return next(specifier, context);
  }
  const parent = fileURLToPath(parentURL);
  const from = isBare(specifier) ? pathToFileURL(homeOf(parent, target)).href : parentURL;
  const resolved = await next(specifier, { ...context, parentURL: from });
  if (!resolved.url.startsWith('file:')) return resolved;
  const file = fileURLToPath(resolved.url);
  const moved = retarget(file, target);
  return moved === file ? resolved : { ...resolved, url: pathToFileURL(moved).href };
}
