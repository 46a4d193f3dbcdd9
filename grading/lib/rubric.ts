/**
 * Rubrics: `grading/NN-name/rubric.json` gives the points of an exercise per item, each item a set of
 * tests named by title prefixes (format in grading/README.md).
 */
import fs from 'node:fs';
import { KitError } from '#kit/errors';
import { matchesPattern, TITLE_SEPARATOR, type PointsItem } from '#kit/points';

// The matching and scoring rules live in kit/ (npm run progress applies them too); the grader's modules
// take them from here.
export { itemScore, matchesPattern, roundScore, TITLE_SEPARATOR } from '#kit/points';

/** An item of the rubric: the public part (#kit/points) and the id reports and Gradescope use. */
export interface RubricItem extends PointsItem {
  id: string;
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
  return {
    exercise, title, items: parsed,
    ...(timeLimit === undefined ? {} : { timeLimit }),
    ...(testTimeLimit === undefined ? {} : { testTimeLimit }),
  };
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
