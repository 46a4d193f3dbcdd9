/**
 * `npm run mutate [-- 03 04] [-- --hand | --stryker]`: how many plausible bugs each exercise's public +
 * hidden tests catch in the reference solution (issue 17).
 *
 * Two sources of bugs, both run against `solutions/` with the exercise's public and hidden tests:
 * - **StrykerJS** mutates the code inside `// BEGIN SOLUTION … // END SOLUTION` (operators, conditions,
 *   constants, removed calls), one mutant at a time, with per-test coverage so each mutant runs only the
 *   tests that reach it. Its sandbox is `.stryker-tmp/` (git-ignored), removed afterwards.
 * - **Hand-written "student bugs"** (`bench/mutants/NN-name.json`): the mistakes students make (the
 *   READMEs' "mistakes the tests catch"), each a text replacement in the solution file, plus equivalent
 *   rewrites that must still pass. Each is applied to a copy of `solutions/` in the system temp folder and
 *   the tests run against that copy (`KIT_TARGET=<copy>`); the repository is never written to.
 *
 * Reports go to `bench/results/mutation/NN-name.md` (score, every survivor with its reason) and `.json`.
 * A Stryker survivor listed under `equivalent` in the exercise's mutant file counts as equivalent, with
 * the reason given there. Slow (training-heavy exercises take a long time per mutant): not part of CI.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { exerciseIds, resolveExerciseList } from '#kit/exercises';
import { filesBelow, posixRelative } from '#kit/files';
import { runMain } from '#kit/report';
import { checkMutantFile, readMutantFile, solutionFiles, solutionRegions, type MutantFile, type SkippedRegion } from './mutant-list.ts';

const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results', 'mutation');
const TEST_FILE = /\.test\.ts$/;

/** The exercise's public and hidden test files, repo-relative. */
function testFiles(id: string): string[] {
  return [...filesBelow(path.join(REPO_ROOT, 'exercises', id)), ...filesBelow(path.join(REPO_ROOT, 'grading', id))]
    .filter((f) => TEST_FILE.test(f))
    .map((f) => posixRelative(REPO_ROOT, f));
}

/** `solutions/NN/f.ts:a-b` for every solution region not skipped (Stryker's line ranges are 1-based, inclusive). */
function solutionRanges(id: string, skip: readonly SkippedRegion[] = []): string[] {
  return solutionFiles(id).flatMap((f) => solutionRegions(f)
    .filter((r) => !skip.some((s) => s.file === path.basename(f) && r.body.includes(s.contains)))
    .map((r) => `${posixRelative(REPO_ROOT, f)}:${String(r.startLine)}-${String(r.endLine)}`));
}

interface Outcome {
  id: string;
  kind: 'bug' | 'equivalent';
  description: string;
  /** bug: killed; equivalent: passed. */
  ok: boolean;
  /** The first failing test, or why it did not run. */
  detail: string;
  seconds: number;
}

/** Runs the exercise's tests against `target` (a folder laid out like solutions/); the first failing test, if any. */
function runTests(id: string, target: string, timeoutS: number, skip?: string): { passed: boolean; ran: boolean; firstFailure: string; seconds: number } {
  const t0 = performance.now();
  const filter = skip === undefined ? [] : ['--testNamePattern', `^(?!.*(?:${skip}))`];
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--bail', '1', ...filter, ...testFiles(id)], {
    cwd: REPO_ROOT,
    env: { ...process.env, KIT_TARGET: target, KIT_PROGRESS: '0', CI: '1' },
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  const out = `${r.stdout}${r.stderr}`;
  if (r.error !== undefined) return { passed: false, ran: true, firstFailure: `did not finish: ${r.error.message}`, seconds };
  // A run in which no test ran (a collection error, a crash of the runner) decides nothing.
  const counts = /^(\d+) passed, (\d+) failed/m.exec(out);
  const ran = counts !== null && Number(counts[1]) + Number(counts[2]) > 0;
  const failed = /^\s+✗ (.+)$/m.exec(out)?.[1] ?? out.split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
  return { passed: r.status === 0 && ran, ran, firstFailure: r.status === 0 && ran ? '' : failed, seconds };
}

