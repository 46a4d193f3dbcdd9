/**
 * `npm run verify`: the kit's full check, what CI runs. Every exercise complete, stubs and points
 * generated (scripts/exercise-check.ts), types, lint, the tests of the kit, scripts and grader (the
 * tamper suite among them), then the exercises through
 * the grader: the reference solutions must get full marks (every public and hidden test passing —
 * this is the one run of the exercise tests on the solutions) and the untouched stubs zero (every
 * test failing). Ends with the plain line `N passed, N failed` that CI reads; a crash anywhere
 * counts as a failure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { filesBelow } from '#kit/files';
import { paint } from '#kit/report';
import { discoverExercises, type Exercise } from '../grading/lib/exercises.ts';
import { Grader } from '../grading/lib/grade.ts';
import type { SubmissionReport } from '../grading/lib/report.ts';
import { renderTable, writeJson } from '../grading/lib/results.ts';
import { readVitestJson, type TestOutcome } from './vitest-json.ts';

interface StepResult {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
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

function vitest(name: string, target: string, files: string[], json: string, quiet: boolean): { outcomes: TestOutcome[]; seconds: number; ok: boolean } {
  header(name);
  fs.rmSync(json, { force: true });
  const reporters = quiet ? [] : ['--reporter=./kit/report/vitest-reporter.ts'];
  const r = run(bin('vitest'), ['run', ...files, ...reporters, '--reporter=json', `--outputFile.json=${json}`], { KIT_TARGET: target }, quiet);
  return { outcomes: readVitestJson(json), seconds: r.seconds, ok: r.ok };
}

const count = (outcomes: TestOutcome[], s: TestOutcome['status']): number => outcomes.filter((o) => o.status === s).length;

/** Test files of the kit, the scripts and the grader: everything but the exercises' own (public and hidden) tests. */
function unitTestFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['kit', 'scripts', 'bench', path.join('grading', 'lib'), path.join('grading', 'tests')]) {
    for (const f of filesBelow(path.join(REPO_ROOT, dir))) {
      if (/\.test\.ts$/.test(f) && !f.split(path.sep).includes('fixtures')) out.push(path.relative(REPO_ROOT, f));
    }
  }
  return out.sort();
}

function unitTests(): StepResult {
  const files = unitTestFiles();
  const { outcomes, seconds, ok } = vitest(`tests of the kit, scripts and grader (${files.length} files, the tamper suite included)`, 'solutions', files, path.join(OUT, 'unit.json'), false);
  // A crash that left no JSON behind still has to show up as a failure.
  const failed = count(outcomes, 'failed') + (ok || outcomes.length > 0 ? 0 : 1);
  return { name: 'kit, scripts and grader tests', passed: count(outcomes, 'passed'), failed, skipped: count(outcomes, 'skipped'), seconds };
}

/**
 * Exercise 02's public tests on the solutions with KIT_BACKEND=webgpu: the webgpu backend must train an
 * exercise, synchronous reads and all, not only pass its own kernel tests (kit/tf/webgpu.test.ts). On CI
 * that is Mesa's software adapter. Where Dawn finds no adapter it is skipped with the reason, unless
 * KIT_REQUIRE_WEBGPU=1 (CI) makes that a failure.
 */
async function webgpuExercise(): Promise<StepResult> {
  const name = '02 on the webgpu backend (KIT_BACKEND=webgpu)';
  header(name);
  // Imported here: kit/tf loads tfjs, which nothing else in this process needs.
  const { requiredWebGpuMessage, webgpuProblem } = await import('../kit/tf/webgpu.ts');
  const problem = await webgpuProblem();
  if (problem !== undefined) {
    const required = process.env.KIT_REQUIRE_WEBGPU === '1';
    console.log(paint(required ? 'red' : 'yellow', `  ${required ? '✗ ' + requiredWebGpuMessage(problem) : '- skipped: ' + problem}`));
    return { name, passed: 0, failed: required ? 1 : 0, skipped: required ? 0 : 1, seconds: 0 };
  }
  const json = path.join(OUT, 'webgpu-02.json');
  fs.rmSync(json, { force: true });
  // --dir keeps the filter to exercises/ (a bare "02" would also match copies elsewhere in the tree).
  const r = run(bin('vitest'), ['run', '--dir', 'exercises', '02-mlp', '--reporter=./kit/report/vitest-reporter.ts', '--reporter=json', `--outputFile.json=${json}`], {
    KIT_TARGET: 'solutions',
    KIT_BACKEND: 'webgpu',
  });
  const outcomes = readVitestJson(json);
  const failed = count(outcomes, 'failed') + (r.ok || outcomes.length > 0 ? 0 : 1);
  return { name, passed: count(outcomes, 'passed'), failed, skipped: count(outcomes, 'skipped'), seconds: r.seconds };
}

