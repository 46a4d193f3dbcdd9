/**
 * Runs (or collects) one exercise's tests with vitest, inside the sandbox the grader set up.
 * `node --import tsx runner.ts <spec.json>`, as the run's unprivileged user, like the test workers it
 * starts (one per test file). It holds no secret: results go to file descriptor 3 as they come, and
 * the grader checks each test's signature itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest, version } from 'vitest/node';
import { RESULTS_FD, type RawRecord, type RunSpec } from './protocol.ts';
import { killWorkers, oneLine, RecordReporter, titlePath } from './reporter.ts';
import { Watchdog } from './watchdog.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(specFile: string): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as RunSpec;
  const reporter = new RecordReporter(RESULTS_FD, spec.root);
  reporter.write({ type: 'start', vitest: version });
  const vitest = await createVitest(
    'test',
    {
      root: spec.root,
      config: false,
      watch: false,
      include: ['**/*.test.ts'],
      exclude: ['**/node_modules/**'],
      setupFiles: [path.join(here, 'sentinel.ts')],
      environment: 'node',
      pool: 'forks',
      maxWorkers: 1,
      isolate: true,
      fileParallelism: false,
      execArgv: spec.workerExecArgv,
      env: spec.workerEnv,
      testTimeout: spec.testTimeoutMs,
      hookTimeout: spec.testTimeoutMs,
      teardownTimeout: 10_000,
      sequence: { shuffle: false, seed: spec.seed },
      ...(spec.testNamePattern === undefined ? {} : { testNamePattern: new RegExp(spec.testNamePattern) }),
      retry: 0,
      bail: 0,
      allowOnly: false,
      passWithNoTests: true,
      reporters: spec.mode === 'run' ? [reporter] : [],
      silent: true,
      // A failed toEqual on two 20 000-element arrays otherwise spends ~30 s building a 40 000-line diff.
      diff: { truncateThreshold: 100 },
    },
    { cacheDir: spec.cacheDir, logLevel: 'silent' },
  );
  vitest.provide('dlkitSeed', spec.seed);
  try {
    if (spec.mode === 'collect') {
      const { testModules } = await vitest.collect(spec.files);
      for (const m of testModules) {
        const tests = [...m.children.allTests()].filter((t) => t.options.mode === 'run').map(titlePath);
        const record: RawRecord = {
          type: 'collected',
          file: path.relative(spec.root, m.moduleId).split(path.sep).join('/'),
          tests,
          errors: m.errors().map(oneLine),
        };
        reporter.write(record);
      }
    } else {
      const watchdog = new Watchdog({
        file: spec.progressFile,
        limitMs: spec.testWatchdogMs,
        toRel: (f) => reporter.rel(f),
        write: (r) => { reporter.write(r); },
        onHang: killWorkers,
      });
      watchdog.start();
      try {
        await vitest.start(spec.files);
      } finally {
        watchdog.stop();
      }
    }
  } finally {
    await vitest.close();
  }
}

main(process.argv[2] ?? '').then(
  () => process.exit(0),
  (err: unknown) => {
    try {
      fs.writeSync(RESULTS_FD, `${JSON.stringify({ type: 'crash', message: oneLine(err as Error) })}\n`);
    } catch {
      // Nothing more to report with: the grader sees a runner without a "done" record.
    }
    console.error(err);
    process.exit(2);
  },
);
