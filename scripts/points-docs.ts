/**
 * Where the READMEs state points, generated from the rubric (`grading/NN-name/rubric.json`, the one
 * source of points): the exercise README's title, `# NN — Topic (10 points + 5 bonus)`, its points table
 * between the markers below, and the points column of the top README's exercise table.
 * `npm run build:exercises` rewrites them; its `--check` (in `npm run verify`) refuses a README that
 * disagrees. Text around the numbers stays the author's: "10 (+1 bonus with CIFAR-10)" is kept as long
 * as its numbers agree.
 */
import { TITLE_SEPARATOR } from '#kit/points';
import type { Rubric } from '../grading/lib/rubric.ts';
import { totals } from '../grading/lib/rubric.ts';

export const POINTS_BEGIN = '<!-- points: generated from the rubric by `npm run build:exercises`; edit grading/NN-name/rubric.json, not this table -->';
export const POINTS_END = '<!-- /points -->';

const fmt = (x: number): string => String(Math.round(x * 1e4) / 1e4);

/** "10 points + 5 bonus", "6 points", "1 point". */
export function pointsPhrase(rubric: Rubric): string {
  const t = totals(rubric);
  return `${fmt(t.points)} point${t.points === 1 ? '' : 's'}${t.bonus > 0 ? ` + ${fmt(t.bonus)} bonus` : ''}`;
}

/** The top README's points cell: "10 + 5 bonus", "6". */
export function pointsCell(rubric: Rubric): string {
  const t = totals(rubric);
  return `${fmt(t.points)}${t.bonus > 0 ? ` + ${fmt(t.bonus)} bonus` : ''}`;
}

/** The numbers a README states: the first number is the points, one before "bonus" the bonus. */
export function parsePoints(text: string): { points: number; bonus: number } | undefined {
  const points = /\d+(?:\.\d+)?/.exec(text);
  if (points === null) return undefined;
  const bonus = /(\d+(?:\.\d+)?)\s*bonus/.exec(text.slice(points.index + points[0].length));
  return { points: Number(points[0]), bonus: bonus === null ? 0 : Number(bonus[1]) };
}

const agrees = (stated: { points: number; bonus: number } | undefined, rubric: Rubric): boolean => {
  const t = totals(rubric);
  return stated !== undefined && stated.points === t.points && stated.bonus === t.bonus;
};

const cell = (s: string): string => s.replaceAll('|', '\\|').replace(/\s+/g, ' ').trim();

/** The points table: one row per rubric item, in the rubric's order, with how it is scored. */
export function pointsTable(rubric: Rubric): string {
  const rows = rubric.items.map((i) =>
    `| ${cell(i.title)} | ${fmt(i.points)}${i.bonus ? ' bonus' : ''} | ${i.partial ? 'shared by its tests' : 'all or nothing'} |`);
  const t = totals(rubric);
  const total = `**${fmt(t.points)}${t.bonus > 0 ? ` + ${fmt(t.bonus)} bonus` : ''}**`;
  return ['| item | points | scored |', '| --- | --- | --- |', ...rows, `| | ${total} | |`].join('\n');
}

/** A title, a describe name or a README line that states points: "(2 pts)", "(1 pt)", "(3 points)", "4 pts". */
export const STATED_POINTS = /\(\s*\d+(?:\.\d+)?\s*(?:pts?|points?)\b[^)]*\)|\b\d+(?:\.\d+)?\s*pts?\b/i;

export interface ReadmeProblem {
  /** 1-based line, 0 for the file as a whole. */
  line: number;
  message: string;
}

/** The README with its title's points and its points table made to agree with the rubric. */
export function renderExerciseReadme(text: string, rubric: Rubric): string {
  const lines = text.split('\n');
  const title = lines[0] ?? '';
  if (title.startsWith('# ')) {
    const group = /\(([^()]*\bpoints?\b[^()]*)\)\s*$/.exec(title);
    if (group === null) lines[0] = `${title.trimEnd()} (${pointsPhrase(rubric)})`;
    else if (!agrees(parsePoints(group[1]!), rubric)) lines[0] = `${title.slice(0, group.index)}(${pointsPhrase(rubric)})`;
  }
  const out = lines.join('\n');
  const begin = out.indexOf(POINTS_BEGIN);
  const end = out.indexOf(POINTS_END);
  if (begin < 0 || end < begin) return out;
  // Blank lines around the table: a markdown renderer must not read it as part of the comment's HTML block.
  return `${out.slice(0, begin + POINTS_BEGIN.length)}\n\n${pointsTable(rubric)}\n\n${out.slice(end)}`;
}

