/**
 * `npm run verify`: the kit's own full check, what CI runs. Stubs match solutions, types, lint,
 * every test on the reference solutions, and every exercise test failing on the untouched stubs
 * (DESIGN.md contracts 1–3). Ends with the plain line `N passed, N failed` that CI reads.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { paint } from '#kit/report';
import { readVitestJson, type TestOutcome } from './vitest-json.ts';

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  detail?: string;
}

const OUT = path.join(REPO_ROOT, 'out', 'verify');
const bin = (name: string): string => path.join(REPO_ROOT, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, quiet = false): { ok: boolean; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
  });
  return { ok: r.status === 0, seconds: (Date.now() - t0) / 1000 };
}

function header(title: string): void {
  console.log(`\n${paint('bold', `── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`)}`);
}

function check(name: string, cmd: string, args: string[]): StepResult {
  header(name);
  const { ok, seconds } = run(cmd, args);
  return { name, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds };
}

function vitest(name: string, target: string, args: string[], json: string, quiet: boolean): { outcomes: TestOutcome[]; seconds: number; ok: boolean } {
  header(name);
  fs.rmSync(json, { force: true });
  const reporters = quiet ? [] : ['--reporter=./kit/report/vitest-reporter.ts'];
  const r = run(bin('vitest'), ['run', ...args, ...reporters, '--reporter=json', `--outputFile.json=${json}`], { KIT_TARGET: target }, quiet);
  return { outcomes: readVitestJson(json), seconds: r.seconds, ok: r.ok };
}

function onSolutions(): StepResult {
  const { outcomes, seconds, ok } = vitest('all tests on the reference solutions (KIT_TARGET=solutions)', 'solutions', [], path.join(OUT, 'solutions.json'), false);
  const count = (s: TestOutcome['status']): number => outcomes.filter((o) => o.status === s).length;
  // A crash that left no JSON behind still has to show up as a failure.
  const failed = count('failed') + (ok || outcomes.length > 0 ? 0 : 1);
  return { name: 'tests pass on solutions', passed: count('passed'), failed, skipped: count('skipped'), seconds };
}

function onStubs(): StepResult {
  const { outcomes, seconds } = vitest('exercise tests on the untouched stubs (each must fail)', 'exercises', ['--dir', 'exercises'], path.join(OUT, 'stubs.json'), true);
  const passedOnStub = outcomes.filter((o) => o.status === 'passed');
  const notStubReason = outcomes.filter((o) => o.status === 'failed' && !o.messages.some((m) => m.includes('NotImplemented')));
  for (const o of passedOnStub) console.log(`  ${paint('red', '✗')} passes without the student's code: ${o.file} › ${o.title}`);
  for (const o of notStubReason) console.log(`  ${paint('yellow', '!')} fails on the stub, but not with NotImplemented: ${o.file} › ${o.title}`);
  const failedAsExpected = outcomes.filter((o) => o.status === 'failed').length;
  console.log(`${failedAsExpected} of ${outcomes.length} exercise tests fail on the stubs, as they must.`);
  return {
    name: 'tests fail on stubs',
    passed: failedAsExpected,
    failed: passedOnStub.length + (outcomes.length === 0 ? 1 : 0),
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    seconds,
  };
}

function main(): number {
  fs.mkdirSync(OUT, { recursive: true });
  const results: StepResult[] = [
    check('stubs in exercises/ match solutions/', bin('tsx'), ['scripts/build-exercises.ts', '--check']),
    check('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit']),
    check('lint (eslint .)', bin('eslint'), ['.']),
    onSolutions(),
    onStubs(),
  ];
  header('summary');
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const mark = r.failed === 0 ? paint('green', 'ok  ') : paint('red', 'FAIL');
    const skipped = r.skipped > 0 ? `, ${r.skipped} skipped` : '';
    console.log(`${mark} ${r.name.padEnd(width)}  ${r.passed} passed, ${r.failed} failed${skipped}  (${r.seconds.toFixed(1)} s)`);
  }
  const total = (k: 'passed' | 'failed' | 'skipped'): number => results.reduce((n, r) => n + r[k], 0);
  const skipped = total('skipped') > 0 ? `, ${total('skipped')} skipped` : '';
  console.log(`${total('passed')} passed, ${total('failed')} failed${skipped}`);
  return total('failed') === 0 ? 0 : 1;
}

process.exitCode = main();
