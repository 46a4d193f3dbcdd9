import path from 'node:path';
import type { Reporter, TestModule, TestSpecification } from 'vitest/node';
import { REPO_ROOT } from '#kit/errors';

/**
 * One short line per finished test file, for commands that run the tests for their results (`npm run
 * progress` reads vitest's JSON report) and would otherwise be silent for the minutes a first run takes:
 * `  [3/18] exercises/02-mlp/mlp.test.ts  0/22 passed`.
 */
export default class FileProgressReporter implements Reporter {
  #total = 0;
  #done = 0;

  onTestRunStart(specifications: readonly TestSpecification[]): void {
    this.#total = specifications.length;
    this.#done = 0;
  }

  onTestModuleEnd(module: TestModule): void {
    this.#done++;
    let passed = 0;
    let all = 0;
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'skipped') continue;
      all++;
      if (state === 'passed') passed++;
    }
    const file = path.relative(REPO_ROOT, module.moduleId);
    process.stderr.write(`  [${String(this.#done)}/${String(this.#total)}] ${file}  ${String(passed)}/${String(all)} passed\n`);
  }
}