/**
 * What is wrong with an exercise README's points (none when it agrees with the rubric): a title without
 * them or with other numbers, no generated table or an outdated one, points stated elsewhere (a
 * heading's "(2 pts)", which would drift from the rubric).
 */
export function readmePointsProblems(text: string, rubric: Rubric): ReadmeProblem[] {
  const problems: ReadmeProblem[] = [];
  const lines = text.split('\n');
  const title = lines[0] ?? '';
  const group = /\(([^()]*\bpoints?\b[^()]*)\)\s*$/.exec(title);
  if (!title.startsWith('# ') || group === null) {
    problems.push({ line: 1, message: `the first line must be the title with the points, "# NN — Topic (${pointsPhrase(rubric)})"; run \`npm run build:exercises\` to add them` });
  } else if (!agrees(parsePoints(group[1]!), rubric)) {
    problems.push({ line: 1, message: `the title says "${group[1]!}", the rubric gives ${pointsPhrase(rubric)}; run \`npm run build:exercises\` to rewrite it` });
  }
  const begin = text.indexOf(POINTS_BEGIN);
  const end = text.indexOf(POINTS_END);
  if (begin < 0 || end < begin) {
    problems.push({ line: 0, message: `it has no generated points table: put the two lines\n    ${POINTS_BEGIN}\n    ${POINTS_END}\n  under its "## Points" heading (in place of a hand-written table) and run \`npm run build:exercises\`` });
  } else if (renderExerciseReadme(text, rubric) !== text) {
    problems.push({ line: text.slice(0, begin).split('\n').length, message: 'its points table is not the one the rubric gives; run `npm run build:exercises` to regenerate it (edit the rubric, not the table)' });
  }
  let inTable = false;
  lines.forEach((l, i) => {
    if (l.includes(POINTS_BEGIN)) inTable = true;
    if (i > 0 && !inTable && STATED_POINTS.test(l)) {
      problems.push({ line: i + 1, message: `states points ("${STATED_POINTS.exec(l)![0]}") outside the title and the generated table, where they would drift from the rubric; remove them` });
    }
    if (l.includes(POINTS_END)) inTable = false;
  });
  return problems;
}

/** The row of exercise `id` in the top README's exercise table, and its points cell. */
function topRow(text: string, id: string): { line: number; cells: string[] } | undefined {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`| \`${id}\` |`));
  if (i < 0) return undefined;
  // Split on unescaped pipes; the first and last are the row's borders.
  const cells = lines[i]!.split(/(?<!\\)\|/).slice(1, -1);
  return { line: i, cells };
}

/** The top README with each exercise's points cell made to agree with its rubric (a cell that agrees keeps its wording). */
export function renderTopReadme(text: string, rubrics: ReadonlyMap<string, Rubric>): string {
  const lines = text.split('\n');
  for (const [id, rubric] of rubrics) {
    const row = topRow(text, id);
    if (row === undefined) continue;
    const last = row.cells.length - 1;
    if (agrees(parsePoints(row.cells[last]!), rubric)) continue;
    row.cells[last] = ` ${pointsCell(rubric)} `;
    lines[row.line] = `|${row.cells.join('|')}|`;
  }
  return lines.join('\n');
}

/** What is wrong with exercise `id`'s row of the top README: missing, or points that disagree with the rubric. */
export function topReadmeProblem(text: string, id: string, rubric: Rubric): ReadmeProblem | undefined {
  const row = topRow(text, id);
  if (row === undefined) {
    return { line: 0, message: `the exercise table has no row for ${id}: add "| \`${id}\` | <topic, one sentence> | ${pointsCell(rubric)} |" in number order` };
  }
  const cellText = row.cells[row.cells.length - 1]!.trim();
  if (!agrees(parsePoints(cellText), rubric)) {
    return { line: row.line + 1, message: `the points of ${id} say "${cellText}", the rubric gives ${pointsPhrase(rubric)}; run \`npm run build:exercises\` to rewrite the cell` };
  }
  return undefined;
}

/** A describe or test title that states points, which belong in the rubric alone. */
export function titleStatesPoints(title: readonly string[]): string | undefined {
  const joined = title.join(TITLE_SEPARATOR);
  return STATED_POINTS.exec(joined)?.[0];
}
