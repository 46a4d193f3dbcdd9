/**
 * `npm run grade -- <submission>`: grades one submission (a folder or a .zip) or, given a folder of
 * them, a class. See grading/README.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KitError, REPO_ROOT } from '#kit/errors';
import { EXERCISE_ID, exerciseIds, resolveExerciseList } from '#kit/exercises';
import { paint, runMain } from '#kit/report';
import { gradeClass, listSubmissions, safeName, type BatchEvent } from '../grading/lib/batch.ts';
import { Grader } from '../grading/lib/grade.ts';
import { classroomResults, failedResults, GRADER_FAILED, gradescopeResults, renderTable, writeJson } from '../grading/lib/results.ts';

const USAGE = `usage: npm run grade -- <submission folder or .zip> [options]
       npm run grade -- <folder of submissions> [--class] [options]

options:
  --results <file>     Gradescope results.json (one submission; default out/grading/<name>/results.json)
  --out <dir>          where a class's files go (default out/grading/class-<folder>)
  --jobs <n>           exercise runs at once (default: ${os.availableParallelism()}, the number of cores)
  --only <ids>         only these exercises, e.g. --only 01,02-mlp
  --time-limit <s>     wall time per exercise run, overriding the rubrics (default 1800 s)
  --test-time-limit <s> wall time per test, overriding the rubrics (default 600 s)
  --memory-mb <n>      memory per exercise run, all processes (default 4096)
  --class              treat the folder as a folder of submissions
  --single             treat it as one submission (what Gradescope's run_autograder says)
  --github-classroom   also emit the GitHub Classroom reporter payload (to $GITHUB_OUTPUT as "result")
  --sandbox <mode>     none: no isolation; no-namespaces: no bubblewrap, only the run user (as in a Docker container); debugging only
  --keep               keep the temporary workspaces (debugging)`;

function isClassFolder(dir: string): boolean {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  const looksLikeSubmission = entries.some((e) =>
    (e.isDirectory() && (e.name === 'exercises' || EXERCISE_ID.test(e.name))) || (e.isFile() && e.name.endsWith('.ts')));
  // Two or more folders/zips and nothing that looks like exercise files: a class. One wrapped folder is a submission.
  return !looksLikeSubmission && listSubmissions(dir).length > 1;
}

function progressPrinter(): (e: BatchEvent) => void {
  const tty = process.stdout.isTTY && process.env['CI'] === undefined;
  let started = Date.now();
  return (e) => {
    if (e.type === 'start') {
      started = Date.now();
      console.log(`Grading ${e.total} submission(s)...`);
    } else if (e.type === 'done') {
      const r = e.report;
      const secs = (Date.now() - started) / 1000;
      const eta = (secs / e.index) * (e.total - e.index);
      const bonus = r.maxBonus > 0 ? ` + ${r.bonus}/${r.maxBonus} bonus` : '';
      const what = r.error !== undefined ? paint('red', `error: ${r.error.split('\n')[0]!}`) : `${Math.round((r.score - r.bonus) * 100) / 100}/${r.maxScore}${bonus}`;
      const line = `[${e.index}/${e.total}] ${r.name}: ${what}  (${r.seconds.toFixed(1)} s; ETA ${Math.round(eta)} s)`;
      if (tty) process.stdout.write(`\r\x1b[2K${line}\n`);
      else console.log(line);
    } else {
      console.log(`Done in ${e.seconds.toFixed(1)} s.`);
    }
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      results: { type: 'string' },
      out: { type: 'string' },
      jobs: { type: 'string' },
      only: { type: 'string' },
      'time-limit': { type: 'string' },
      'test-time-limit': { type: 'string' },
      'memory-mb': { type: 'string' },
      class: { type: 'boolean' },
      single: { type: 'boolean' },
      'github-classroom': { type: 'boolean' },
      sandbox: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true || positionals.length !== 1) {
    console.log(USAGE);
    return values.help === true ? 0 : 2;
  }
  const source = path.resolve(positionals[0]!);
  const number = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) throw new KitError(`--${name} ${v} is not a positive number.`);
    return n;
  };
  const jobs = number('jobs', values.jobs) ?? os.availableParallelism();
  const only = values.only === undefined ? undefined : resolveExerciseList(exerciseIds(REPO_ROOT), values.only);
  const classMode = values.class === true
    || (values.single !== true && fs.existsSync(source) && fs.statSync(source).isDirectory() && isClassFolder(source));
  const name = safeName(path.basename(source).replace(/\.zip$/i, ''));
  const resultsFile = path.resolve(values.results ?? path.join(REPO_ROOT, 'out', 'grading', name, 'results.json'));
  if (!classMode) writeJson(resultsFile, failedResults('grading did not finish'));

  let grader: Grader;
  try {
    grader = await Grader.create({
      jobs,
      ...(only ? { only } : {}),
      ...(values['time-limit'] ? { timeLimit: number('time-limit', values['time-limit'])! } : {}),
      ...(values['test-time-limit'] ? { testTimeLimit: number('test-time-limit', values['test-time-limit'])! } : {}),
      ...(values['memory-mb'] ? { memoryMb: number('memory-mb', values['memory-mb'])! } : {}),
      sandbox: values.sandbox === 'none' || values.sandbox === 'no-namespaces' ? values.sandbox : 'auto',
      ...(values.keep === true ? { keep: true } : {}),
      log: (l) => { console.log(paint('dim', l)); },
    });
  } catch (err) {
    // The student sees results.json; why the grader could not start (a broken rubric, a missing tool)
    // is for the staff, who read this command's output (Gradescope keeps it hidden from students).
    if (!classMode) writeJson(resultsFile, failedResults(GRADER_FAILED));
    throw err;
  }
  try {
    for (const s of grader.skipped) console.log(paint('yellow', `not graded: ${s.id} (${s.why})`));
    for (const n of grader.notes) console.log(n.startsWith('WARNING') ? paint('yellow', n) : paint('dim', n));
    if (classMode) {
      const out = path.resolve(values.out ?? path.join(REPO_ROOT, 'out', 'grading', `class-${name}`));
      fs.mkdirSync(out, { recursive: true });
      const reports = await gradeClass(grader, source, { out, concurrency: jobs, progress: progressPrinter() });
      console.log(`\nWrote ${reports.length} results files to ${path.join(out, 'results')}/ (reports beside them in reports/), and gradebook.csv, pass-rates.csv and summary.txt (every table) in ${out}.`);
      return 0;
    }
    const report = await grader.grade(source);
    writeJson(resultsFile, report.error === undefined ? gradescopeResults(report) : failedResults(report.error, report.seconds));
    writeJson(path.join(path.dirname(resultsFile), 'report.json'), report);
    console.log(`\n${renderTable(report, { width: process.stdout.columns ?? 120 })}`);
    console.log(paint('dim', `\nGraded in ${report.seconds.toFixed(1)} s. Wrote ${resultsFile} (Gradescope) and report.json beside it.`));
    if (values['github-classroom'] === true) {
      const payload = Buffer.from(JSON.stringify(classroomResults(report))).toString('base64');
      const out = process.env['GITHUB_OUTPUT'];
      if (out !== undefined) fs.appendFileSync(out, `result=${payload}\n`);
      else console.log(`result=${payload}`);
    }
    return report.error === undefined ? 0 : 1;
  } finally {
    grader.close();
  }
}

await runMain(main);
