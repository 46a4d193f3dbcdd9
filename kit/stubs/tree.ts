import fs from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { stubFromSolution } from './generate.ts';
import { filesBelow, posixRelative } from '#kit/files';

export interface PlannedStub {
  /** Repo-relative path of the reference file. */
  solution: string;
  /** Repo-relative path of the stub students edit. */
  exercise: string;
  text: string;
  functions: string[];
}

export interface Drift {
  file: string;
  problem: 'missing' | 'differs' | 'orphan';
}

const isTest = (f: string): boolean => /\.(test|spec)\.ts$/.test(f);
/** Files under exercises/ written by hand rather than generated. */
const isHandWritten = (rel: string): boolean =>
  isTest(rel) || rel.endsWith('.md') || rel.split('/').includes('fixtures');


/** Every stub that `solutions/` implies, computed in memory. */
export function planStubs(root = REPO_ROOT): PlannedStub[] {
  const solutionsDir = path.join(root, 'solutions');
  return filesBelow(solutionsDir)
    .filter((f) => f.endsWith('.ts'))
    .map((file) => {
      const solution = posixRelative(root, file);
      if (isTest(file)) {
        throw new KitError(
          `${solution} is a test file inside solutions/. Tests live beside the stubs in exercises/ so the ` +
            `same file runs against every target; move it to ${solution.replace(/^solutions\//, 'exercises/')}.`,
        );
      }
      const { text, functions } = stubFromSolution(fs.readFileSync(file, 'utf8'), solution);
      return { solution, exercise: solution.replace(/^solutions\//, 'exercises/'), text, functions };
    });
}

/** Differences between `exercises/` on disk and what `solutions/` generates. */
export function findDrift(root = REPO_ROOT, plan = planStubs(root)): Drift[] {
  const drift: Drift[] = [];
  const planned = new Set(plan.map((p) => p.exercise));
  for (const p of plan) {
    const file = path.join(root, p.exercise);
    if (!fs.existsSync(file)) drift.push({ file: p.exercise, problem: 'missing' });
    else if (fs.readFileSync(file, 'utf8') !== p.text) drift.push({ file: p.exercise, problem: 'differs' });
  }
  for (const file of filesBelow(path.join(root, 'exercises'))) {
    const r = posixRelative(root, file);
    if (!planned.has(r) && !isHandWritten(r)) drift.push({ file: r, problem: 'orphan' });
  }
  return drift;
}

/** Writes every planned stub; returns the files that changed. */
export function writeStubs(root = REPO_ROOT, plan = planStubs(root)): string[] {
  const changed: string[] = [];
  for (const p of plan) {
    const file = path.join(root, p.exercise);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === p.text) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, p.text);
    fs.renameSync(tmp, file);
    changed.push(p.exercise);
  }
  return changed;
}
