import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { noMatchMessage } from './vitest-reporter.ts';

describe('npm test -- <x> that matches no exercise', () => {
  it('the message names what was typed and lists the exercises', () => {
    const text = noMatchMessage(['99'], ['01-he-init', '02-mlp']);
    expect(text).toMatch(/^No exercise matches "99": /);
    expect(text).toContain('The exercises are 01-he-init, 02-mlp;');
    expect(text).not.toContain('\n');
  });

  it('`npm test -- 99` prints it and fails', async () => {
    const vitest = path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest');
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    Reflect.deleteProperty(env, 'KIT_TARGET');
    const out = await promisify(execFile)(vitest, ['run', '--dir', 'exercises', '99'], { cwd: REPO_ROOT, env }).then(
      (r) => ({ code: 0, text: r.stdout + r.stderr }),
      (err: unknown) => {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? 1, text: (e.stdout ?? '') + (e.stderr ?? '') };
      },
    );
    expect(out.code).not.toBe(0);
    expect(out.text).toContain(noMatchMessage(['99'], exerciseIds(REPO_ROOT)));
  }, 60_000);
});
