import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';

const run = promisify(execFile);

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tsx scripts/run.ts <args>` as `npm run` starts it, with `env` added. */
async function runScript(args: string[], env: Record<string, string> = {}): Promise<Output> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, KIT_PROGRESS: '0', ...env };
  if (env.KIT_TARGET === undefined) Reflect.deleteProperty(childEnv, 'KIT_TARGET');
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/run.ts', ...args], {
      cwd: REPO_ROOT,
      env: childEnv,
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** Relative imports of a file, followed through scripts/ (what a command pulls in). */
function reachesExerciseCode(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
  for (const m of text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)) {
    // A template a script writes out (new-exercise's skeleton) is text, not an import of the script.
    if (m[1]!.includes('${')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
    // (bench/ imports solutions/ on purpose: the reference's speed, whatever KIT_TARGET says.)
    if (target.startsWith('exercises/')) return true;
    if (target.startsWith('scripts/') && target.endsWith('.ts') && reachesExerciseCode(target, seen)) return true;
  }
  return false;
}

describe('every npm command that runs exercise code starts through scripts/run.ts', () => {
  it('package.json: a command whose file is or imports exercise code is `tsx scripts/run.ts <file>`', () => {
    const direct: string[] = [];
    let routed = 0;
    for (const [name, command] of Object.entries(pkg.scripts)) {
      const m = /^tsx\s+(?:scripts\/run\.ts\s+)?(\S+\.ts)\b/.exec(command);
      if (m === null) continue;
      const file = m[1]!;
      const runsExercises = file.startsWith('exercises/') || reachesExerciseCode(file);
      if (!runsExercises) continue;
      if (command.startsWith('tsx scripts/run.ts ')) routed++;
      else direct.push(`${name}: ${command}`);
    }
    expect(direct, 'these ignore KIT_TARGET: start them as `tsx scripts/run.ts <file>`').toEqual([]);
    expect(routed).toBeGreaterThanOrEqual(6);
  });

  it('scripts/run.ts knows every scripts/ file that package.json runs through it (the release ships them from its imports)', () => {
    const runner = fs.readFileSync(path.join(REPO_ROOT, 'scripts/run.ts'), 'utf8');
    for (const command of Object.values(pkg.scripts)) {
      const file = /^tsx scripts\/run\.ts\s+(scripts\/\S+\.ts)/.exec(command)?.[1];
      if (file !== undefined) expect(runner).toContain(`import('./${path.posix.basename(file)}')`);
    }
  });
});

describe('scripts/run.ts', () => {
  const fixture = 'scripts/fixtures/run-target.ts';

  it('on the stubs: prints the tests\' one line for the function to write, no stack trace', async () => {
    const r = await runScript([fixture]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('to do: exercises/01-he-init/he-init.ts: implement productVariance()');
  }, 60_000);

  it('KIT_TARGET=solutions runs the reference', async () => {
    const r = await runScript([fixture], { KIT_TARGET: 'solutions' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('productVariance(2, 0, 3, 0) = 6');
    expect(r.code).toBe(0);
  }, 60_000);

  it('KIT_TARGET=<submission folder> outside the kit runs that folder, whose #kit imports still resolve', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-run-'));
    try {
      fs.mkdirSync(path.join(dir, '01-he-init'));
      fs.writeFileSync(
        path.join(dir, '01-he-init', 'he-init.ts'),
        "import { KitError } from '#kit/errors';\nexport function productVariance(): string { return `submitted (${typeof KitError})`; }\n",
      );
      const r = await runScript([fixture], { KIT_TARGET: dir });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('productVariance(2, 0, 3, 0) = submitted (function)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a KIT_TARGET that is no folder is the one paragraph of #kit/target', async () => {
    const r = await runScript([fixture], { KIT_TARGET: '/no/such/folder' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: KIT_TARGET is set to "\/no\/such\/folder"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 60_000);

  it.each([
    ['thrown while the command runs', 'now'],
    ['thrown later, outside runMain', 'later'],
  ])('an ordinary bug on the wasm backend (%s): the message and a short stack into the file, not the minified wasm glue', async (_, when) => {
    const r = await runScript(['scripts/fixtures/run-crash.ts', when], { KIT_BACKEND: 'wasm', KIT_BACKEND_QUIET: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TypeError: Cannot read properties of undefined (reading 'layers')");
    expect(r.stderr).toContain('scripts/fixtures/run-crash.ts:');
    expect(r.stderr).not.toContain('tfjs-backend-wasm');
    expect(r.stderr.length).toBeLessThan(1500);
  }, 60_000);
});
