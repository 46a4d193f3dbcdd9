/**
 * `npm run build:exercises` writes the student stubs in exercises/ from solutions/;
 * `npm run build:exercises -- --check` only reports drift (and exits 1 if there is any).
 */
import { runMain } from '#kit/report';
import { findDrift, planStubs, writeStubs } from '#kit/stubs';

function main(): number {
  const check = process.argv.includes('--check');
  const plan = planStubs();
  if (check) {
    const drift = findDrift(undefined, plan);
    if (drift.length === 0) {
      console.log(`exercises/ matches solutions/ (${plan.length} stub files, ` +
        `${plan.reduce((n, p) => n + p.functions.length, 0)} functions to implement).`);
      return 0;
    }
    const what = { missing: 'is missing', differs: 'differs from what solutions/ generates', orphan: 'has no source in solutions/' };
    for (const d of drift) console.error(`  ${d.file} ${what[d.problem]}`);
    console.error(
      `\nThe stubs in exercises/ have drifted from solutions/ (${drift.length} file(s) above). solutions/ is the ` +
        `source of truth: edit the reference there, then run \`npm run build:exercises\` to regenerate the stubs ` +
        `(delete orphans by hand, or add their source to solutions/).`,
    );
    return 1;
  }
  const changed = writeStubs(undefined, plan);
  for (const f of changed) console.log(`  wrote ${f}`);
  console.log(`${changed.length} of ${plan.length} stub files updated.`);
  return 0;
}

await runMain(main);
