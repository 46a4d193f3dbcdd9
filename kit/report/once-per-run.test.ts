import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UserConsoleLog } from 'vitest';
import type { TestModule } from 'vitest/node';
import KitReporter from './vitest-reporter.ts';

const BACKEND = 'tfjs backend: wasm (SIMD, 1 thread). Faster: `npm install @tensorflow/tfjs-node` (needs to download libtensorflow).';

function log(content: string, taskId: string): UserConsoleLog {
  return { content: `${content}\n`, type: 'stderr', taskId, time: Date.now(), size: 1 };
}

describe('KitReporter: lines every test-file worker prints', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the backend line once per run, however many test files announce it, and other lines each time', () => {
    const reporter = new KitReporter();
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    reporter.onTestRunStart();
    for (const file of ['a', 'b', 'c', 'd']) {
      reporter.onUserConsoleLog(log(BACKEND, file));
      reporter.onUserConsoleLog(log(`warning from ${file}`, file));
    }
    const printed = err.mock.calls.map((c) => String(c[0]));
    expect(printed.filter((l) => l.startsWith('tfjs backend:'))).toEqual([`${BACKEND}\n`]);
    expect(printed.filter((l) => l.startsWith('warning from'))).toHaveLength(4);
    // A new run (watch mode) says it again, once.
    reporter.onTestRunStart();
    reporter.onUserConsoleLog(log(BACKEND, 'a'));
    reporter.onUserConsoleLog(log(BACKEND, 'b'));
    expect(err.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('tfjs backend:'))).toHaveLength(2);
  });
});

describe('KitReporter: a dataset paragraph that fails many tests', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const paragraph =
    'Checksum mismatch for /kit/data/fashion-mnist/train-images-idx3-ubyte.gz: expected SHA-256 aaaa but found bbbb. ' +
    'The file is damaged or is not the official train-images-idx3-ubyte.gz. To fix it: `git checkout -- data/fashion-mnist/`.';

  function failing(file: string, names: string[]): TestModule {
    const tests = names.map((name) => ({
      name,
      parent: { type: 'module' },
      result: () => ({ state: 'failed', errors: [{ name: 'ChecksumError', message: paragraph, stack: '' }] }),
    }));
    return { moduleId: `/x/${file}`, children: { allTests: () => tests }, errors: () => [] } as unknown as TestModule;
  }

  it('prints the paragraph once per run, then points back to it', () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
    const reporter = new KitReporter();
    reporter.onTestRunStart();
    reporter.onTestModuleEnd(failing('a.test.ts', ['one', 'two']));
    reporter.onTestModuleEnd(failing('b.test.ts', ['three', 'four']));
    const text = out.join('\n');
    expect(text.split('To fix it').length - 1).toBe(1);
    expect(text.match(/ChecksumError: the same as above/g)).toHaveLength(3);
  });
});