/** Exercises without a rubric cannot go through the grader: their tests run plainly, and the missing rubric is a failure. */
function withoutRubric(exercises: readonly Exercise[]): StepResult[] {
  const results: StepResult[] = [];
  for (const e of exercises.filter((x) => x.rubric === undefined)) {
    const files = [...e.publicTests, ...e.hiddenTests];
    const sol = vitest(`${e.id}: no rubric yet — its tests on the solutions, plainly`, 'solutions', files, path.join(OUT, `${e.id}-solutions.json`), false);
    const stubs = vitest(`${e.id}: its tests on the stubs (each must fail)`, 'exercises', files, path.join(OUT, `${e.id}-stubs.json`), true);
    console.log(paint('red', `  ✗ ${e.id} has no rubric: ${e.rubricProblem ?? ''} (see grading/README.md)`));
    results.push({
      name: `${e.id} (no rubric: not gradable)`,
      passed: count(sol.outcomes, 'passed') + count(stubs.outcomes, 'failed'),
      failed: 1 + count(sol.outcomes, 'failed') + count(stubs.outcomes, 'passed') + (sol.ok || sol.outcomes.length > 0 ? 0 : 1),
      skipped: 0,
      seconds: sol.seconds + stubs.seconds,
    });
  }
  return results;
}

