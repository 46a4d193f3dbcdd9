/**
 * `npm run release -- <dir>`: writes the student version of the kit into <dir> (see
 * grading/lib/distribute.ts for what it holds), checks that nothing in it gives a solution, a hidden
 * test or the rubric away, and says how to try it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { runMain } from '#kit/report';
import { checkRelease, releasePlan, writePlan } from '../grading/lib/distribute.ts';

function main(): number {
  const args = process.argv.slice(2);
  const target = args.find((a) => !a.startsWith('--'));
  if (target === undefined) {
    console.log('usage: npm run release -- <dir> [--force]   writes the student version of the kit into <dir>');
    return 2;
  }
  const dest = path.resolve(target);
  if (dest === REPO_ROOT || REPO_ROOT.startsWith(dest + path.sep)) throw new KitError(`${dest} is (or holds) this kit: give an empty folder elsewhere.`);
  if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) {
    if (!args.includes('--force')) throw new KitError(`${dest} is not empty. Give an empty or new folder, or add --force to replace its contents.`);
    fs.rmSync(dest, { recursive: true, force: true });
  }
  const plan = releasePlan(REPO_ROOT);
  writePlan(plan, dest);
  const problems = checkRelease(dest, REPO_ROOT);
  if (problems.length > 0) {
    fs.rmSync(dest, { recursive: true, force: true });
    throw new KitError(`The release would give things away, so it was not written:\n  ${problems.join('\n  ')}`);
  }
  console.log(`Wrote the student release (${plan.length} files) to ${dest}: no solutions/, no hidden tests, no rubric, no grader.`);
  const shown = path.relative(process.cwd(), dest);
  console.log(`Try it: cd ${shown.startsWith('..') ? dest : shown} && npm ci && npm test   (fails on the stubs only), npm run progress, npm run hint -- 01`);
  return 0;
}

await runMain(main);