function runHand(id: string, list: MutantFile): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const m of list.mutants) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-mutant-'));
    try {
      fs.cpSync(path.join(REPO_ROOT, 'solutions'), tmp, { recursive: true });
      const file = path.join(tmp, id, m.file);
      const text = fs.readFileSync(file, 'utf8');
      const at = text.indexOf(m.find);
      if (at < 0 || text.indexOf(m.find, at + 1) >= 0) {
        throw new KitError(`bench/mutants/${id}.json, mutant "${m.id}": its "find" text occurs ${at < 0 ? 'nowhere' : 'more than once'} in solutions/${id}/${m.file}; update the list.`);
      }
      fs.writeFileSync(file, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
      // The quick tests first: most bugs fail one of them, and then the slow ones need not run.
      const quick = list.slowTests === undefined ? undefined : runTests(id, tmp, 900, list.slowTests);
      let r = quick !== undefined && quick.ran && !quick.passed ? quick : runTests(id, tmp, 900);
      if (quick !== undefined && r !== quick) r = { ...r, seconds: r.seconds + quick.seconds };
      // Once more when nothing ran (e.g. the machine was out of memory): a verdict needs tests that ran.
      if (!r.ran) r = runTests(id, tmp, 900);
      if (!r.ran) r = { ...r, firstFailure: `no test ran: ${r.firstFailure}` };
      const ok = r.ran && (m.kind === 'bug' ? !r.passed : r.passed);
      outcomes.push({ id: m.id, kind: m.kind, description: m.description, ok, detail: r.firstFailure, seconds: r.seconds });
      console.log(`  ${ok ? '✓' : '✗'} ${m.kind === 'bug' ? (r.passed ? 'SURVIVED' : 'killed  ') : (r.passed ? 'passes  ' : 'REJECTED')} ${m.id} (${r.seconds.toFixed(0)} s)${r.passed ? '' : ` — ${r.firstFailure}`}`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return outcomes;
}

interface StrykerSummary {
  total: number;
  killed: number;
  survived: number;
  equivalent: number;
  noCoverage: number;
  errors: number;
  /** killed / (all − equivalent − errors), in %. */
  score: number;
  survivors: { file: string; line: number; mutator: string; original: string; replacement: string; reason: string }[];
  seconds: number;
}

async function runStryker(id: string, list: MutantFile): Promise<StrykerSummary> {
  // Imported here: only this command needs StrykerJS, and loading it costs a second.
  const { Stryker } = await import('@stryker-mutator/core');
  process.env['KIT_TARGET'] = 'solutions';
  process.env['KIT_PROGRESS'] = '0';
  if (list.strykerSkipTests !== undefined) process.env['DLKIT_SKIP_TESTS'] = list.strykerSkipTests;
  else delete process.env['DLKIT_SKIP_TESTS'];
  const t0 = performance.now();
  const stryker = new Stryker({
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    // StrykerJS 9 (the last for Node 20) runs vitest in one worker thread, whatever the config's pool says.
    vitest: { configFile: 'vitest.config.ts', related: false },
    testFiles: testFiles(id).filter((f) => !(list.strykerSkipFiles ?? []).includes(f)),
    mutate: solutionRanges(id, list.strykerSkip),
    coverageAnalysis: 'perTest',
    concurrency: 1,
    // A mutant that loops forever is stopped at 3 × the covering tests' normal time + 20 s.
    timeoutFactor: 3,
    timeoutMS: 20_000,
    dryRunTimeoutMinutes: 30,
    reporters: ['progress-append-only'],
    // One sandbox folder per exercise, so two exercises can be mutated at the same time.
    tempDirName: path.join('.stryker-tmp', id),
    cleanTempDir: 'always',
    // Re-runs reuse the verdicts of mutants whose code and covering tests did not change: killing the
    // survivors of a long run costs only the mutants the new tests reach. `--force` in the args runs all.
    incremental: true,
    incrementalFile: path.join(RESULTS_DIR, `${id}.stryker-incremental.json`),
    force: process.argv.includes('--force'),
    ignorePatterns: ['out', '.vitest-results', 'bench/results', '.stryker-tmp', 'reports'],
    disableTypeChecks: true,
    // fileLogLevel stays at its default, off: no stryker.log in the repository.
  });
  const results = await stryker.runMutationTest();
  const equivalent = list.equivalent ?? [];
  const summary: StrykerSummary = { total: results.length, killed: 0, survived: 0, equivalent: 0, noCoverage: 0, errors: 0, score: 0, survivors: [], seconds: 0 };
  const sources = new Map<string, string[]>();
  for (const r of results) {
    if (r.status === 'Killed' || r.status === 'Timeout') {
      summary.killed++;
      continue;
    }
    if (r.status === 'CompileError' || r.status === 'RuntimeError' || r.status === 'Ignored') {
      summary.errors++;
      continue;
    }
    const file = path.basename(r.fileName);
    if (!sources.has(r.fileName)) sources.set(r.fileName, fs.readFileSync(r.fileName, 'utf8').split('\n'));
    const lines = sources.get(r.fileName)!;
    const { start, end } = r.location;
    const original = start.line === end.line
      ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
      : [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join('\n');
    const replacement = r.replacement ?? '';
    const eq = equivalent.find((e) => e.file === file && e.original === original && e.replacement === replacement);
    if (eq !== undefined) {
      summary.equivalent++;
      summary.survivors.push({ file, line: start.line, mutator: r.mutatorName, original, replacement, reason: `equivalent: ${eq.reason}` });
      continue;
    }
    if (r.status === 'NoCoverage') summary.noCoverage++;
    else summary.survived++;
    summary.survivors.push({ file, line: start.line, mutator: r.mutatorName, original, replacement, reason: r.status === 'NoCoverage' ? 'no test reaches it' : 'survived: no test fails' });
  }
  const counted = summary.total - summary.equivalent - summary.errors;
  summary.score = counted === 0 ? 100 : (100 * summary.killed) / counted;
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}

function report(id: string, hand: Outcome[] | undefined, stryker: StrykerSummary | undefined, seconds: number, skipped: readonly SkippedRegion[], skipTests?: string, skipFiles: readonly string[] = []): string {
  const out: string[] = [`# Mutation testing: ${id}`, '', `${new Date().toISOString()}, ${seconds.toFixed(0)} s in all, public + hidden tests against solutions/.`, ''];
  if (stryker !== undefined) {
    out.push(`## StrykerJS (solution regions only, ${stryker.seconds.toFixed(0)} s)`, '',
      ...(skipped.length === 0 ? [] : [`Not mutated: ${skipped.map((r) => `the region of ${r.file} with \`${r.contains}\` (${r.reason})`).join('; ')}.`, '']),
      ...(skipTests === undefined ? [] : [`Run without the tests matching \`${skipTests}\` (minutes per mutant): a mutant only they catch counts as a survivor here.`, '']),
      ...(skipFiles.length === 0 ? [] : [`Run without ${skipFiles.map((f) => `\`${f}\``).join(', ')} (minutes per mutant): a mutant only they catch counts as a survivor here.`, '']),
      `Mutation score ${stryker.score.toFixed(1)} % of non-equivalent mutants: ${String(stryker.killed)} killed, ${String(stryker.survived)} survived, ` +
        `${String(stryker.noCoverage)} not covered; ${String(stryker.equivalent)} equivalent, ${String(stryker.errors)} compile/runtime errors (not counted), ${String(stryker.total)} in all.`, '');
    if (stryker.survivors.length > 0) {
      out.push('| file:line | mutator | original → replacement | reason |', '| --- | --- | --- | --- |');
      const cell = (s: string): string => s.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 120);
      for (const s of stryker.survivors) out.push(`| ${s.file}:${String(s.line)} | ${s.mutator} | \`${cell(s.original)}\` → \`${cell(s.replacement)}\` | ${s.reason} |`);
      out.push('');
    }
  }
  if (hand !== undefined) {
    const bugs = hand.filter((h) => h.kind === 'bug');
    const eqs = hand.filter((h) => h.kind === 'equivalent');
    out.push('## Hand-written student bugs', '',
      `${String(bugs.filter((b) => b.ok).length)} of ${String(bugs.length)} bugs killed; ${String(eqs.filter((e) => e.ok).length)} of ${String(eqs.length)} equivalent rewrites pass.`, '',
      '| mutant | kind | result | first failing test | s |', '| --- | --- | --- | --- | --- |');
    for (const h of hand) {
      const result = h.kind === 'bug' ? (h.ok ? 'killed' : '**survived**') : (h.ok ? 'passes' : '**rejected**');
      const esc = (t: string): string => t.replace(/\|/g, '\\|');
      out.push(`| ${esc(`${h.id}: ${h.description}`)} | ${h.kind} | ${result} | ${esc(h.detail).slice(0, 160)} | ${h.seconds.toFixed(0)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const all = exerciseIds(REPO_ROOT).filter((id) => fs.existsSync(path.join(REPO_ROOT, 'solutions', id)));
  const named = args.filter((a) => !a.startsWith('--'));
  const ids = named.length === 0 ? all : resolveExerciseList(all, named.join(','), 'npm run mutate --');
  const doHand = !args.includes('--stryker');
  const doStryker = !args.includes('--hand');
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let failures = 0;
  for (const id of ids) {
    const t0 = performance.now();
    const problems = checkMutantFile(id);
    if (problems.length > 0) throw new KitError(`The hand-written mutants of ${id} do not fit solutions/${id}:\n- ${problems.join('\n- ')}`);
    const list = readMutantFile(id);
    console.log(`${id}: ${doHand ? `${String(list.mutants.length)} hand-written mutants` : ''}${doHand && doStryker ? ', then ' : ''}${doStryker ? 'StrykerJS' : ''}`);
    // A run of one part keeps the other part's last results (`--hand` after a long Stryker run).
    const jsonFile = path.join(RESULTS_DIR, `${id}.json`);
    const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as { hand?: Outcome[]; stryker?: StrykerSummary }) : {};
    const hand = doHand ? runHand(id, list) : previous.hand;
    const stryker = doStryker ? await runStryker(id, list) : previous.stryker;
    const seconds = (performance.now() - t0) / 1000;
    const text = report(id, hand, stryker, seconds, list.strykerSkip ?? [], list.strykerSkipTests, list.strykerSkipFiles);
    fs.writeFileSync(path.join(RESULTS_DIR, `${id}.md`), `${text}\n`);
    fs.writeFileSync(jsonFile, `${JSON.stringify({ id, seconds, hand, stryker }, null, 2)}\n`);
    const bad = doHand ? (hand ?? []).filter((h) => !h.ok).length : 0;
    failures += bad;
    console.log(`${id}: ${stryker === undefined ? '' : `Stryker ${stryker.score.toFixed(1)} %, `}${hand === undefined ? '' : `hand-written ${String((hand.filter((h) => h.kind === 'bug' && h.ok)).length)}/${String(hand.filter((h) => h.kind === 'bug').length)} killed, ${String(bad)} wrong`} (${seconds.toFixed(0)} s) → ${posixRelative(REPO_ROOT, path.join(RESULTS_DIR, `${id}.md`))}`);
  }
  return failures === 0 ? 0 : 1;
}

await runMain(main);
