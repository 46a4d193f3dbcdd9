/**
 * Which exercises of a target are untouched stubs: every stub file exactly as generated from solutions/
 * (and the same for the exercises it imports from, as 08 imports 02). vitest.config.ts runs their tests
 * in shared workers, because an untouched stub's tests all fail at once with NotImplemented (contract 3)
 * and what costs time is each test file's own worker loading tfjs: on two busy cores the first `npm test`
 * of a fresh kit took 80–90 s that way, 25–30 s with the workers shared. Any exercise with an edit, and
 * every exercise of `KIT_TARGET=solutions`, keeps a fresh worker per test file as before.
 *
 * What "as generated" means comes from the SHA-256 of each stub: computed from solutions/ in the
 * instructor's kit (cached, since generating needs the TypeScript compiler), read from
 * `exercises/pristine-stubs.json` in the student release, which has no solutions/ (`npm run release` writes it).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EXERCISE_ID } from '#kit/exercises';
import { filesBelow, posixRelative } from '#kit/files';

/** The release's list of stub hashes, `{ "exercises/01-he-init/he-init.ts": "<sha256>" }`. */
export const PRISTINE_FILE = 'exercises/pristine-stubs.json';

export type StubHashes = Record<string, string>;

const sha256 = (text: string | Buffer): string => crypto.createHash('sha256').update(text).digest('hex');

/** Hashes of the stubs `texts` (what kit/stubs generates), by their path under exercises/. */
export function hashStubs(stubs: readonly { exercise: string; text: string }[]): StubHashes {
  return Object.fromEntries(stubs.map((s) => [s.exercise, sha256(s.text)] as const).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The hashes of the untouched stubs of the kit at `root`, or undefined when it cannot know them (then
 * nothing counts as untouched). `generate` is kit/stubs's planStubs, passed in so that a caller that
 * finds a cached or shipped list never loads the TypeScript compiler.
 */
export async function pristineStubHashes(
  root: string,
  generate: () => Promise<readonly { exercise: string; text: string }[]>,
  cacheFile: string = path.join(root, 'node_modules', '.cache', 'dlkit', 'pristine-stubs.json'),
): Promise<StubHashes | undefined> {
  const solutions = path.join(root, 'solutions');
  if (!fs.existsSync(solutions)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, PRISTINE_FILE), 'utf8')) as StubHashes;
    } catch {
      return undefined;
    }
  }
  // The stubs follow from solutions/ alone: its files' contents are the cache key.
  const key = sha256(filesBelow(solutions).map((f) => `${posixRelative(root, f)}\0${sha256(fs.readFileSync(f))}`).join('\n'));
  try {
    const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { key?: string; hashes?: StubHashes };
    if (cached.key === key && cached.hashes !== undefined) return cached.hashes;
  } catch {
    // no cache yet
  }
  let hashes: StubHashes;
  try {
    hashes = hashStubs(await generate());
  } catch {
    // solutions/ that do not generate (verify says why): no shortcut, every test file in its own worker.
    return undefined;
  }
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(cacheFile, JSON.stringify({ key, hashes }));
  } catch {
    // a read-only node_modules: generate again next time
  }
  return hashes;
}

/** Exercises (`NN-name`) that `dir`'s .ts files import from (`from '../02-mlp/mlp.ts'`, `import('../02-mlp/mlp.ts')`). */
function importedExercises(dir: string): string[] {
  const found = new Set<string>();
  for (const file of filesBelow(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\(\s*)['"]\.\.\/(\d\d-[a-z0-9-]+)\//g)) found.add(m[1]!);
  }
  return [...found];
}

/**
 * The exercises whose stub files in `target` (a folder laid out like exercises/) all hash as in
 * `pristine`, as do those of every exercise they import from. Test files are not compared: they are
 * the kit's, in exercises/, whatever the target.
 */
export function untouchedExercises(target: string, exercisesDir: string, pristine: StubHashes): string[] {
  const byExercise = new Map<string, string[]>();
  for (const rel of Object.keys(pristine)) {
    const id = rel.split('/')[1];
    if (id !== undefined && EXERCISE_ID.test(id)) byExercise.set(id, [...(byExercise.get(id) ?? []), rel]);
  }
  const own = new Set<string>();
  for (const [id, files] of byExercise) {
    const same = files.every((rel) => {
      const file = path.join(target, rel.replace(/^exercises\//, ''));
      return fs.existsSync(file) && sha256(fs.readFileSync(file)) === pristine[rel];
    });
    if (same) own.add(id);
  }
  return [...own].filter((id) => importedExercises(path.join(exercisesDir, id)).every((dep) => dep === id || own.has(dep))).sort();
}
