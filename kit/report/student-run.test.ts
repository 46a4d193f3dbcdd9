import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { planStubs } from '#kit/stubs';

/**
 * What a student sees: `npm test` on the untouched stubs of one exercise, run for real in a child
 * vitest (contract 3), and the same tests on a submission folder holding the reference code (contract 2).
 */
const EXERCISE = '01-he-init';

function studentRun(env: NodeJS.ProcessEnv): { out: string; status: number | null } {
  const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--dir', 'exercises', EXERCISE], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, CI: '1' },
    encoding: 'utf8',
  });
  return { out: stripVTControlCharacters(`${r.stdout}${r.stderr}`), status: r.status };
}

describe(`npm test on ${EXERCISE}`, () => {
  it('on the untouched stubs: fails, with exactly one line per function to implement and no stack trace', () => {
    const functions = planStubs()
      .filter((p) => p.exercise.startsWith(`exercises/${EXERCISE}/`))
      .flatMap((p) => p.functions.map((fn) => `${p.exercise}: implement ${fn}()`));
    expect(functions.length).toBeGreaterThan(0);
    const { out, status } = studentRun({ KIT_TARGET: '' });
    expect(status).not.toBe(0);
    const lines = out.split('\n').map((l) => l.trim());
    for (const line of functions) expect(lines.filter((l) => l === line), line).toHaveLength(1);
    expect(out).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
    expect(out).toMatch(/^0 passed, \d+ failed/m);
  });

  it('on a submission folder holding the reference code: all green', () => {
    const sub = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-submission-'));
    fs.cpSync(path.join(REPO_ROOT, 'solutions', EXERCISE), path.join(sub, EXERCISE), { recursive: true });
    const { out, status } = studentRun({ KIT_TARGET: sub });
    fs.rmSync(sub, { recursive: true });
    expect(out).toMatch(/^\d+ passed, 0 failed/m);
    expect(status).toBe(0);
  });
});
