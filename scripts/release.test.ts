/**
 * The student release's texts are true for the release (issue 16, item 3): it has no solutions/ and no
 * grader, so nothing in it may promise them or tell the student to run `KIT_TARGET=solutions`. A release
 * is written to a temporary folder, with node_modules linked rather than installed. (What it holds and
 * that its tests fail on the stubs: grading/tests/distribute.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { relativeFilesBelow } from '#kit/files';
import { targetHint } from '#kit/target';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-release-'));
const dest = path.join(tmp, 'release');
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  const inherited = { ...process.env };
  Reflect.deleteProperty(inherited, 'KIT_TARGET');
  const r = spawnSync(cmd, args, { cwd, env: { ...inherited, CI: '1', ...env }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const bin = (name: string): string => path.join(REPO_ROOT, 'node_modules', '.bin', name);
let written = '';

beforeAll(() => {
  const r = sh(bin('tsx'), ['scripts/release.ts', dest], REPO_ROOT);
  expect(r.status, r.out).toBe(0);
  written = r.out;
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dest, 'node_modules'));
}, 120_000);

describe('the student release says only what is true of it', () => {
  it('README and package.json promise no reference solutions or grader', () => {
    const readme = fs.readFileSync(path.join(dest, 'README.md'), 'utf8');
    const pkg = JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')) as { description?: string };
    // The promise of the instructor's kit, and any pointer to its solutions/ folder.
    for (const text of [readme, pkg.description ?? '']) expect(text).not.toMatch(/reference solutions and an auto-?grader|come with it|`solutions\/`/i);
    expect(pkg.description ?? '').not.toMatch(/solution|grader/i);
    expect(pkg.description).toMatch(/stubs to fill in/);
  });

  it('no file tells the student to run KIT_TARGET=solutions (only kit/target, which answers it, names it)', () => {
    const offenders = relativeFilesBelow(dest)
      .filter((f) => !f.startsWith('node_modules') && !f.startsWith('data/') && !f.startsWith('kit/target/') && /\.(md|ts|json|js)$/.test(f))
      .filter((f) => fs.readFileSync(path.join(dest, f), 'utf8').includes('KIT_TARGET=solutions'));
    expect(offenders).toEqual([]);
  });

  it('ships exercises/points.json and says what it holds, rather than "no rubric"', () => {
    expect(fs.existsSync(path.join(dest, 'exercises', 'points.json'))).toBe(true);
    expect(written).toMatch(/exercises\/points\.json/);
    expect(written).not.toMatch(/no rubric/);
  });

  it('ships the hashes of its stubs, so that its first npm test runs the untouched exercises in shared workers', () => {
    expect(fs.existsSync(path.join(dest, 'exercises', 'pristine-stubs.json'))).toBe(true);
    const listed = sh(path.join(dest, 'node_modules', '.bin', 'vitest'), ['list', '--dir', 'exercises', '--filesOnly'], dest);
    const lines = listed.out.split('\n').filter((l) => l.includes('.test.ts'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => !l.startsWith('[untouched stubs] '))).toEqual([]);
  }, 60_000);

  it("npm test's banner offers KIT_TARGET=<folder> only, and KIT_TARGET=solutions there is one paragraph saying why not", () => {
    expect(targetHint(dest)).not.toMatch(/solutions/);
    expect(targetHint(REPO_ROOT)).toMatch(/KIT_TARGET=solutions/);
    const plain = sh(path.join(dest, 'node_modules', '.bin', 'vitest'), ['run', '--dir', 'exercises', '99'], dest);
    expect(plain.out).toContain(`dlkit: testing exercises/  (${targetHint(dest)})`);
    const solutions = sh(path.join(dest, 'node_modules', '.bin', 'vitest'), ['run', '--dir', 'exercises', '01'], dest, { KIT_TARGET: 'solutions' });
    expect(solutions.status).toBe(2);
    expect(solutions.out.trim()).toMatch(/^error: KIT_TARGET=solutions names the reference solutions, but this copy of the kit has no solutions\/ folder[^\n]*$/);
  }, 60_000);
});
