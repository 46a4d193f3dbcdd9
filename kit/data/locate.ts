import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';

/** Where Debian's dataset-* packages install (`dpkg -c dataset-fashion-mnist_*.deb` shows /usr/share/datasets/fashion-mnist/). */
export const SYSTEM_DATASETS_DIR = '/usr/share/datasets';

/** A folder to look in, with how a person would name it in an error message. */
export interface SearchRoot {
  dir: string;
  label: string;
}

export interface LocateOptions {
  /** Look only here (the loaders' `options.dir`). */
  dir?: string;
  /** Replace the whole search path (tests). */
  roots?: SearchRoot[];
  /** Environment to read KIT_DATA_DIR from; `process.env` by default. */
  env?: Record<string, string | undefined>;
}

/**
 * The search path of ARCHITECTURE.md contract 5, in order: `$KIT_DATA_DIR/<name>/`, `$KIT_DATA_DIR/`,
 * `data/<name>/` in the repository, `/usr/share/datasets/<name>/` (Debian's packages).
 */
export function searchRoots(name: string, options: LocateOptions = {}): SearchRoot[] {
  if (options.roots !== undefined) return options.roots;
  if (options.dir !== undefined) return [{ dir: path.resolve(options.dir), label: 'options.dir' }];
  const roots: SearchRoot[] = [];
  const env = options.env ?? process.env;
  const kitDataDir = env.KIT_DATA_DIR;
  if (kitDataDir !== undefined && kitDataDir !== '') {
    const base = path.resolve(kitDataDir);
    roots.push({ dir: path.join(base, name), label: '$KIT_DATA_DIR/' + name });
    roots.push({ dir: base, label: '$KIT_DATA_DIR' });
  }
  roots.push({ dir: path.join(REPO_ROOT, 'data', name), label: 'the repository' });
  roots.push({ dir: path.join(SYSTEM_DATASETS_DIR, name), label: "Debian's dataset packages" });
  return roots;
}

/** Where `npm run data` puts a dataset: `$KIT_DATA_DIR/<name>/` if set, else `data/<name>/` in the repository. */
export function defaultDestination(name: string, env: Record<string, string | undefined> = process.env): string {
  const kit = env.KIT_DATA_DIR;
  return kit !== undefined && kit !== '' ? path.resolve(kit, name) : path.join(REPO_ROOT, 'data', name);
}

/** Names under which a file may be stored: `x.gz` may also sit there gunzipped, as `x`. */
export function storedNames(fileName: string): string[] {
  return fileName.endsWith('.gz') ? [fileName, fileName.slice(0, -3)] : [fileName];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The first stored copy of `fileName` along the search path, or undefined. */
export function findFile(name: string, fileName: string, options: LocateOptions = {}): string | undefined {
  for (const root of searchRoots(name, options)) {
    for (const candidate of storedNames(fileName)) {
      const p = path.join(root.dir, candidate);
      if (isFile(p)) return p;
    }
  }
  return undefined;
}

function describeRoots(roots: SearchRoot[], env: Record<string, string | undefined>, hasCustomRoots: boolean): string {
  const listed = roots.map((r) => `${r.dir} (${r.label})`);
  // Saying KIT_DATA_DIR was not set tells the reader the override exists without a trip to the docs.
  const kit = env.KIT_DATA_DIR;
  if (!hasCustomRoots && (kit === undefined || kit === '')) listed.unshift('$KIT_DATA_DIR (not set)');
  return listed.join(', ');
}

/** The error for files that are nowhere on the search path. */
export function missingError(name: string, fileNames: string[], options: LocateOptions = {}, debianPackage?: string): KitError {
  const roots = searchRoots(name, options);
  const env = options.env ?? process.env;
  const names = fileNames.map((f) => storedNames(f).join(' or ')).join('; ');
  const apt = debianPackage === undefined ? '' : `, or on Debian/Ubuntu \`apt-get install ${debianPackage}\``;
  const dir = options.dir === undefined ? undefined : path.resolve(options.dir);
  const command = dir === undefined ? `npm run data -- ${name}` : `npm run data -- ${name} --dir ${dir}`;
  const dest = dir ?? defaultDestination(name, env);
  const shown = dest.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, dest) + '/' : dest;
  return new KitError(
    `Dataset "${name}" not found: no ${names} in any of the places searched, in order: ` +
      `${describeRoots(roots, env, options.roots !== undefined || dir !== undefined)}. ` +
      `Run \`${command}\` to download it into ${shown} with checksum verification` +
      `${apt}; or put the files in a folder and point KIT_DATA_DIR at it.`,
  );
}

/** Path of `fileName` (or its gunzipped twin) along the search path; a KitError if it is nowhere. */
export function locateFile(name: string, fileName: string, options: LocateOptions = {}, debianPackage?: string): string {
  const found = findFile(name, fileName, options);
  if (found === undefined) throw missingError(name, [fileName], options, debianPackage);
  return found;
}

/** What to do about a bad copy of a dataset file, phrased for where it was found. */
export function fixFor(name: string, file: string, debianPackage?: string): string {
  if (debianPackage !== undefined && file.startsWith(SYSTEM_DATASETS_DIR + path.sep)) {
    return (
      `To fix it: \`apt-get install --reinstall ${debianPackage}\`, or run \`npm run data -- ${name}\` ` +
      `to download a good copy into data/${name}/, which is searched first.`
    );
  }
  const apt = debianPackage === undefined ? '' : ` (offline, \`apt-get install ${debianPackage}\` provides one too)`;
  const rel = path.relative(REPO_ROOT, file).split(path.sep).join('/');
  if (rel.startsWith('data/') && isTrackedByGit(rel)) {
    // The kit ships this file in git: restoring it needs no network.
    return `To fix it: \`git checkout -- ${path.posix.dirname(rel)}/\` restores the copy that ships with the kit (offline); or delete ${file} and run \`npm run data -- ${name}\` to download a verified copy.`;
  }
  return `To fix it: delete ${file} and run \`npm run data -- ${name}\` to download a verified copy${apt}.`;
}

const tracked = new Map<string, boolean>();

/** Whether git tracks `rel` (a path relative to the repository); false without git or a repository. */
export function isTrackedByGit(rel: string, root: string = REPO_ROOT): boolean {
  const key = `${root}\0${rel}`;
  let known = tracked.get(key);
  if (known === undefined) {
    known = existsSync(path.join(root, '.git')) &&
      spawnSync('git', ['ls-files', '--error-unmatch', '--', rel], { cwd: root, stdio: 'ignore', timeout: 5000 }).status === 0;
    tracked.set(key, known);
  }
  return known;
}
