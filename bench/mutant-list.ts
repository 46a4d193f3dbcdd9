/**
 * The hand-written mutant lists of `bench/mutants/NN-name.json` (issue 17): their shape, how they are read,
 * and the checks that keep them in step with `solutions/` (a list whose `find` text no longer occurs in the
 * solution would silently test nothing). `npm run mutate` runs them; `bench/mutant-list.test.ts` checks
 * every list in CI, which costs a second, while the mutation runs themselves take minutes per exercise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { filesBelow, posixRelative } from '#kit/files';

export const MUTANTS_DIR = path.join(REPO_ROOT, 'bench', 'mutants');
const TEST_FILE = /\.test\.ts$/;

/** A hand-written mutant: one text replacement in one solution file. */
export interface HandMutant {
  id: string;
  /** `bug`: the tests must fail; `equivalent`: a correct rewrite, the tests must pass. */
  kind: 'bug' | 'equivalent';
  description: string;
  /** File name inside `solutions/NN-name/`. */
  file: string;
  /** Text that occurs exactly once in the file, inside a solution region… */
  find: string;
  /** …and what it becomes. */
  replace: string;
}

/** A Stryker mutant judged equivalent: matched by file, the original text and the replacement. */
export interface Equivalent {
  file: string;
  original: string;
  replacement: string;
  reason: string;
}

/** A solution region StrykerJS leaves alone: the region of `file` that contains `contains`, and why. */
export interface SkippedRegion {
  file: string;
  contains: string;
  reason: string;
}

export interface MutantFile {
  exercise: string;
  mutants: HandMutant[];
  equivalent?: Equivalent[];
  strykerSkip?: SkippedRegion[];
  /**
   * A regular expression of the names of tests too slow to run first (e.g. a 10-epoch training run):
   * each hand-written mutant runs the other tests first, and the whole suite only if they all pass.
   */
  slowTests?: string;
  /**
   * A regular expression of test names StrykerJS runs without (through bench/skip-slow-tests.ts): tests
   * that would cost minutes per mutant. A mutant that only they catch then counts as a survivor.
   */
  strykerSkipTests?: string;
  /**
   * Test files (repository-relative) StrykerJS runs without: an end-to-end file that reaches every region
   * and costs minutes per mutant, whose setup (beforeAll) a skipped test name would still pay. A mutant
   * that only they catch then counts as a survivor.
   */
  strykerSkipFiles?: string[];
}

export const mutantFilePath = (id: string): string => path.join(MUTANTS_DIR, `${id}.json`);

export function readMutantFile(id: string): MutantFile {
  const file = mutantFilePath(id);
  if (!fs.existsSync(file)) return { exercise: id, mutants: [], equivalent: [] };
  let data: MutantFile;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8')) as MutantFile;
  } catch (e) {
    throw new KitError(`${posixRelative(REPO_ROOT, file)} is not valid JSON (${(e as Error).message}). Fix the file (a missing comma or an unescaped quote or newline inside a "find" text is the usual cause).`);
  }
  if (data.exercise !== id) throw new KitError(`${posixRelative(REPO_ROOT, file)} says "exercise": "${data.exercise}", not "${id}".`);
  return data;
}

/** A `// BEGIN SOLUTION … // END SOLUTION` region: 1-based inclusive line numbers of its body, and the body. */
export interface SolutionRegion {
  file: string;
  startLine: number;
  endLine: number;
  body: string;
}

/** The solution files of an exercise (absolute paths): its `.ts` files that are not tests. */
export function solutionFiles(id: string): string[] {
  return filesBelow(path.join(REPO_ROOT, 'solutions', id)).filter((f) => f.endsWith('.ts') && !TEST_FILE.test(f));
}

export function solutionRegions(file: string): SolutionRegion[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const regions: SolutionRegion[] = [];
  let start = -1;
  lines.forEach((line, i) => {
    if (line.includes('// BEGIN SOLUTION')) start = i + 2;
    else if (line.includes('// END SOLUTION') && start > 0) {
      if (i >= start) regions.push({ file, startLine: start, endLine: i, body: lines.slice(start - 1, i).join('\n') });
      start = -1;
    }
  });
  return regions;
}

/**
 * What is wrong with exercise `id`'s list, one message per problem (empty when it is sound): unknown fields
 * or kinds, duplicate ids, a `find` that does not occur exactly once in its solution file or reaches outside
 * the solution regions (students cannot write there), a replacement that changes nothing, a skipped region
 * or an equivalent without a reason, a `slowTests` that is not a regular expression.
 */
