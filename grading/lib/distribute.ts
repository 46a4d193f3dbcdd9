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
import { importsOf } from './policy.ts';
import type { PointsTable } from '#kit/points';

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

/** Scripts of package.json that are the instructor's alone (the rest ship, with the files they run). */
/** In a Gradescope package made with `--only`: the exercises it grades (run_autograder passes them as --only). */
export const GRADESCOPE_ONLY_FILE = 'grading/gradescope/only';

export const INSTRUCTOR_SCRIPTS = new Set(['verify', 'build:exercises', 'new-exercise', 'bench', 'grade', 'package:gradescope', 'release']);
/** What `npm run progress` and `hint` need besides themselves. */
const STUDENT_SCRIPT_FILES = ['scripts/vitest-json.ts'];

/**
 * The release's scripts: every script of package.json but the instructor's, as long as what it runs
 * ships (a `tsx <file>` under scripts/ or exercises/); returns the scripts and the scripts/ files
 * they need, relative imports followed.
 */
export function studentScripts(root: string, scripts: Record<string, string>): { scripts: Record<string, string>; files: string[] } {
  const kept: Record<string, string> = {};
  const files = new Set<string>(STUDENT_SCRIPT_FILES.filter((f) => fs.existsSync(path.join(root, f))));
  for (const [name, command] of Object.entries(scripts)) {
    if (INSTRUCTOR_SCRIPTS.has(name)) continue;
    const m = /^tsx\s+(\S+\.ts)\b/.exec(command);
    if (m === null) {
      kept[name] = command;
      continue;
    }
    const file = m[1]!;
    if (file.startsWith('exercises/')) kept[name] = command;
    else if (file.startsWith('scripts/') && fs.existsSync(path.join(root, file))) {
      kept[name] = command;
      files.add(file);
    }
  }
  // Follow relative imports of the scripts we ship (their helpers).
  const queue = [...files];
  while (queue.length > 0) {
    const f = queue.pop()!;
    for (const spec of importsOf(fs.readFileSync(path.join(root, f), 'utf8'), f)) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
      if (target.startsWith('scripts/') && !files.has(target) && fs.existsSync(path.join(root, target))) {
        files.add(target);
        queue.push(target);
      }
    }
  }
  return { scripts: kept, files: [...files].sort() };
}

/**
 * A shipped script may name the reference files for their types (`typeof import('../solutions/…')`);
 * the stubs have the same signatures, and the release has no solutions/: point it at exercises/.
 */
export function withoutSolutionImports(text: string): string {
  return text.replace(/(['"])\.\.\/solutions\//g, '$1../exercises/');
}

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
  const student = studentScripts(root, (pkg['scripts'] ?? {}) as Record<string, string>);
  pkg['scripts'] = student.scripts;
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
  for (const rel of student.files) plan.push({ rel, content: withoutSolutionImports(fs.readFileSync(path.join(root, rel), 'utf8')) });
  // Exercise READMEs, like the kit's, may mark instructor-only lines (the reference run, the benchmarks).
  plan.push(...exerciseFiles(root).map((f) =>
    f.from !== undefined && f.rel.endsWith('.md') ? { rel: f.rel, content: stripOmitted(fs.readFileSync(f.from, 'utf8')) } : f));
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
  // Reference files with something to hide (a solution region); one without is its own stub.
  const solutionTexts = new Set(walk(root, 'solutions', () => false)
    .map((rel) => fs.readFileSync(path.join(root, rel), 'utf8'))
    .filter((text) => text.includes('// BEGIN SOLUTION')));
  for (const rel of walk(dest, '', () => false)) {
    if (rel.includes('.hidden.') || rel.endsWith('rubric.json')) problems.push(`${rel} is a hidden test or a rubric`);
    if (!rel.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(dest, rel), 'utf8');
    if (rel.startsWith('exercises/') && /\/\/ (BEGIN|END) SOLUTION/.test(text)) problems.push(`${rel} holds a solution region`);
    if (/['"](\.\.?\/)+solutions\//.test(text)) problems.push(`${rel} refers to a file in solutions/`);
    if (solutionTexts.has(text)) problems.push(`${rel} is a copy of a reference solution`);
  }
  return problems;
}
