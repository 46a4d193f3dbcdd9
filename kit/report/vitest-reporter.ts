import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { SerializedError, UserConsoleLog } from 'vitest';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { targetDir, targetHint, targetLabel } from '#kit/target';
import { paint } from './index.ts';

/** The shape vitest gives a test's errors after crossing from the worker. */
interface TestErrorLike {
  name?: string;
  message?: string;
  stack?: string;
  diff?: string;
}

const isStubError = (e: TestErrorLike): boolean => e.name === 'NotImplemented';
/** The kit's paragraph errors (#kit/errors, #kit/data) by name, as they arrive from the workers. */
const isKitErrorName = (name: string | undefined): boolean => /^(KitError|ChecksumError|DownloadError|GzipError)$/.test(name ?? '');
/** Lines the workers print once each but that we want once per run (the backend notice). */
const ONCE_PER_RUN = /^tfjs backend:/;

function firstRepoFrame(stack: string | undefined): string | undefined {
  for (const line of (stack ?? '').split('\n')) {
    const m = /((?:\/[^\s():]+)+\.ts):(\d+):(\d+)/.exec(line);
    if (m?.[1] && !m[1].includes('/node_modules/') && m[1].startsWith(REPO_ROOT)) {
      return `${path.relative(REPO_ROOT, m[1])}:${m[2] ?? ''}`;
    }
  }
  return undefined;
}

function testTitle(test: TestCase): string {
  const parts: string[] = [];
  let parent = test.parent;
  while (parent.type === 'suite') {
    parts.unshift(parent.name);
    parent = parent.parent;
  }
  return [...parts, test.name].join(' › ');
}

/** `npm test -- 99`: no test file matched what was typed after `--`. */
export function noMatchMessage(filters: readonly string[], ids: readonly string[]): string {
  const typed = filters.map((f) => `"${f}"`).join(', ');
  return (
    `No exercise matches ${typed}: \`npm test -- <x>\` runs the test files whose path contains x. ` +
    `The exercises are ${ids.join(', ')}; e.g. \`npm test -- 01\`, \`npm test -- mlp\`, or \`npm test\` for all of them.`
  );
}

/**
 * What `npm test` prints: one line per test file, the failures that need reading in full, and
 * the stubs still to implement as a deduplicated to-do list (one line per function, no stack traces).
 */
export default class KitReporter implements Reporter {
  readonly #todo = new Set<string>();
  readonly #seenOnce = new Set<string>();
  readonly #paragraphs = new Set<string>();
  #passed = 0;
  #failed = 0;
  #skipped = 0;
  #start = Date.now();
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  /** What followed `npm test --` (an internal field of vitest's, set once the run starts). */
  #filters(): string[] {
    const internal = (this.#vitest as unknown as { filenamePattern?: unknown } | undefined)?.filenamePattern;
    return Array.isArray(internal) ? internal.map(String) : [];
  }

