/**
 * `npm run build:exercises` writes what is generated in exercises/ and the READMEs: the student stubs
 * from solutions/, and the points (each exercise README's title and points table, the top README's
 * points column) from the rubrics. `npm run build:exercises -- --check` writes nothing: it reports
 * drift and every incomplete exercise (scripts/exercise-check.ts), and exits 1 if there is any.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { runMain } from '#kit/report';
import { findDrift, planStubs, writeStubs } from '#kit/stubs';
import { loadRubric, type Rubric } from '../grading/lib/rubric.ts';
import { checkExercises, formatProblems } from './exercise-check.ts';
import { renderExerciseReadme, renderTopReadme } from './points-docs.ts';

/** The rubrics that parse (a broken one is the check's to report). */
function rubrics(): Map<string, Rubric> {
  const out = new Map<string, Rubric>();
  for (const id of exerciseIds(REPO_ROOT)) {
    const file = path.join(REPO_ROOT, 'grading', id, 'rubric.json');
    try {
      if (fs.existsSync(file)) out.set(id, loadRubric(file));
    } catch {
      // reported by --check, with the file and the fix
    }
  }
  return out;
}

/** Rewrites the points the READMEs state from the rubrics; returns the files it changed. */
function writePoints(): string[] {
  const changed: string[] = [];
  const write = (rel: string, render: (text: string) => string): void => {
    const file = path.join(REPO_ROOT, rel);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    const next = render(text);
    if (next !== text) {
      fs.writeFileSync(file, next);
      changed.push(rel);
    }
  };
  const all = rubrics();
  for (const [id, rubric] of all) write(`exercises/${id}/README.md`, (t) => renderExerciseReadme(t, rubric));
  write('README.md', (t) => renderTopReadme(t, all));
  return changed;
}

function check(): number {
  const plan = planStubs();
  const drift = findDrift(undefined, plan);
  let failed = false;
  if (drift.length === 0) {
    console.log(`exercises/ matches solutions/ (${plan.length} stub files, ` +
      `${plan.reduce((n, p) => n + p.functions.length, 0)} functions to implement).`);
  } else {
    const what = { missing: 'is missing', differs: 'differs from what solutions/ generates', orphan: 'has no source in solutions/' };
    for (const d of drift) console.error(`  ${d.file} ${what[d.problem]}`);
    console.error(
      `\nThe stubs in exercises/ have drifted from solutions/ (${drift.length} file(s) above). solutions/ is the ` +
        `source of truth: edit the reference there, then run \`npm run build:exercises\` to regenerate the stubs ` +
        `(delete orphans by hand, or add their source to solutions/).`,
    );
    failed = true;
  }
  const problems = checkExercises(REPO_ROOT);
  if (problems.length === 0) {
    console.log(`Every exercise is complete (${exerciseIds(REPO_ROOT).length}): rubric, hints, public and hidden tests the rubric covers, points only where the rubric generates them.`);
  } else {
    console.error(`\n${formatProblems(problems)}`);
    failed = true;
  }
  return failed ? 1 : 0;
}

function main(): number {
  if (process.argv.includes('--check')) return check();
  const plan = planStubs();
  const changed = writeStubs(undefined, plan);
  for (const f of changed) console.log(`  wrote ${f}`);
  console.log(`${changed.length} of ${plan.length} stub files updated.`);
  const points = writePoints();
  for (const f of points) console.log(`  wrote the points of ${f} (from its rubric)`);
  return 0;
}

await runMain(main);
