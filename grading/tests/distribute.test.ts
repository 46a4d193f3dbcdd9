/**
 * What leaves the kit, tried for real: the student release (its `npm test` fails only on the stubs;
 * progress and hint work; it type-checks on its own) and the Gradescope autograder (unzipped into an
 * emulated /autograder, setup.sh and run_autograder run as Gradescope runs them). node_modules is
 * linked rather than installed to keep this fast; `npm ci` in a release was checked by hand (see
 * grading/README.md).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { relativeFilesBelow } from '#kit/files';
import { stripOmitted } from '../lib/distribute.ts';
import { ZipReader } from '../lib/zip.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-distribute-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: string } {
  // verify runs these tests with KIT_TARGET=solutions; a student's release has no solutions.
  const inherited = { ...process.env };
  delete inherited['KIT_TARGET'];
  const r = spawnSync(cmd, args, { cwd, env: { ...inherited, CI: '1', ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const files = relativeFilesBelow;

describe('README for the release', () => {
  it('drops the parts marked release:omit', () => {
    expect(stripOmitted('a\n<!-- release:omit -->\nsecret\n<!-- /release:omit -->\nb\n')).toBe('a\nb\n');
  });
});

describe('the student release (npm run release)', () => {
  const dest = path.join(tmp, 'release');
  beforeAll(() => {
    const r = sh(tsx, ['scripts/release.ts', dest], REPO_ROOT);
    expect(r.status, r.out).toBe(0);
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dest, 'node_modules'));
  }, 120_000);

  it('holds no solutions, hidden tests, rubric or grader, and only the student scripts', () => {
    const list = files(dest).filter((f) => !f.startsWith('node_modules'));
    expect(list.filter((f) => /^(solutions|grading|bench|\.ci)\//.test(f) || f.includes('.hidden.') || f.endsWith('rubric.json'))).toEqual([]);
    const scripts = list.filter((f) => f.startsWith('scripts/'));
    expect(scripts).toEqual(expect.arrayContaining(['scripts/data.ts', 'scripts/hint.ts', 'scripts/progress.ts', 'scripts/vitest-json.ts']));
    expect(scripts.filter((f) => /(verify|grade|release|package-gradescope|build-exercises)\.ts$/.test(f) || f.endsWith('.test.ts'))).toEqual([]);
    const pkg = JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['data', 'hint', 'lint', 'progress', 'test', 'typecheck', 'watch']));
    for (const s of ['verify', 'build:exercises', 'new-exercise', 'bench', 'grade', 'package:gradescope', 'release']) expect(pkg.scripts[s]).toBeUndefined();
    // Every script left runs a file that ships.
    for (const command of Object.values(pkg.scripts)) {
      const file = /^tsx\s+(\S+)/.exec(command)?.[1];
      if (file !== undefined) expect(fs.existsSync(path.join(dest, file)), command).toBe(true);
    }
    for (const f of list.filter((x) => x.startsWith('exercises/') && x.endsWith('.ts'))) {
      expect(fs.readFileSync(path.join(dest, f), 'utf8'), f).not.toMatch(/BEGIN SOLUTION/);
    }
    expect(fs.readFileSync(path.join(dest, 'README.md'), 'utf8')).not.toMatch(/npm run grade|KIT_TARGET=solutions|bench\//);
  });

  it('npm test fails, and only because the stubs throw NotImplemented', () => {
    const json = path.join(tmp, 'release-test.json');
    const r = sh(path.join(dest, 'node_modules', '.bin', 'vitest'), ['run', '--dir', 'exercises', '--reporter=json', `--outputFile.json=${json}`], dest);
    expect(r.status).not.toBe(0);
    const data = JSON.parse(fs.readFileSync(json, 'utf8')) as { testResults: Array<{ assertionResults: Array<{ status: string; failureMessages: string[] }> }> };
    const tests = data.testResults.flatMap((f) => f.assertionResults);
    expect(tests.length).toBeGreaterThan(0);
    for (const t of tests) {
      expect(t.status).toBe('failed');
      expect(t.failureMessages.join('\n')).toMatch(/NotImplemented/);
    }
  }, 300_000);

  it('type-checks on its own, and progress and hint work there', () => {
    const tsc = sh(path.join(dest, 'node_modules', '.bin', 'tsc'), ['--noEmit'], dest);
    expect(tsc.status, tsc.out).toBe(0);
    const progress = sh(path.join(dest, 'node_modules', '.bin', 'tsx'), ['scripts/progress.ts', '01'], dest);
    expect(progress.status, progress.out).toBe(0);
    expect(progress.out).toMatch(/01-he-init +0\/[1-9]\d* +0\/10 \+ 0\/5 bonus +not started/);
    const hint = sh(path.join(dest, 'node_modules', '.bin', 'tsx'), ['scripts/hint.ts', '01', 'heNormal'], dest);
    expect(hint.out).toMatch(/## heNormal[^]*fan-in/);
    fs.rmSync(path.join(dest, 'exercises', '01-he-init', 'hints.md'));
    expect(sh(path.join(dest, 'node_modules', '.bin', 'tsx'), ['scripts/hint.ts', '01'], dest).out).toMatch(/has no hints yet/);
  }, 300_000);
});

// An autograder for exercise 01's assignment only (--only): what a course uploads per problem, and it
// keeps this test from grading the seven stubbed exercises besides.
describe('the Gradescope autograder (npm run package:gradescope -- --only 01), in an emulated /autograder', () => {
  const root = path.join(tmp, 'autograder');
  const zip = path.join(tmp, 'autograder.zip');

  function grade(submission: Record<string, string>): { results: { score: number; output: string; tests: unknown[] }; out: string } {
    const sub = path.join(root, 'submission');
    fs.rmSync(sub, { recursive: true, force: true });
    fs.rmSync(path.join(root, 'results'), { recursive: true, force: true });
    for (const [rel, text] of Object.entries(submission)) {
      fs.mkdirSync(path.dirname(path.join(sub, rel)), { recursive: true });
      fs.writeFileSync(path.join(sub, rel), text);
    }
    fs.mkdirSync(sub, { recursive: true });
    const r = sh(path.join(root, 'run_autograder'), [], root, { AUTOGRADER_ROOT: root });
    expect(r.status, r.out).toBe(0);
    return { results: JSON.parse(fs.readFileSync(path.join(root, 'results', 'results.json'), 'utf8')) as never, out: r.out };
  }

  beforeAll(() => {
    const r = sh(tsx, ['scripts/package-gradescope.ts', '--only', '01', '--out', zip], REPO_ROOT);
    expect(r.status, r.out).toBe(0);
    const source = path.join(root, 'source');
    const reader = ZipReader.open(zip);
    const modes = new Map(reader.members.map((m) => [m.name, m.mode]));
    reader.close();
    for (const [name, data] of Object.entries(unzipSync(new Uint8Array(fs.readFileSync(zip))))) {
      const f = path.join(source, name);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, data);
      fs.chmodSync(f, modes.get(name) || 0o644);
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(source, 'node_modules'));
    const setup = sh(path.join(source, 'setup.sh'), [], source, { AUTOGRADER_ROOT: root, DLKIT_SKIP_NPM_CI: '1' });
    expect(setup.status, setup.out).toBe(0);
  }, 300_000);

  it('ships no solutions, and setup.sh and run_autograder at the top, executable', () => {
    const list = files(path.join(root, 'source')).filter((f) => !f.startsWith('node_modules'));
    expect(list.filter((f) => f.startsWith('solutions/') || f === '.git')).toEqual([]);
    expect(list).toContain('grading/01-he-init/rubric.json');
    expect(list.some((f) => f.startsWith('grading/.tests/01-he-init-'))).toBe(true);
    expect(list.filter((f) => f.startsWith('grading/.tests/')).every((f) => f.startsWith('grading/.tests/01-he-init-'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'source', 'grading', 'gradescope', 'only'), 'utf8').trim()).toBe('01-he-init');
    expect(fs.statSync(path.join(root, 'run_autograder')).mode & 0o111).not.toBe(0);
    expect(fs.statSync(path.join(root, 'source', 'grading')).mode & 0o077).toBe(0);
  });

  it('grades a drag-and-drop upload of the two reference files to full marks', () => {
    const sol = (f: string): string => fs.readFileSync(path.join(REPO_ROOT, 'solutions', '01-he-init', f), 'utf8');
    const { results } = grade({ 'he-init.ts': sol('he-init.ts'), 'relu-network.ts': sol('relu-network.ts') });
    expect(results.score, results.output).toBe(15);
    expect(results.tests.length).toBeGreaterThan(0);
    // Nothing but exercise 01 was graded.
    expect(JSON.stringify(results.tests)).not.toMatch(/0[2-8]-[a-z]/);
  }, 600_000);

  it('grades a half-done upload to the points it earned (relu-network.ts right, he-init.ts untouched)', () => {
    const { results } = grade({ 'exercises/01-he-init/relu-network.ts': fs.readFileSync(path.join(REPO_ROOT, 'solutions', '01-he-init', 'relu-network.ts'), 'utf8') });
    expect(results.score, results.output).toBe(2);
  }, 600_000);

  it('writes a zero when the grader itself cannot grade (a broken rubric): a plain sentence for the student, the reason in the output only staff see', () => {
    const rubric = path.join(root, 'source', 'grading', '01-he-init', 'rubric.json');
    const good = fs.readFileSync(rubric, 'utf8');
    fs.writeFileSync(rubric, '{ not json');
    try {
      const { results, out } = grade({});
      expect(results.score).toBe(0);
      expect(results.output).toMatch(/could not grade this submission: the grader failed on its side/);
      expect(results.output).not.toMatch(/rubric\.json/);
      expect(out).toMatch(/rubric\.json could not be read as JSON/);
    } finally {
      fs.writeFileSync(rubric, good);
    }
  }, 600_000);
});
