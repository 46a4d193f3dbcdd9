import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { KitError } from './kit/errors/index.ts';
import { EXERCISES_DIR, homeOf, retarget, SOLUTIONS_DIR, targetDir } from './kit/target/index.ts';
import { pristineStubHashes, untouchedExercises } from './kit/target/pristine.ts';
import KitReporter from './kit/report/vitest-reporter.ts';
import { shareWebGpuProbe } from './kit/tf/webgpu-probe.ts';

/** The target, or a bad KIT_TARGET's paragraph alone: vitest would print it as a startup error with a stack. */
function chosenTarget(): string {
  try {
    return targetDir();
  } catch (err) {
    if (!(err instanceof KitError)) throw err;
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
}

const target = chosenTarget();

const INCLUDE = ['**/*.test.ts'];
// .stryker-tmp: StrykerJS's sandboxes (npm run mutate) hold a copy of every test.
const EXCLUDE = ['**/node_modules/**', 'out/**', 'solutions/**', '**/fixtures/**', '.stryker-tmp/**'];

/** `--dir <folder>` from the command line (`npm test` gives exercises): projects do not inherit it, so each is given it. */
function cliDir(): string | undefined {
  const i = process.argv.findIndex((a) => a === '--dir' || a.startsWith('--dir='));
  if (i < 0) return undefined;
  const arg = process.argv[i]!;
  return arg === '--dir' ? process.argv[i + 1] : arg.slice('--dir='.length);
}
const dir = cliDir();
/** The folder vitest scans for test files (`--dir`, else the repository). */
const scanned = path.resolve(path.dirname(EXERCISES_DIR), dir ?? '.');

/**
 * The exercises whose tests can share workers: untouched stubs (kit/target/pristine.ts), in a single
 * `vitest run` (watch mode re-runs files as they are edited, so it keeps one worker per file throughout).
 * Never for the reference solutions, whose results must be exactly those of isolated files.
 */
async function untouched(): Promise<string[]> {
  if (target === SOLUTIONS_DIR || !process.argv.some((a) => a === 'run' || a === 'list')) return [];
  // A run of another folder (`--dir kit`, a test's temporary folder) holds no exercise tests to share.
  if (path.relative(scanned, EXERCISES_DIR).startsWith('..')) return [];
  const root = path.dirname(EXERCISES_DIR);
  const pristine = await pristineStubHashes(root, async () => (await import('./kit/stubs/index.ts')).planStubs(root));
  return pristine === undefined ? [] : untouchedExercises(target, EXERCISES_DIR, pristine);
}

const shared = await untouched();
// Dawn is asked for a WebGPU adapter once, here; every test worker inherits the answer (kit/tf/webgpu-probe.ts).
await shareWebGpuProbe();

/** A glob for exercise `id`'s files: a project's patterns are relative to its `dir`. */
const under = (id: string, rest: string): string => path.posix.join(path.relative(scanned, EXERCISES_DIR).split(path.sep).join('/'), id, rest);

/** Redirects the tests' imports of exercise files to the chosen target (ARCHITECTURE.md contract 2). */
function targetPlugin(): Plugin {
  return {
    name: 'dlkit-target',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (importer === undefined || source.startsWith('\0')) return null;
      // A submission outside the repo still imports #kit/... and npm packages as if it sat in exercises/.
      const bare = !source.startsWith('.') && !path.isAbsolute(source);
      const from = bare ? homeOf(importer, target) : importer;
      const resolved = await this.resolve(source, from, { ...options, skipSelf: true });
      if (resolved === null || resolved.external === true) return resolved;
      const moved = retarget(resolved.id, target);
      return moved === resolved.id ? resolved : { ...resolved, id: moved };
    },
  };
}

export default defineConfig({
  plugins: [targetPlugin()],
  test: {
    // With projects (below) each has its own: `extends` would concatenate these with theirs.
    ...(shared.length === 0 ? { include: INCLUDE, exclude: EXCLUDE } : {}),
    environment: 'node',
    reporters: [new KitReporter()],
    // Training tests are slow by nature; budgets are in the tests, not in wall time.
    testTimeout: 600_000,
    // A failed toEqual on two large arrays otherwise takes ~30 s and prints a 40 000-line diff.
    diff: { truncateThreshold: 100 },
    hookTimeout: 600_000,
    // npm run mutate only: skips the tests named by DLKIT_SKIP_TESTS (bench/skip-slow-tests.ts says why).
    ...(process.env['DLKIT_SKIP_TESTS'] ? { setupFiles: [path.join(path.dirname(EXERCISES_DIR), 'bench', 'skip-slow-tests.ts')] } : {}),
    // Two cores: one file per core. Forks isolate tfjs engines and wasm heaps.
    pool: 'forks',
    maxWorkers: 2,
    // Untouched stubs fail at once; their files share workers so that each does not pay tfjs's start-up.
    ...(shared.length === 0
      ? {}
      : {
          projects: [
            { extends: true, test: { name: 'isolated', ...(dir === undefined ? {} : { dir }), include: INCLUDE, exclude: [...EXCLUDE, ...shared.map((id) => under(id, '**'))] } },
            {
              extends: true,
              test: { name: 'untouched stubs', ...(dir === undefined ? {} : { dir }), include: shared.map((id) => under(id, '**/*.test.ts')), isolate: false },
            },
          ],
        }),
  },
});
