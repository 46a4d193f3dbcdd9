/**
 * `npm run progress [-- <exercise>] [--run]`: where you stand, exercise by exercise — public tests
 * passed and the points they are worth (the grader also runs hidden tests, so these are the most you
 * can get), and the next thing to do. Test results are cached per exercise and re-run only when a
 * file of that exercise changed (`--run` re-runs everything).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { paint, runMain } from '#kit/report';
import { targetDir } from '#kit/target';
import { itemScore, loadPoints, matchesPattern, TITLE_SEPARATOR, type PointsItem } from '#kit/points';
import { exportedNames, nextStep as nextStepInReadmeOrder } from './next-step.ts';
import { readVitestJson, type TestOutcome } from './vitest-json.ts';

const CACHE = path.join(REPO_ROOT, 'out', 'progress', 'cache.json');

interface Cached {
  hash: string;
  outcomes: TestOutcome[];
}

function filesOf(id: string): string[] {
  const dir = path.join(REPO_ROOT, 'exercises', id);
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)))
    .sort();
}

function hashOf(id: string): string {
  const h = crypto.createHash('sha256');
  for (const f of filesOf(id)) h.update(f).update(fs.readFileSync(path.join(REPO_ROOT, f)));
  h.update(process.env['KIT_TARGET'] ?? '');
  return h.digest('hex');
}

function readCache(): Record<string, Cached> {
  try {
    return JSON.parse(fs.readFileSync(CACHE, 'utf8')) as Record<string, Cached>;
  } catch {
    return {};
  }
}

function runTests(ids: string[]): Map<string, TestOutcome[]> {
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-progress-')), 'results.json');
  const files = ids.flatMap((id) => filesOf(id).filter((f) => f.endsWith('.test.ts')));
  // The JSON report is what we read; the file reporter prints a line per test file as it finishes.
  const reporter = path.join(REPO_ROOT, 'kit', 'report', 'progress-reporter.ts');
  spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run', ...files, '--reporter=json', `--reporter=${reporter}`, `--outputFile.json=${json}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, KIT_PROGRESS: '0' },
  });
  const outcomes = readVitestJson(json);
  fs.rmSync(path.dirname(json), { recursive: true, force: true });
  const byId = new Map<string, TestOutcome[]>(ids.map((id) => [id, []]));
  for (const o of outcomes) {
    const id = o.file.split(/[\\/]/)[1];
    if (id !== undefined) byId.get(id)?.push(o);
  }
  return byId;
}

const isStub = (o: TestOutcome): boolean => o.status === 'failed' && o.messages.some((m) => m.includes('NotImplemented'));

/** The grader's rule (#kit/points), applied to the public tests only. */
function itemPoints(item: PointsItem, outcomes: TestOutcome[]): number {
  const mine = outcomes.filter((o) => item.tests.some((p) => matchesPattern(p, o.title.split(TITLE_SEPARATOR))));
  return itemScore(item, mine.filter((o) => o.status === 'passed').length, mine.length);
}

const round = (x: number): string => String(Math.round(x * 100) / 100);

/** The failing test the exercise's README reaches first (scripts/next-step.ts), not the first in file order. */
function nextStep(id: string, outcomes: TestOutcome[]): string {
  const readme = path.join(REPO_ROOT, 'exercises', id, 'README.md');
  const sources = filesOf(id).filter((f) => !f.endsWith('.test.ts')).map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'));
  return nextStepInReadmeOrder(outcomes, fs.existsSync(readme) ? fs.readFileSync(readme, 'utf8') : '', exportedNames(sources));
}

function main(): number {
  // A KIT_TARGET that names nothing (or `solutions` in the student release) is one paragraph, before any test runs.
  targetDir();
  const args = process.argv.slice(2);
  const force = args.includes('--run');
  const filter = args.find((a) => !a.startsWith('--'));
  const all = exerciseIds(REPO_ROOT);
  const ids = filter === undefined ? all : all.filter((id) => id === filter || id.startsWith(`${filter.padStart(2, '0')}-`) || id.includes(filter));
  if (ids.length === 0) {
    console.error(`No exercise matches "${filter ?? ''}". The exercises are: ${all.join(', ')}.`);
    return 2;
  }
  const points = loadPoints(REPO_ROOT);
  const cache = readCache();
  const stale = ids.filter((id) => force || cache[id]?.hash !== hashOf(id));
  if (stale.length > 0) {
    const files = stale.flatMap((id) => filesOf(id).filter((f) => f.endsWith('.test.ts'))).length;
    console.log(paint('dim', `Running the ${String(files)} public test files of ${stale.join(', ')}, a line as each finishes (results are cached until you change a file)...`));
    const fresh = runTests(stale);
    for (const id of stale) cache[id] = { hash: hashOf(id), outcomes: fresh.get(id) ?? [] };
    fs.mkdirSync(path.dirname(CACHE), { recursive: true });
    fs.writeFileSync(CACHE, JSON.stringify(cache));
  }
  const rows: string[][] = [];
  let earned = 0;
  let possible = 0;
  let bonusEarned = 0;
  let bonusPossible = 0;
  for (const id of ids) {
    const outcomes = cache[id]?.outcomes ?? [];
    const passed = outcomes.filter((o) => o.status === 'passed').length;
    const items = points[id]?.items ?? [];
    let e = 0;
    let p = 0;
    let be = 0;
    let bp = 0;
    for (const item of items) {
      const got = itemPoints(item, outcomes);
      if (item.bonus) {
        be += got;
        bp += item.points;
      } else {
        e += got;
        p += item.points;
      }
    }
    earned += e;
    possible += p;
    bonusEarned += be;
    bonusPossible += bp;
    const done = outcomes.length > 0 && passed === outcomes.length;
    const notStarted = outcomes.length > 0 && outcomes.every(isStub);
    const mark = done ? paint('green', '✓') : notStarted ? paint('dim', '·') : paint('red', '✗');
    const pts = items.length === 0 ? '–' : `${round(e)}/${round(p)}${bp > 0 ? ` + ${round(be)}/${round(bp)} bonus` : ''}`;
    rows.push([mark, id, `${passed}/${outcomes.length}`, pts, done ? '' : notStarted ? `not started — ${nextStep(id, outcomes)}` : nextStep(id, outcomes)]);
  }
  const head = [' ', 'exercise', 'tests', 'points (public tests)', 'next'];
  const visible = (s: string): number => stripVTControlCharacters(s).length;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i]!))));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c)))).join('  ');
  console.log(paint('bold', line(head)));
  for (const r of rows) console.log(line(r));
  const bonus = bonusPossible > 0 ? ` + ${round(bonusEarned)}/${round(bonusPossible)} bonus` : '';
  console.log(`\nTotal from the public tests: ${round(earned)}/${round(possible)}${bonus}. The grader also runs hidden tests on other inputs,`);
  console.log('so these points are what you can get at most. `npm run hint -- <exercise>` gives a hint.');
  return 0;
}

await runMain(main);