function gradeStep(
  name: string,
  grade: () => Promise<SubmissionReport>,
  judge: (r: SubmissionReport) => { passed: number; failed: number; skipped: number },
): Promise<StepResult> {
  header(name);
  const t0 = Date.now();
  return grade().then(
    (r) => {
      console.log(renderTable(r));
      const { passed, failed, skipped } = judge(r);
      return { name, passed, failed, skipped, seconds: (Date.now() - t0) / 1000 };
    },
    (err: unknown) => {
      console.log(paint('red', `  ✗ the grader failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
      return { name, passed: 0, failed: 1, skipped: 0, seconds: (Date.now() - t0) / 1000 };
    },
  );
}

/**
 * The reference solutions through the grader: full marks, every test passing — except tests that
 * skip themselves with a reason (an optional dataset, e.g. CIFAR-10, missing here): those are
 * counted as skipped and their items left out of the full-marks check.
 */
function judgeReference(r: SubmissionReport): { passed: number; failed: number; skipped: number } {
  writeJson(path.join(OUT, 'grade-solutions.json'), r);
  if (r.error !== undefined) return { passed: 0, failed: 1, skipped: 0 };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const e of r.exercises) {
    for (const t of e.tests) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'skipped') {
        skipped++;
        console.log(`  ${paint('yellow', '-')} ${e.id}: ${t.title.join(' › ')}: ${t.reason ?? 'skipped'}`);
      } else {
        failed++;
        console.log(`  ${paint('red', '✗')} ${e.id}: ${t.file} › ${t.title.join(' › ')}: ${t.status}: ${t.reason ?? ''}`);
      }
    }
    const incomplete = new Set(e.tests.filter((t) => t.status === 'skipped').map((t) => t.item));
    for (const item of e.items) {
      if (incomplete.has(item.id) || item.earned === item.points) continue;
      failed++;
      console.log(`  ${paint('red', '✗')} ${e.id}: the reference gets ${item.earned} of ${item.points} points for "${item.title}"`);
    }
    for (const f of e.flags) console.log(`  ${paint('yellow', '!')} ${e.id}: the reference trips a review flag: ${f.file}:${f.line}: ${f.message}`);
    for (const w of e.warnings) console.log(`  ${paint('yellow', '!')} ${e.id}: type error in the reference: ${w.file}:${w.line}: ${w.message}`);
  }
  console.log(`${passed} of ${passed + failed + skipped} checks on the reference solutions pass, ${skipped} skipped (${r.seconds.toFixed(1)} s).`);
  return { passed, failed, skipped };
}

/** The untouched stubs through the grader: zero, every test failing (with NotImplemented, ideally). */
function judgeStubs(r: SubmissionReport): { passed: number; failed: number; skipped: number } {
  writeJson(path.join(OUT, 'grade-stubs.json'), r);
  if (r.error !== undefined) return { passed: 0, failed: 1, skipped: 0 };
  let passed = 0;
  let failed = 0;
  for (const e of r.exercises) {
    for (const t of e.tests) {
      if (t.status !== 'passed') {
        passed++;
        if (!(t.reason ?? '').includes('NotImplemented')) {
          console.log(`  ${paint('yellow', '!')} fails on the stub, but not with NotImplemented: ${e.id}: ${t.title.join(' › ')}: ${t.reason ?? ''}`);
        }
      } else {
        failed++;
        console.log(`  ${paint('red', '✗')} passes without the student's code: ${e.id}: ${t.file} › ${t.title.join(' › ')}`);
      }
    }
    if (e.points + e.bonus !== 0) failed++;
  }
  console.log(`${passed} of ${passed + failed} exercise tests fail on the stubs, as they must.`);
  return { passed, failed, skipped: 0 };
}

async function main(): Promise<number> {
  fs.mkdirSync(OUT, { recursive: true });
  const results: StepResult[] = [
    check('exercises complete; stubs and points match solutions/ and rubrics', bin('tsx'), ['scripts/build-exercises.ts', '--check']),
    check('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit']),
    check('lint (eslint .)', bin('eslint'), ['.']),
    unitTests(),
    await webgpuExercise(),
  ];
  let exercises: Exercise[] = [];
  try {
    exercises = discoverExercises();
  } catch (err) {
    results.push({ name: 'discover exercises', passed: 0, failed: 1, skipped: 0, seconds: 0 });
    console.log(paint('red', (err as Error).message));
  }
  results.push(...withoutRubric(exercises));
  let grader: Grader | undefined;
  try {
    header('the grader: listing the exercises\' tests and checking the rubrics');
    grader = await Grader.create({ log: (l) => { console.log(paint('dim', l)); } });
    for (const n of grader.notes) console.log(paint(n.startsWith("WARNING") ? "yellow" : "dim", n));
  } catch (err) {
    console.log(paint('red', `  ✗ ${err instanceof Error ? err.message : String(err)}`));
    results.push({ name: 'rubrics fit the tests', passed: 0, failed: 1, skipped: 0, seconds: 0 });
  }
  if (grader !== undefined) {
    const g = grader;
    results.push(await gradeStep('the reference solutions, graded (full marks expected)', () => g.grade(path.join(REPO_ROOT, 'solutions')), judgeReference));
    results.push(await gradeStep('the untouched stubs, graded (zero expected)', () => g.grade(path.join(REPO_ROOT, 'exercises')), judgeStubs));
    g.close();
  }
  header('summary');
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) {
    const mark = r.failed === 0 ? paint('green', 'ok  ') : paint('red', 'FAIL');
    const skipped = r.skipped > 0 ? `, ${r.skipped} skipped` : '';
    console.log(`${mark} ${r.name.padEnd(width)}  ${r.passed} passed, ${r.failed} failed${skipped}  (${r.seconds.toFixed(1)} s)`);
  }
  const total = (k: 'passed' | 'failed' | 'skipped'): number => results.reduce((n, r) => n + r[k], 0);
  if (total('skipped') > 0) console.log(`${total('skipped')} skipped (each says why above: an optional dataset, or a backend this machine cannot run)`);
  // The last line, exactly `N passed, N failed`, is what CI reads.
  console.log(`${total('passed')} passed, ${total('failed')} failed`);
  return total('failed') === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
