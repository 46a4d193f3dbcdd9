import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { hashStubs, PRISTINE_FILE, pristineStubHashes, untouchedExercises } from './pristine.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-pristine-'));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
}

const stubs = {
  'exercises/01-a/a.ts': "export function f(): number {\n  // YOUR CODE HERE\n  throw new NotImplemented('f');\n}\n",
  'exercises/02-b/b.ts': "import { f } from '../01-a/a.ts';\nexport const g = (): number => f();\n",
  'exercises/03-c/c.ts': "export function h(): number {\n  throw new NotImplemented('h');\n}\n",
  'exercises/04-d/d.ts': 'export const k = 1;\n',
};
const pristine = hashStubs(Object.entries(stubs).map(([exercise, text]) => ({ exercise, text })));

describe('untouchedExercises: which exercises of a target are stubs exactly as generated', () => {
  const exercisesDir = path.join(tmp, 'kit', 'exercises');
  write(path.join(tmp, 'kit'), stubs);
  // A test that reaches another exercise's file at run time counts as importing from it too.
  write(path.join(tmp, 'kit'), { 'exercises/04-d/d.test.ts': "const a = await import('../01-a/a.ts');\n" });

  it('all of them in an untouched copy; an edit takes out that exercise and those importing from it', () => {
    const target = path.join(tmp, 'copy');
    write(target, Object.fromEntries(Object.entries(stubs).map(([rel, text]) => [rel.replace(/^exercises\//, ''), text])));
    expect(untouchedExercises(target, exercisesDir, pristine)).toEqual(['01-a', '02-b', '03-c', '04-d']);
    fs.appendFileSync(path.join(target, '02-b', 'b.ts'), '// started\n');
    expect(untouchedExercises(target, exercisesDir, pristine)).toEqual(['01-a', '03-c', '04-d']);
    fs.appendFileSync(path.join(target, '01-a', 'a.ts'), '// started\n');
    expect(untouchedExercises(target, exercisesDir, pristine)).toEqual(['03-c']);
    fs.rmSync(path.join(target, '03-c', 'c.ts'));
    expect(untouchedExercises(target, exercisesDir, pristine)).toEqual([]);
  });
});

describe('pristineStubHashes: where the hashes come from', () => {
  it('the student release reads the shipped list, and has none without it', async () => {
    const root = path.join(tmp, 'release');
    const never = (): Promise<never> => Promise.reject(new Error('the release cannot generate stubs'));
    expect(await pristineStubHashes(root, never)).toBeUndefined();
    write(root, { [PRISTINE_FILE]: JSON.stringify(pristine) });
    expect(await pristineStubHashes(root, never)).toEqual(pristine);
  });

  it("the instructor's kit generates them from solutions/ once, then reads its cache until solutions/ changes", async () => {
    const root = path.join(tmp, 'instructor');
    write(root, { 'solutions/01-a/a.ts': 'export function f(): number {\n  return 1;\n}\n' });
    let calls = 0;
    const generate = (): Promise<{ exercise: string; text: string }[]> => {
      calls++;
      return Promise.resolve(Object.entries(stubs).map(([exercise, text]) => ({ exercise, text })));
    };
    const cache = path.join(root, 'cache.json');
    expect(await pristineStubHashes(root, generate, cache)).toEqual(pristine);
    expect(await pristineStubHashes(root, generate, cache)).toEqual(pristine);
    expect(calls).toBe(1);
    fs.appendFileSync(path.join(root, 'solutions', '01-a', 'a.ts'), '// changed\n');
    await pristineStubHashes(root, generate, cache);
    expect(calls).toBe(2);
    // solutions/ that do not generate: no shortcut at all.
    fs.appendFileSync(path.join(root, 'solutions', '01-a', 'a.ts'), '// again\n');
    expect(await pristineStubHashes(root, () => Promise.reject(new Error('bad region')), cache)).toBeUndefined();
  });
});

describe('vitest.config.ts: shared workers for untouched stubs only', () => {
  async function listed(env: NodeJS.ProcessEnv): Promise<string[]> {
    const full: NodeJS.ProcessEnv = { ...process.env, CI: '1', ...env };
    if (env['KIT_TARGET'] === undefined) Reflect.deleteProperty(full, 'KIT_TARGET');
    const { stdout } = await promisify(execFile)(path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['list', '--dir', 'exercises', '--filesOnly'], { cwd: REPO_ROOT, env: full });
    return stdout.split('\n').filter((l) => l.includes('.test.ts'));
  }

  it('KIT_TARGET=solutions: every test file in a worker of its own, exactly as before (no projects)', async () => {
    const lines = await listed({ KIT_TARGET: 'solutions' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('['))).toEqual([]);
  }, 60_000);

  it('a copy with 02 started: 02 and the exercises importing from it (03, 04, 08) stay isolated', async () => {
    const copy = path.join(tmp, 'started');
    fs.cpSync(path.join(REPO_ROOT, 'exercises'), copy, { recursive: true });
    fs.appendFileSync(path.join(copy, '02-mlp', 'mlp.ts'), '// started\n');
    const lines = await listed({ KIT_TARGET: copy });
    const shared = lines.filter((l) => l.startsWith('[untouched stubs] ')).map((l) => l.split(' ')[2]!.split('/')[1]);
    for (const id of ['02-mlp', '03-hyperparam-tuning', '04-final-training', '08-loss-landscape']) {
      expect(shared, id).not.toContain(id);
      expect(lines.some((l) => l.startsWith('[isolated] ') && l.includes(`/${id}/`)), id).toBe(true);
    }
    expect(shared).toContain('01-he-init');
  }, 60_000);
});
