import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestModule, TestSpecification } from 'vitest/node';
import { REPO_ROOT } from '#kit/errors';
import FileProgressReporter from './progress-reporter.ts';

function fakeModule(file: string, states: string[]): TestModule {
  return {
    moduleId: path.join(REPO_ROOT, file),
    children: { allTests: () => states.map((state) => ({ result: () => ({ state }) })) },
  } as unknown as TestModule;
}

describe('FileProgressReporter (npm run progress while the tests run)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints a line per finished test file with its count, as each finishes', () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const reporter = new FileProgressReporter();
    reporter.onTestRunStart([{}, {}] as unknown as TestSpecification[]);
    reporter.onTestModuleEnd(fakeModule('exercises/02-mlp/mlp.test.ts', ['failed', 'passed', 'skipped']));
    expect(err.mock.calls.map((c) => String(c[0]))).toEqual(['  [1/2] exercises/02-mlp/mlp.test.ts  1/2 passed\n']);
    reporter.onTestModuleEnd(fakeModule('exercises/01-he-init/he-init.test.ts', ['passed']));
    expect(String(err.mock.calls[1]?.[0])).toBe('  [2/2] exercises/01-he-init/he-init.test.ts  1/1 passed\n');
  });
});
