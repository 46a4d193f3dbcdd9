/**
 * `npm run package:gradescope [-- --only 02,03,04] [-- --out <file.zip>]`: the Gradescope autograder zip —
 * the kit without solutions/, with the grader, rubrics, hidden tests and the reference test lists, plus
 * setup.sh and run_autograder at its top (see grading/README.md, "Gradescope"). `--only` makes an
 * autograder for one assignment (a problem's exercises), which grades nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { zipSync, type Zippable } from 'fflate';
import { REPO_ROOT } from '#kit/errors';
import { EXERCISE_ID, exerciseIds, resolveExerciseList } from '#kit/exercises';
import { runMain } from '#kit/report';
import { autograderPlan, GRADESCOPE_ONLY_FILE } from '../grading/lib/distribute.ts';
import { Grader } from '../grading/lib/grade.ts';

/**
 * Whether a file of the kit belongs in the autograder: not the grader's own tests and tamper suite
 * (grading/tests/) nor the kit's and the scripts' tests, which no container runs; with `--only`, not the
 * rubrics and hidden tests of the exercises it does not grade (an assignment's zip must not hand out the
 * next assignment's hidden tests). exercises/ ships whole: 08's tests import 02's stub files.
 */
function shipsInAutograder(rel: string, only: readonly string[] | undefined): boolean {
  const [top, second] = rel.split('/');
  if (top === 'grading' && second !== undefined && EXERCISE_ID.test(second)) return only === undefined || only.includes(second);
  if (top === 'grading' && second === 'tests') return false;
  return top === 'exercises' || !/\.(test|spec)\.[cm]?[jt]s$/.test(rel);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, only: { type: 'string' } } });
  const only = values.only === undefined ? undefined : resolveExerciseList(exerciseIds(REPO_ROOT), values.only);
  const name = only === undefined ? 'dlkit-autograder.zip' : `dlkit-autograder-${only.map((id) => id.slice(0, 2)).join('-')}.zip`;
  const out = path.resolve(values.out ?? path.join(REPO_ROOT, 'out', 'gradescope', name));
  // Checks every rubric against its tests, and lists the tests once so that no container has to.
  const grader = await Grader.create({ ...(only ? { only } : {}), log: (l) => { console.log(l); } });
  const lists = grader.referenceCacheFiles();
  const skipped = grader.skipped;
  grader.close();
  const extra = lists.map((l) => ({ rel: `grading/.tests/${l.name}`, content: l.content }));
  // run_autograder reads this file and passes it on as --only.
  if (only !== undefined) extra.push({ rel: GRADESCOPE_ONLY_FILE, content: `${only.join(',')}\n` });
  const plan = autograderPlan(REPO_ROOT, extra).filter((f) => shipsInAutograder(f.rel, only));
  const files: Zippable = {};
  for (const f of plan) {
    const data = f.from !== undefined ? fs.readFileSync(f.from) : Buffer.from(f.content ?? '');
    // Unix permissions in the zip (run_autograder and setup.sh must stay executable).
    files[f.rel] = [new Uint8Array(data), { os: 3, attrs: ((f.mode ?? 0o644) | 0o100000) << 16 }];
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, zipSync(files, { level: 6 }));
  for (const s of skipped) console.log(`not graded (no rubric): ${s.id}`);
  console.log(`Wrote ${out} (${(fs.statSync(out).size / 1024 ** 2).toFixed(1)} MB, ${plan.length} files, no solutions/).`);
  console.log(`It grades ${only === undefined ? 'every exercise' : only.join(', ')}.`);
  console.log('Upload it as the autograder of a Gradescope programming assignment (base image Ubuntu 22.04); students submit their');
  console.log('exercise files (or a zip of their kit). Test it first: see grading/README.md, "Trying the autograder locally".');
  return 0;
}

await runMain(main);
