/**
 * What the grader writes: the per-exercise table people read, Gradescope's results.json, GitHub
 * Classroom's reporter payload, and for a class the gradebook and per-test pass rates (CSV).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExerciseReport, ItemResult, SubmissionReport } from './report.ts';
import { roundScore } from './rubric.ts';
import { cleanStrings, cleanText } from './sanitize.ts';

/**
 * What a student is told when the grader failed on its side (a bug, a full disk, a missing tool): the
 * raw error means nothing to them and may show the grader's internals, so it goes to report.json only.
 */
export const GRADER_FAILED = 'the grader failed on its side (not because of anything in your submission); the course staff have the details and will grade it again';

// ---- the table ----------------------------------------------------------------------------------

const fmt = (x: number): string => String(roundScore(x));

function cell(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

function shorten(s: string, max: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The per-exercise table plus notes, as plain text (escape sequences and control characters removed). */
export function renderTable(report: SubmissionReport, options: { width?: number } = {}): string {
  const r = cleanStrings(report);
  const width = options.width ?? 120;
  const lines: string[] = [];
  const bonus = r.maxBonus > 0 ? ` + ${fmt(r.bonus)} / ${fmt(r.maxBonus)} bonus` : '';
  lines.push(`${r.name}: ${fmt(r.score - r.bonus)} / ${fmt(r.maxScore)} points${bonus}`);
  if (r.error !== undefined) {
    lines.push('', `The grader could not grade this submission: ${r.error}`, 'Score: 0. Nothing was held against the submission; fix the cause above and grade it again.');
    return lines.join('\n');
  }
  const anySkipped = r.exercises.some((e) => e.skipped > 0);
  const head = ['exercise', 'points', 'bonus', 'passed', 'failed', 'errored', ...(anySkipped ? ['skipped'] : []), 'first failure'];
  const rows = r.exercises.map((e) => [
    e.id,
    `${fmt(e.points)}/${fmt(e.maxPoints)}`,
    e.maxBonus > 0 ? `${fmt(e.bonus)}/${fmt(e.maxBonus)}` : '–',
    String(e.passed),
    String(e.failed),
    String(e.errored),
    ...(anySkipped ? [String(e.skipped)] : []),
    e.reason ?? '',
  ]);
  const widths = head.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const used = widths.reduce((a, b) => a + b + 2, 0);
  lines.push('');
  lines.push(head.map((h, i) => (i < widths.length ? cell(h, widths[i]!) : h)).join('  '));
  for (const row of rows) {
    lines.push(row.map((c, i) => (i < widths.length ? cell(c, widths[i]!) : shorten(c, Math.max(30, width - used)))).join('  '));
  }
  for (const e of r.exercises) {
    if (e.status === 'compile-error' && e.fatal.length > 1) {
      lines.push('', `${e.id} could not run:`);
      for (const f of e.fatal.slice(0, 5)) lines.push(`  ${f.file}${f.line > 0 ? `:${f.line}` : ''}: ${shorten(f.message, 200)}`);
    }
    if (e.warnings.length > 0) {
      lines.push('', `${e.id}: type errors in your code (not graded, but worth fixing):`);
      for (const w of e.warnings.slice(0, 5)) lines.push(`  ${w.file}:${w.line}: ${shorten(w.message, 160)}`);
      if (e.warnings.length > 5) lines.push(`  … and ${e.warnings.length - 5} more`);
    }
  }
  if (r.problems.length > 0) {
    lines.push('', 'About the submission:');
    for (const p of r.problems) lines.push(`  ${shorten(p, 400)}`);
  }
  // A whole clone is the documented way to hand in: its other files are fine and only counted; what
  // is listed is what may be a mistake (a file the kit does not have, a near miss of an exercise file).
  const kitFiles = r.kitFiles ?? 0;
  if (kitFiles > 0) {
    lines.push('', `Took the ${r.used.length} exercise file(s) you edit from your clone of the kit; its other ${kitFiles} file(s) (tests, READMEs, the kit itself) are not read, as expected.`);
  }
  if (r.ignoredCount > 0) {
    const shown = r.ignored.slice(0, 8).map((i) => shorten(`${i.path} (${i.why})`, 200)).join(', ');
    const more = r.ignoredCount > 8 ? `, and ${r.ignoredCount - 8} more` : '';
    const what = kitFiles > 0 ? 'Not part of the kit, so not graded' : 'Not graded (only the .ts files you edit in exercises/NN-name/ are)';
    lines.push('', `${what}: ${shown}${more}.`);
  }
  // Which sandbox level graded it (the first of the grader's notes names it; see grading/README.md).
  const level = /^sandbox: (\w+)/.exec(r.sandbox[0] ?? '')?.[1];
  if (level !== undefined) lines.push('', `Graded in the ${level} sandbox.`);
  return lines.join('\n');
}

// ---- Gradescope -----------------------------------------------------------------------------------

export interface GradescopeTest {
  name: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: 'visible' | 'after_published';
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  visibility: 'visible';
  stdout_visibility: 'hidden';
  tests: GradescopeTest[];
}

function failures(e: ExerciseReport, item: ItemResult, hidden: boolean): string {
  if (e.status === 'compile-error' || e.status === 'tampered') return e.reason ?? '';
  const failed = e.tests.filter((t) => t.item === item.id && t.hidden === hidden && t.status !== 'passed');
  const lines = failed.slice(0, 10).map((t) => `✗ ${t.title.join(' › ')}\n    ${t.reason ?? t.status}`);
  if (failed.length > 10) lines.push(`… and ${failed.length - 10} more`);
  if (lines.length === 0) return 'all tests passed';
  return lines.join('\n');
}

/**
 * Gradescope's results.json. Each rubric item becomes a visible entry for its public tests and an
 * `after_published` entry for its hidden tests, and the points shown follow the item's rule: a partial
 * item's points are shared by its tests, so each entry carries its tests' share; an all-or-nothing
 * item's points are not split (a 2-point item is not 1.4286 + 0.5714: no test is worth a share of
 * it), so its first entry carries them all and the hidden one none. The entries add up to the item's
 * score either way. Bonus entries have max_score 0 (Gradescope shows them as extra credit).
 */
export function gradescopeResults(report: SubmissionReport): GradescopeResults {
  const r = cleanStrings(report);
  const tests: GradescopeTest[] = [];
  for (const e of r.exercises) {
    for (const item of e.items) {
      const hiddenMatched = item.matched - item.publicMatched;
      const hiddenPassed = item.passed - item.publicPassed;
      const share = (n: number): number => (item.matched === 0 ? 0 : (item.points * n) / item.matched);
      const name = `${e.id} › ${item.title}${item.bonus ? ' (bonus)' : ''}`;
      const parts: Array<[boolean, number, number]> = [[false, item.publicPassed, item.publicMatched], [true, hiddenPassed, hiddenMatched]];
      const present = parts.filter(([, , matched]) => matched > 0);
      for (const [hidden, passed, matched] of present) {
        // All or nothing: the whole item on its first entry (the public one when there is one).
        const carries = item.partial || present[0]![0] === hidden;
        const possible = item.partial ? share(matched) : carries ? item.points : 0;
        const earned = e.status === 'tampered' ? 0 : item.partial ? share(passed) : carries ? item.earned : 0;
        const rule = !item.partial && present.length > 1 && !hidden
          ? `\nAll or nothing: the item's ${fmt(item.points)} point(s) also need its ${hiddenMatched} hidden test(s), whose results show once the grades are published.`
          : '';
        tests.push({
          name: hidden ? `${name} — hidden tests` : name,
          score: roundScore(earned),
          max_score: item.bonus ? 0 : roundScore(possible),
          status: passed === matched && e.status !== 'tampered' ? 'passed' : 'failed',
          output: `${passed} of ${matched} ${hidden ? 'hidden ' : ''}tests passed.${rule}\n${failures(e, item, hidden)}`,
          visibility: hidden ? 'after_published' : 'visible',
        });
      }
    }
  }
  return {
    score: roundScore(r.score),
    execution_time: Math.round(r.seconds),
    output: renderTable(r),
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests,
  };
}

/** The results.json for a grader that could not grade at all. */
export function failedResults(reason: string, seconds = 0): GradescopeResults {
  return {
    score: 0,
    execution_time: Math.round(seconds),
    output: `The grader could not grade this submission: ${cleanText(reason)}\nScore: 0 until it is graded again; nothing was held against the submission.`,
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: [],
  };
}

/**
 * Writes JSON atomically (a reader never sees half a file). Its strings are cleaned on the way: what
 * is written here (results.json, report.json) is shown by Gradescope or read in a terminal.
 */
export function writeJson(file: string, data: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(cleanStrings(data), null, 2)}\n`);
  fs.renameSync(tmp, file);
}

// ---- GitHub Classroom -----------------------------------------------------------------------------

/** The payload GitHub Classroom's autograding-grading-reporter reads (base64 in `<RUNNER>_RESULTS`). */
export function classroomResults(report: SubmissionReport): unknown {
  const r = cleanStrings(report);
  const tests = r.exercises.flatMap((e) => e.items.map((item) => ({
    name: `${e.id} › ${item.title}${item.bonus ? ' (bonus)' : ''}`,
    status: item.earned === item.points ? 'pass' : 'fail',
    score: item.earned,
    message: item.earned === item.points ? '' : (e.reason ?? `${item.passed} of ${item.matched} tests passed`),
    test_code: '',
    filename: '',
    line_no: 0,
    execution_time: `${e.seconds.toFixed(1)}s`,
  })));
  return {
    version: 1,
    status: r.error !== undefined ? 'error' : tests.every((t) => t.status === 'pass') ? 'pass' : 'fail',
    max_score: r.maxScore,
    tests,
  };
}

// ---- a class --------------------------------------------------------------------------------------

function csvCell(v: string | number): string {
  // A text cell starting with = + - @ is a formula to a spreadsheet (a student's name or an error
  // message could compute things in the instructor's gradebook): a leading ' keeps it text.
  const s = typeof v === 'string' ? cleanText(v).replace(/^[=+\-@]/, "'$&") : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** One row per student: total, bonus, then points (and bonus, status) per exercise. */
export function gradebook(reports: readonly SubmissionReport[]): string {
  const ids = [...new Set(reports.flatMap((r) => r.exercises.map((e) => e.id)))].sort();
  const withBonus = new Set(reports.flatMap((r) => r.exercises.filter((e) => e.maxBonus > 0).map((e) => e.id)));
  const header = ['student', 'total', 'bonus', ...ids.flatMap((id) => [id, ...(withBonus.has(id) ? [`${id} bonus`] : []), `${id} status`]), 'error'];
  const rows = reports.map((r) => [
    r.name,
    roundScore(r.score - r.bonus),
    r.bonus,
    ...ids.flatMap((id) => {
      const e = r.exercises.find((x) => x.id === id);
      return [e?.points ?? 0, ...(withBonus.has(id) ? [e?.bonus ?? 0] : []), e?.status ?? (r.error ? 'error' : 'missing')];
    }),
    r.error ?? '',
  ]);
  return toCsv([header, ...rows]);
}

/** Per test: how many of the class's submissions passed it. */
export function passRates(reports: readonly SubmissionReport[]): string {
  const stats = new Map<string, { exercise: string; file: string; test: string; hidden: boolean; passed: number; total: number }>();
  for (const r of reports) {
    for (const e of r.exercises) {
      for (const t of e.tests) {
        const key = `${e.id}\u0000${t.file}\u0000${t.title.join(' › ')}`;
        const s = stats.get(key) ?? { exercise: e.id, file: t.file, test: t.title.join(' › '), hidden: t.hidden, passed: 0, total: 0 };
        s.total++;
        if (t.status === 'passed') s.passed++;
        stats.set(key, s);
      }
    }
  }
  const rows = [...stats.values()].map((s) => [s.exercise, s.file, s.test, s.hidden ? 'hidden' : 'public', s.passed, s.total, (s.passed / s.total).toFixed(3)]);
  return toCsv([['exercise', 'file', 'test', 'kind', 'passed', 'submissions', 'rate'], ...rows]);
}
