/**
 * Grading a class: every submission in a folder (sub-folders and .zip files), several at a time, one
 * results file per student, a gradebook and per-test pass rates. A submission that breaks anything
 * becomes a zero with the reason in its own results; the batch goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Grader } from './grade.ts';
import type { SubmissionReport } from './report.ts';
import { failedResults, GRADER_FAILED, gradebook, gradescopeResults, passRates, renderTable, writeJson } from './results.ts';
import { cleanStrings } from './sanitize.ts';

export interface BatchOptions {
  out: string;
  /** Submissions graded at once (their exercise runs share the grader's slots). */
  concurrency: number;
  progress?: (event: BatchEvent) => void;
}

export type BatchEvent =
  | { type: 'start'; total: number }
  | { type: 'done'; index: number; total: number; report: SubmissionReport }
  | { type: 'end'; seconds: number };

/** Sub-folders and .zip files of `dir`, sorted by name (hidden entries left out). */
export function listSubmissions(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || (d.isFile() && /\.zip$/i.test(d.name))))
    .map((d) => path.join(dir, d.name))
    .sort();
}

/** A file name for a student that cannot escape the output folder. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]+/g, '_').replace(/^\.+/, '_').slice(0, 100) || 'submission';
}

export async function gradeClass(grader: Grader, dir: string, options: BatchOptions): Promise<SubmissionReport[]> {
  const t0 = Date.now();
  const sources = listSubmissions(dir);
  const reports: SubmissionReport[] = new Array<SubmissionReport>(sources.length);
  options.progress?.({ type: 'start', total: sources.length });
  const names = new Map<string, number>();
  const fileNames = sources.map((s) => {
    const base = safeName(path.basename(s).replace(/\.zip$/i, ''));
    const n = names.get(base) ?? 0;
    names.set(base, n + 1);
    return n === 0 ? base : `${base}-${n + 1}`;
  });
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const i = next++;
      const source = sources[i]!;
      const resultsFile = path.join(options.out, 'results', `${fileNames[i]!}.json`);
      writeJson(resultsFile, failedResults('grading did not finish'));
      let report: SubmissionReport;
      try {
        report = await grader.grade(source, { hide: [dir, options.out] });
      } catch (err) {
        // grade() reports its own failures; this is a last line of defence so the batch goes on.
        report = {
          name: path.basename(source), source, score: 0, maxScore: 0, bonus: 0, maxBonus: 0, exercises: [], used: [], ignored: [],
          ignoredCount: 0, problems: [], sandbox: [], seconds: 0, error: GRADER_FAILED, graderError: String((err as Error).stack ?? err),
        };
      }
      // Everything below prints or writes it (progress line, results, gradebook, summary): cleaned once here too.
      report = cleanStrings(report);
      writeJson(resultsFile, report.error === undefined ? gradescopeResults(report) : failedResults(report.error, report.seconds));
      writeJson(path.join(options.out, 'reports', `${fileNames[i]!}.json`), report);
      reports[i] = report;
      done++;
      options.progress?.({ type: 'done', index: done, total: sources.length, report });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, sources.length)) }, worker));
  fs.writeFileSync(path.join(options.out, 'gradebook.csv'), gradebook(reports));
  fs.writeFileSync(path.join(options.out, 'pass-rates.csv'), passRates(reports));
  fs.writeFileSync(path.join(options.out, 'summary.txt'), `${reports.map((r) => renderTable(r)).join('\n\n')}\n`);
  options.progress?.({ type: 'end', seconds: (Date.now() - t0) / 1000 });
  return reports;
}
