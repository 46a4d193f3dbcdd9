/**
 * What leaves the instructor's kit, and in which shape:
 * - the student release (`npm run release`): no solutions/, no grading/ (hidden tests, rubrics,
 *   grader), no scripts students do not need; stubs regenerated from solutions/ so that local edits
 *   in exercises/ can never leak a solution; a points table for `npm run progress`;
 * - the Gradescope autograder (`npm run package:gradescope`): the kit with the grader and hidden
 *   tests but without solutions/, plus setup.sh and run_autograder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError } from '#kit/errors';
import { discoverExercises } from './exercises.ts';
import type { PointsTable } from '../../scripts/progress-points.ts';

export interface PlannedFile {
  /** Path inside the destination, with `/`. */
  rel: string;
  /** Copy this file… */
  from?: string;
  /** …or write this content. */
  content?: string | Buffer;
  mode?: number;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', '.vitest-results']);

function walk(root: string, dir: string, skip: (rel: string) => boolean): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    // .git is a folder in a clone and a file in a worktree: never part of anything we hand out.
    if (e.name === '.git' || skip(rel)) continue;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...walk(root, rel, skip));
    } else if (e.isFile()) {
      out.push(rel);
    }
  }
  return out.sort();
}

const isTest = (rel: string): boolean => /\.(test|spec)\.ts$/.test(rel);
const inFixtures = (rel: string): boolean => rel.split('/').includes('fixtures');

/** The README without the parts between `<!-- release:omit -->` and `<!-- /release:omit -->`. */
export function stripOmitted(markdown: string): string {
  return markdown.replace(/<!-- release:omit -->[^]*?<!-- \/release:omit -->\n?/g, '').replace(/\n{3,}/g, '\n\n');
}

/** The scripts students run. */
export const STUDENT_SCRIPTS: Record<string, string> = {
  test: 'vitest run --dir exercises',
  watch: 'vitest --dir exercises',
  progress: 'tsx scripts/progress.ts',
  hint: 'tsx scripts/hint.ts',
  data: 'tsx scripts/data.ts',
  typecheck: 'tsc --noEmit',
  lint: 'eslint .',
};
const STUDENT_SCRIPT_FILES = ['scripts/data.ts', 'scripts/progress.ts', 'scripts/progress-points.ts', 'scripts/hint.ts', 'scripts/vitest-json.ts'];

/** Exercise stubs (regenerated from solutions/ when it is there) and the other files of exercises/. */
function exerciseFiles(root: string): PlannedFile[] {
  const exercises = discoverExercises(root);
  const stubs = new Map(exercises.flatMap((e) => e.stubs.map((s) => [s.path, s.text] as const)));
  const out: PlannedFile[] = [];
  for (const rel of walk(root, 'exercises', () => false)) {
    if (stubs.has(rel)) continue;
    if (rel.endsWith('.ts') && !isTest(rel) && !inFixtures(rel)) {
      throw new KitError(`${rel} is neither a test nor a stub that solutions/ generates. Remove it, or add its source to solutions/ (npm run build:exercises).`);
    }
    out.push({ rel, from: path.join(root, rel) });
  }
  for (const [rel, text] of stubs) out.push({ rel, content: text });
  return out;
}

/** The public points table: each rubric's items, for `npm run progress` in the release. */
export function pointsTable(root: string): PointsTable {
  const table: PointsTable = {};
  for (const e of discoverExercises(root)) {
    if (e.rubric === undefined) continue;
    table[e.id] = {
      title: e.rubric.title,
      items: e.rubric.items.map((i) => ({ title: i.title, points: i.points, bonus: i.bonus, partial: i.partial, tests: i.tests })),
    };
  }
  return table;
}

export function releasePlan(root: string): PlannedFile[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  pkg['scripts'] = STUDENT_SCRIPTS;
  const plan: PlannedFile[] = [
    { rel: 'package.json', content: `${JSON.stringify(pkg, null, 2)}\n` },
    { rel: 'README.md', content: stripOmitted(fs.readFileSync(path.join(root, 'README.md'), 'utf8')) },
    { rel: 'exercises/points.json', content: `${JSON.stringify(pointsTable(root), null, 2)}\n` },
  ];
  for (const f of ['package-lock.json', 'tsconfig.json', 'eslint.config.js', 'vitest.config.ts', '.gitignore']) {
    if (fs.existsSync(path.join(root, f))) plan.push({ rel: f, from: path.join(root, f) });
  }
  for (const rel of walk(root, 'kit', (r) => isTest(r) || inFixtures(r))) plan.push({ rel, from: path.join(root, rel) });
  for (const rel of walk(root, 'data', (r) => r.endsWith('.partial') || r.endsWith('.tmp'))) plan.push({ rel, from: path.join(root, rel) });
  for (const rel of STUDENT_SCRIPT_FILES) plan.push({ rel, from: path.join(root, rel) });
  plan.push(...exerciseFiles(root));
  return plan;
}

/** Gradescope requires setup.sh and run_autograder at the top of the zip. */
export function autograderPlan(root: string, extra: PlannedFile[] = []): PlannedFile[] {
  const plan: PlannedFile[] = [];
  const skip = (rel: string): boolean =>
    rel === 'solutions' || rel.startsWith('solutions/') || rel === 'bench' || rel.startsWith('bench/') || rel.startsWith('exercises/') ||
    rel === '.ci' || rel.startsWith('.ci/') || rel.startsWith('grading/.tests/') || rel.endsWith('.tmp');
  for (const rel of walk(root, '', skip)) plan.push({ rel, from: path.join(root, rel) });
  plan.push(...exerciseFiles(root));
  plan.push({ rel: 'setup.sh', from: path.join(root, 'grading', 'gradescope', 'setup.sh'), mode: 0o755 });
  plan.push({ rel: 'run_autograder', from: path.join(root, 'grading', 'gradescope', 'run_autograder'), mode: 0o755 });
  plan.push(...extra);
  return plan;
}

export function writePlan(plan: readonly PlannedFile[], dest: string): void {
  for (const f of plan) {
    const out = path.join(dest, f.rel);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    if (f.from !== undefined) fs.copyFileSync(f.from, out);
    else fs.writeFileSync(out, f.content ?? '');
    if (f.mode !== undefined) fs.chmodSync(out, f.mode);
  }
}

/** Refuses a student release that would give anything away (`root` is the kit it came from). */
export function checkRelease(dest: string, root: string): string[] {
  const problems: string[] = [];
  for (const d of ['solutions', 'grading']) if (fs.existsSync(path.join(dest, d))) problems.push(`${d}/ is in the release`);
  const solutionTexts = new Set(walk(root, 'solutions', () => false).map((rel) => fs.readFileSync(path.join(root, rel), 'utf8')));
  for (const rel of walk(dest, '', () => false)) {
    if (rel.includes('.hidden.') || rel.endsWith('rubric.json')) problems.push(`${rel} is a hidden test or a rubric`);
    if (!rel.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(dest, rel), 'utf8');
    if (rel.startsWith('exercises/') && /\/\/ (BEGIN|END) SOLUTION/.test(text)) problems.push(`${rel} holds a solution region`);
    if (solutionTexts.has(text)) problems.push(`${rel} is a copy of a reference solution`);
  }
  return problems;
}