export function checkMutantFile(id: string): string[] {
  const where = posixRelative(REPO_ROOT, mutantFilePath(id));
  const problems: string[] = [];
  let list: MutantFile;
  try {
    list = readMutantFile(id);
  } catch (e) {
    return [(e as Error).message];
  }
  if (!Array.isArray(list.mutants)) return [`${where}: "mutants" must be a list.`];
  const ids = new Set<string>();
  const regionsOf = (file: string): SolutionRegion[] | undefined => {
    const abs = path.join(REPO_ROOT, 'solutions', id, file);
    return fs.existsSync(abs) ? solutionRegions(abs) : undefined;
  };
  for (const m of list.mutants) {
    const name = `${where}, mutant "${m.id}"`;
    if (typeof m.id !== 'string' || m.id === '') problems.push(`${where}: a mutant without an "id".`);
    else if (ids.has(m.id)) problems.push(`${name}: the id is used twice.`);
    ids.add(m.id);
    if (m.kind !== 'bug' && m.kind !== 'equivalent') problems.push(`${name}: "kind" must be "bug" or "equivalent", not ${JSON.stringify(m.kind)}.`);
    if (typeof m.description !== 'string' || m.description.trim() === '') problems.push(`${name}: no "description" (say what a student did wrong, or why the rewrite is correct).`);
    if (typeof m.find !== 'string' || typeof m.replace !== 'string' || m.find === '') {
      problems.push(`${name}: "find" and "replace" must be strings, "find" not empty.`);
      continue;
    }
    if (m.find === m.replace) problems.push(`${name}: "replace" equals "find", so nothing is mutated.`);
    const abs = path.join(REPO_ROOT, 'solutions', id, m.file);
    if (!fs.existsSync(abs)) {
      problems.push(`${name}: solutions/${id}/${m.file} does not exist.`);
      continue;
    }
    const text = fs.readFileSync(abs, 'utf8');
    const at = text.indexOf(m.find);
    if (at < 0 || text.indexOf(m.find, at + 1) >= 0) {
      problems.push(`${name}: its "find" text occurs ${at < 0 ? 'nowhere' : 'more than once'} in solutions/${id}/${m.file}; update the list (the solution changed, or the text needs more context to be unique).`);
      continue;
    }
    // The part that changes (a `find` may reach past a marker to be unique) must lie in one region.
    let head = 0;
    while (head < m.find.length && head < m.replace.length && m.find[head] === m.replace[head]) head++;
    let tail = 0;
    while (tail < m.find.length - head && tail < m.replace.length - head && m.find[m.find.length - 1 - tail] === m.replace[m.replace.length - 1 - tail]) tail++;
    const first = text.slice(0, at + head).split('\n').length;
    const last = text.slice(0, at + Math.max(head, m.find.length - tail)).split('\n').length;
    if (!(regionsOf(m.file) ?? []).some((r) => r.startLine <= first && last <= r.endLine)) {
      problems.push(`${name}: what it changes (lines ${String(first)}–${String(last)} of solutions/${id}/${m.file}) is not inside one BEGIN/END SOLUTION region, where students write.`);
    }
  }
  for (const e of list.equivalent ?? []) {
    if (typeof e.reason !== 'string' || e.reason.trim() === '') problems.push(`${where}: the equivalent mutant \`${e.original}\` → \`${e.replacement}\` in ${e.file} gives no reason.`);
    if (regionsOf(e.file) === undefined) problems.push(`${where}: an equivalent mutant names solutions/${id}/${e.file}, which does not exist.`);
  }
  for (const s of list.strykerSkip ?? []) {
    if (typeof s.reason !== 'string' || s.reason.trim() === '') problems.push(`${where}: the skipped region of ${s.file} with \`${s.contains}\` gives no reason.`);
    const regions = regionsOf(s.file);
    if (regions === undefined) problems.push(`${where}: a skipped region names solutions/${id}/${s.file}, which does not exist.`);
    else if (!regions.some((r) => r.body.includes(s.contains))) problems.push(`${where}: no solution region of solutions/${id}/${s.file} contains \`${s.contains}\`, so nothing is skipped; update "strykerSkip".`);
  }
  for (const f of list.strykerSkipFiles ?? []) {
    if (!fs.existsSync(path.join(REPO_ROOT, f)) || !TEST_FILE.test(f)) problems.push(`${where}: "strykerSkipFiles" names ${f}, which is not a test file of the repository.`);
  }
  for (const key of ['slowTests', 'strykerSkipTests'] as const) {
    const pattern = list[key];
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern);
    } catch (e) {
      problems.push(`${where}: "${key}" is not a regular expression (${(e as Error).message}).`);
    }
  }
  return problems;
}
