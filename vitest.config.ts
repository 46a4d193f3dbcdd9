import path from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';
import { homeOf, retarget, targetDir } from './kit/target/index.ts';
import KitReporter from './kit/report/vitest-reporter.ts';

const target = targetDir();

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
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'out/**', 'solutions/**', '**/fixtures/**'],
    environment: 'node',
    reporters: [new KitReporter()],
    // Training tests are slow by nature; budgets are in the tests, not in wall time.
    testTimeout: 600_000,
    // A failed toEqual on two large arrays otherwise takes ~30 s and prints a 40 000-line diff.
    diff: { truncateThreshold: 100 },
    hookTimeout: 600_000,
    // Two cores: one file per core. Forks isolate tfjs engines and wasm heaps.
    pool: 'forks',
    maxWorkers: 2,
  },
});
