/**
 * What an assignment's autograder zip carries (`npm run package:gradescope -- --only 01`): the rubric and
 * hidden tests of the exercises it grades and no others, and neither the grader's tests nor its tamper
 * suite. (That the zip grades, in an emulated /autograder: grading/tests/distribute.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { ZipReader } from '../grading/lib/zip.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-gradescope-'));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function members(only: string): string[] {
  const zip = path.join(tmp, `autograder-${only}.zip`);
  const env = { ...process.env, CI: '1' };
  Reflect.deleteProperty(env, 'KIT_TARGET');
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/package-gradescope.ts', '--only', only, '--out', zip], { cwd: REPO_ROOT, env, encoding: 'utf8' });
  expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  const reader = ZipReader.open(zip);
  const names = reader.members.map((m) => m.name);
  reader.close();
  return names;
}

describe('npm run package:gradescope -- --only 01', () => {
  it('carries 01\'s rubric and hidden tests only, and no grader tests or tamper suite', () => {
    const names = members('01');
    const graded = names.filter((n) => /^grading\/\d\d-/.test(n)).map((n) => n.split('/')[1]);
    expect([...new Set(graded)]).toEqual(['01-he-init']);
    expect(names).toEqual(expect.arrayContaining(['grading/01-he-init/rubric.json', 'grading/01-he-init/he-init.hidden.test.ts', 'setup.sh', 'run_autograder']));
    expect(names.filter((n) => n.startsWith('grading/tests/'))).toEqual([]);
    // The only tests in it are the ones the grader runs: every exercise's public tests (08's import 02's files), 01's hidden ones.
    const tests = names.filter((n) => /\.test\.ts$/.test(n));
    expect(tests.filter((n) => !n.startsWith('exercises/') && !n.startsWith('grading/01-he-init/'))).toEqual([]);
    for (const id of exerciseIds(REPO_ROOT)) expect(names.some((n) => n.startsWith(`exercises/${id}/`)), id).toBe(true);
  }, 120_000);
});
