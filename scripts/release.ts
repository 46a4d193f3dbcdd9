/**
 * `npm run release -- <dir>`: writes the student version of the kit into <dir> (see
 * grading/lib/distribute.ts for what it holds), checks that nothing in it gives a solution, a hidden
 * test or the grader away (the rubrics' public part ships as exercises/points.json), and says how to try it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { runMain } from '#kit/report';
import { hashStubs, PRISTINE_FILE } from '#kit/target';
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
  // The hashes of the stubs as shipped: npm test runs the tests of untouched exercises in shared workers
  // (kit/target/pristine.ts), and the release has no solutions/ to compute them from.
  const stubs = plan
    .filter((f) => /^exercises\/\d\d-[^/]+\/[^/]+\.ts$/.test(f.rel) && !f.rel.endsWith('.test.ts'))
    .map((f) => ({ exercise: f.rel, text: f.content !== undefined ? String(f.content) : fs.readFileSync(f.from!, 'utf8') }));
  plan.push({ rel: PRISTINE_FILE, content: `${JSON.stringify(hashStubs(stubs), null, 2)}\n` });
  writePlan(plan, dest);
  const problems = checkRelease(dest, REPO_ROOT);
  if (problems.length > 0) {
    fs.rmSync(dest, { recursive: true, force: true });
    throw new KitError(`The release would give things away, so it was not written:\n  ${problems.join('\n  ')}`);
  }
  // exercises/points.json ships (npm run progress shows points from it): what it holds is said, not denied.
  console.log(
    `Wrote the student release (${plan.length} files) to ${dest}: no solutions/, no hidden tests, no grader; ` +
      'the rubrics\' public part (items, points, test-name prefixes) is in exercises/points.json, for npm run progress.',
  );
  const shown = path.relative(process.cwd(), dest);
  console.log(`Try it: cd ${shown.startsWith('..') ? dest : shown} && npm ci && npm test   (fails on the stubs only), npm run progress, npm run hint -- 01`);
  return 0;
}

await runMain(main);