  onTestRunStart(): void {
    this.#start = Date.now();
    this.#todo.clear();
    this.#seenOnce.clear();
    this.#paragraphs.clear();
    this.#passed = this.#failed = this.#skipped = 0;
    const target = targetLabel(targetDir());
    console.log(paint('bold', `dlkit: testing ${target}/`) + paint('dim', `  (${targetHint()})`));
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    const text = log.content.replace(/\n$/, '');
    if (ONCE_PER_RUN.test(text)) {
      if (this.#seenOnce.has(text)) return;
      this.#seenOnce.add(text);
    }
    (log.type === 'stderr' ? process.stderr : process.stdout).write(`${text}\n`);
  }

  onTestModuleEnd(module: TestModule): void {
    const file = path.relative(REPO_ROOT, module.moduleId);
    const failures: string[] = [];
    const skipNotes: string[] = [];
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state === 'passed') passed++;
      else if (result.state === 'skipped') {
        skipped++;
        // A test that skips itself says why (ctx.skip(note)): e.g. a dataset that is not installed.
        if (result.note) skipNotes.push(`  ${paint('yellow', '↷')} ${testTitle(test)}\n      skipped: ${result.note}`);
      }
      else if (result.state === 'failed') {
        failed++;
        const errors = (result.errors ?? []) as readonly TestErrorLike[];
        const stubs = errors.filter(isStubError);
        for (const e of stubs) this.#todo.add(e.message ?? '');
        if (stubs.length === errors.length && errors.length > 0) continue;
        failures.push(this.#describeFailure(test, errors.filter((e) => !isStubError(e))));
      }
    }
    for (const e of module.errors() as readonly TestErrorLike[]) {
      if (isStubError(e)) this.#todo.add(e.message ?? '');
      else failures.push(`  ${paint('red', '✗')} ${paint('bold', 'could not run the file')}\n${this.#errorBody(e)}`);
      failed++;
    }
    this.#passed += passed;
    this.#failed += failed;
    this.#skipped += skipped;
    const total = passed + failed;
    const mark = failed === 0 ? paint('green', '✓') : paint('red', '✗');
    const skip = skipped > 0 ? paint('yellow', `, ${skipped} skipped`) : '';
    console.log(`${mark} ${file}  ${passed}/${total} passed${skip}`);
    for (const f of failures) console.log(f);
    for (const n of skipNotes) console.log(n);
  }

  onTestRunEnd(
    modules: readonly TestModule[],
    unhandledErrors: readonly SerializedError[],
  ): void {
    for (const e of unhandledErrors as readonly TestErrorLike[]) {
      console.log(`${paint('red', '✗')} ${paint('bold', 'error outside any test')}\n${this.#errorBody(e)}`);
    }
    if (this.#todo.size > 0) {
      console.log(paint('bold', `\nTo do: ${this.#todo.size} function(s) still throw NotImplemented:`));
      for (const line of [...this.#todo].sort()) console.log(`  ${line}`);
    }
    const filters = this.#filters();
    const inExercises = path.resolve(REPO_ROOT, this.#vitest?.config.dir ?? '') === path.join(REPO_ROOT, 'exercises');
    if (modules.length === 0 && filters.length > 0 && inExercises) console.log(`\n${noMatchMessage(filters, exerciseIds(REPO_ROOT))}`);
    const secs = ((Date.now() - this.#start) / 1000).toFixed(1);
    const skipped = this.#skipped > 0 ? `, ${this.#skipped} skipped` : '';
    const summary = `${this.#passed} passed, ${this.#failed} failed${skipped} (${modules.length} files, ${secs} s)`;
    console.log(`\n${this.#failed === 0 && unhandledErrors.length === 0 ? paint('green', summary) : paint('red', summary)}`);
  }

  #describeFailure(test: TestCase, errors: readonly TestErrorLike[]): string {
    return `  ${paint('red', '✗')} ${paint('bold', testTitle(test))}\n${errors.map((e) => this.#errorBody(e)).join('\n')}`;
  }

  #errorBody(e: TestErrorLike): string {
    // A paragraph-long kit error (a missing or corrupt dataset) fails every test that loads the data:
    // the paragraph once per run, then a pointer to it.
    if (isKitErrorName(e.name) && (e.message ?? '').length > 160) {
      const key = `${e.name ?? ''}: ${e.message ?? ''}`;
      if (this.#paragraphs.has(key)) return paint('dim', `      ${e.name ?? 'Error'}: the same as above (${(e.message ?? '').slice(0, 60)}…)`);
      this.#paragraphs.add(key);
    }
    const head = `${e.name ?? 'Error'}: ${e.message ?? ''}`.split('\n').map((l) => `      ${l}`).join('\n');
    const rawDiff = e.diff && process.stdout.isTTY ? e.diff : stripVTControlCharacters(e.diff ?? '');
    const diff = rawDiff ? `\n${rawDiff.split('\n').map((l) => `      ${l}`).join('\n')}` : '';
    const where = firstRepoFrame(e.stack);
    return `${head}${diff}${where ? paint('dim', `\n      at ${where}`) : ''}`;
  }
}
