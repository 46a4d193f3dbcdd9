/**
 * The points table students see in `npm run progress`: each exercise's rubric items (title, points,
 * bonus, partial, title prefixes), without anything hidden. In the instructor's kit it is read from
 * `grading/NN-name/rubric.json`; the student release ships it as `exercises/points.json` (written by
 * `npm run release`), because the release has no grading/ folder.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PointsItem {
  title: string;
  points: number;
  bonus: boolean;
  partial: boolean;
  tests: string[];
}

export type PointsTable = Record<string, { title: string; items: PointsItem[] }>;

const SEPARATOR = ' › ';

/**
 * The grader's matching rule (grading/lib/rubric.ts `matchesPattern`), repeated here so that the
 * student release needs nothing from grading/; a test checks that the two agree.
 */
export function matches(pattern: string, title: readonly string[]): boolean {
  const parts = pattern.split(SEPARATOR);
  return parts.length <= title.length && parts.every((p, i) => title[i]!.startsWith(p));
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
