/**
 * The public half of the rubrics, and the rules that turn test results into points: how a rubric
 * item names its tests (title prefixes) and what an item earns (all or nothing, or shared by its
 * tests). The grader (grading/lib/rubric.ts, grading/lib/scoring.ts) and `npm run progress` both use
 * these, so a student's progress and their grade cannot disagree on the rule; it lives in kit/
 * because the student release ships kit/ but not grading/.
 *
 * In the instructor's kit the table is read from `grading/NN-name/rubric.json`; the student release
 * ships it as `exercises/points.json` (written by `npm run release`).
 */
import fs from 'node:fs';
import path from 'node:path';

/** Separator between the describe names and the test name in a title path (vitest's own). */
export const TITLE_SEPARATOR = ' › ';

export interface PointsItem {
  title: string;
  points: number;
  /** Kept apart from the regular points (the homework's bonus questions). */
  bonus: boolean;
  /** points × passed / matched instead of all or nothing. */
  partial: boolean;
  /** Title-path prefixes; see `matchesPattern`. */
  tests: string[];
}

export type PointsTable = Record<string, { title: string; items: PointsItem[] }>;

/**
 * Does `pattern` name the test whose title path (describe names, then the test name) is `title`?
 * The pattern is split on " › " like the title; each of its segments must be a prefix of the title's
 * segment at the same place. So "part 2" matches everything in `describe('part 2: …')`, and
 * "part 2 › heNormal" everything in a nested `describe('heNormal')` there. A pattern without " › " is
 * a plain prefix of the first segment — the kit's original rubric format, unchanged.
 */
export function matchesPattern(pattern: string, title: readonly string[]): boolean {
  const parts = pattern.split(TITLE_SEPARATOR);
  if (parts.length > title.length) return false;
  return parts.every((p, i) => title[i]!.startsWith(p));
}

/** Scores are reported to 4 decimals so that 2/3 · 3 is 2, not 2.0000000000000004. */
export function roundScore(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * What one item earns when `passed` of its `matched` tests pass: all or nothing by default (what makes
 * hidden tests bite: code fitted to the public tests' numbers loses the whole item), shared equally by
 * its tests when the item is `partial`.
 */
export function itemScore(item: Pick<PointsItem, 'points' | 'partial'>, passed: number, matched: number): number {
  if (matched === 0) return 0;
  if (item.partial) return roundScore((item.points * passed) / matched);
  return passed === matched ? item.points : 0;
}

/** The table from the rubrics (instructor's kit) or from exercises/points.json (student release). */
export function loadPoints(root: string): PointsTable {
  const shipped = path.join(root, 'exercises', 'points.json');
  const gradingDir = path.join(root, 'grading');
  const table: PointsTable = {};
  if (fs.existsSync(gradingDir)) {
    for (const id of fs.readdirSync(gradingDir).sort()) {
      const file = path.join(gradingDir, id, 'rubric.json');
      if (!fs.existsSync(file)) continue;
      try {
        const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { title?: string; items?: Array<Partial<PointsItem>> };
        table[id] = {
          title: r.title ?? id,
          items: (r.items ?? []).map((i) => ({
            title: i.title ?? '',
            points: i.points ?? 0,
            bonus: i.bonus === true,
            partial: i.partial === true,
            tests: i.tests ?? [],
          })),
        };
      } catch {
        // an unreadable rubric: progress shows the exercise without points (the grader reports the error)
      }
    }
    return table;
  }
  if (fs.existsSync(shipped)) return JSON.parse(fs.readFileSync(shipped, 'utf8')) as PointsTable;
  return table;
}
