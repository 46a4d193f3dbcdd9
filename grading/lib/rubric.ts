/**
 * Rubrics: `grading/NN-name/rubric.json` gives the points of an exercise per item, each item a set of
 * tests named by title prefixes (format in grading/README.md).
 */
import fs from 'node:fs';
import { KitError } from '#kit/errors';

/** Separator between the describe names and the test name in a title path. */
export const TITLE_SEPARATOR = ' › ';

export interface RubricItem {
  id: string;
  title: string;
  points: number;
  /** Kept apart from the regular points (the homework's bonus questions). */
  bonus: boolean;
  /** points × passed / matched instead of all-or-nothing. */
  partial: boolean;
  /** Title-path prefixes; see `matchesPattern`. */
  tests: string[];
}

export interface Rubric {
  exercise: string;
  title: string;
  items: RubricItem[];
  /** Wall-time limit in seconds for one run of the exercise's tests (public + hidden), when the default does not fit. */
  timeLimit?: number;
  /** Wall-time limit in seconds for one test, when the default does not fit. */
  testTimeLimit?: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(file: string, what: string): never {
  throw new KitError(
    `${file}: ${what} A rubric is {"exercise": "NN-name", "title": "...", "items": [{"id", "title", "points", ` +
      `"tests": ["describe name prefix", ...], "partial"?: true, "bonus"?: true}], "timeLimit"?: s, "testTimeLimit"?: s}; ` +
      `see grading/README.md.`,
  );
}

/** Parses and checks a rubric object; `file` names it in errors. */
export function parseRubric(data: unknown, file: string): Rubric {
  if (!isRecord(data)) fail(file, 'the file does not hold a JSON object.');
  const { exercise, title, items, timeLimit, testTimeLimit } = data;
  if (typeof exercise !== 'string' || !/^\d\d-[a-z0-9-]+$/.test(exercise)) fail(file, `"exercise" must be the folder name such as "01-he-init", got ${JSON.stringify(exercise)}.`);
  if (typeof title !== 'string' || title.trim() === '') fail(file, '"title" must be a non-empty string.');
  if (timeLimit !== undefined && (typeof timeLimit !== 'number' || !(timeLimit > 0))) fail(file, `"timeLimit" must be a number of seconds > 0, got ${JSON.stringify(timeLimit)}.`);
  if (testTimeLimit !== undefined && (typeof testTimeLimit !== 'number' || !(testTimeLimit > 0))) fail(file, `"testTimeLimit" must be a number of seconds > 0, got ${JSON.stringify(testTimeLimit)}.`);
  if (!Array.isArray(items) || items.length === 0) fail(file, '"items" must be a non-empty array.');
  const ids = new Set<string>();
  const parsed = items.map((raw, i): RubricItem => {
    const where = `items[${i}]`;
    if (!isRecord(raw)) fail(file, `${where} is not an object.`);
    const { id, title: itemTitle, points, bonus, partial, tests } = raw;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(id)) fail(file, `${where}.id must be a short identifier (letters, digits, - _ .), got ${JSON.stringify(id)}.`);
    if (ids.has(id)) fail(file, `${where}.id "${id}" is used twice.`);
    ids.add(id);
    if (typeof itemTitle !== 'string' || itemTitle.trim() === '') fail(file, `${where}.title must be a non-empty string.`);
    if (typeof points !== 'number' || !Number.isFinite(points) || points <= 0) fail(file, `${where}.points must be a number > 0, got ${JSON.stringify(points)}.`);
    if (bonus !== undefined && typeof bonus !== 'boolean') fail(file, `${where}.bonus must be true or false.`);
    if (partial !== undefined && typeof partial !== 'boolean') fail(file, `${where}.partial must be true or false.`);
    if (!Array.isArray(tests) || tests.length === 0 || !tests.every((t) => typeof t === 'string' && t.trim() !== '')) {
      fail(file, `${where}.tests must be a non-empty array of title prefixes.`);
    }
    return { id, title: itemTitle, points, bonus: bonus === true, partial: partial === true, tests: tests as string[] };
  });
  return { exercise, title, items: parsed, ...(timeLimit === undefined ? {} : { timeLimit: timeLimit }) };
}

export function loadRubric(file: string): Rubric {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KitError(`${file} could not be read as JSON: ${(err as Error).message}. Fix the file (it is the exercise's rubric).`);
  }
  return parseRubric(data, file);
}

/**
 * Does `pattern` name the test whose title path (describe names, then the test name) is `title`?
 * The pattern is split on " › " like the title; each of its segments must be a prefix of the title's
 * segment at the same place. So "part 2" matches everything in `describe('part 2 (4 pts): …')`, and
 * "part 2 › heNormal" everything in a nested `describe('heNormal')` there. A pattern without " › " is
 * a plain prefix of the first segment — the kit's original format, unchanged.
 */
export function matchesPattern(pattern: string, title: readonly string[]): boolean {
  const parts = pattern.split(TITLE_SEPARATOR);
  if (parts.length > title.length) return false;
  return parts.every((p, i) => title[i]!.startsWith(p));
}

export function itemMatches(item: RubricItem, title: readonly string[]): boolean {
  return item.tests.some((p) => matchesPattern(p, title));
}

export interface RubricProblem {
  kind: 'unmatched-test' | 'ambiguous-test' | 'empty-item';
  message: string;
}

/** Checks a rubric against the titles of every test of the exercise: each test in exactly one item, no empty item. */
export function checkCoverage(rubric: Rubric, titles: readonly (readonly string[])[]): RubricProblem[] {
  const problems: RubricProblem[] = [];
  const counts = new Map<string, number>(rubric.items.map((i) => [i.id, 0]));
  for (const title of titles) {
    const hits = rubric.items.filter((i) => itemMatches(i, title));
    const name = title.join(TITLE_SEPARATOR);
    if (hits.length === 0) problems.push({ kind: 'unmatched-test', message: `test "${name}" matches no rubric item` });
    if (hits.length > 1) problems.push({ kind: 'ambiguous-test', message: `test "${name}" matches ${hits.length} items (${hits.map((h) => h.id).join(', ')})` });
    for (const h of hits) counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
  }
  for (const item of rubric.items) {
    if (counts.get(item.id) === 0) problems.push({ kind: 'empty-item', message: `item "${item.id}" matches no test` });
  }
  return problems;
}

/** The item a test belongs to (the first match; `checkCoverage` guarantees there is exactly one). */
export function itemOf(rubric: Rubric, title: readonly string[]): RubricItem | undefined {
  return rubric.items.find((i) => itemMatches(i, title));
}

export function totals(rubric: Rubric): { points: number; bonus: number } {
  let points = 0;
  let bonus = 0;
  for (const i of rubric.items) {
    if (i.bonus) bonus += i.points;
    else points += i.points;
  }
  return { points, bonus };
}

/** Score of one item: all-or-nothing, or proportional when partial. */
export function itemScore(item: RubricItem, passed: number, matched: number): number {
  if (matched === 0) return 0;
  if (item.partial) return roundScore((item.points * passed) / matched);
  return passed === matched ? item.points : 0;
}

/** Scores are reported to 4 decimals so that 2/3 · 3 is 2, not 2.0000000000000004. */
export function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
