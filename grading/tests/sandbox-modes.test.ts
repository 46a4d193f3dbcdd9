/**
 * The grader where less isolation is available: without namespaces (a Docker container such as
 * Gradescope's: the user switch still works as root) and with no isolation at all (a laptop). Scores
 * must not change; the report must say what is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeClass } from '../lib/batch.ts';
import { Grader } from '../lib/grade.ts';
import { runProcesses } from '../lib/procs.ts';
import { attacks, EXERCISE, FULL, writeAttacks } from './attacks.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-modes-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

function klass(name: string, names: string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  writeAttacks(dir, attacks().filter((a) => names.includes(a.name)));
  return dir;
}

describe('without namespaces (as in a Docker container)', () => {
  it('grades the reference to full marks, a daemon-starting and a deep-tree-leaving submission to zero, leaving no process or file behind; says the network is not isolated', async () => {
    const grader = await Grader.create({ only: [EXERCISE], sandbox: 'no-namespaces', jobs: 2, testTimeLimit: 10 });
    try {
      expect(grader.notes.join('\n')).toMatch(/network: NOT isolated/);
      expect(grader.notes[0]).toMatch(/^sandbox: (user|none)/);
      const reports = await gradeClass(grader, klass('no-ns', ['reference', 'daemon', 'deep-tree']), { out: path.join(tmp, 'out-no-ns'), concurrency: 2 });
      expect(Object.fromEntries(reports.map((r) => [r.name, r.score]))).toEqual({ reference: FULL, daemon: 0, 'deep-tree': 0 });
      for (const r of reports) expect(r.error, r.name).toBeUndefined();
      if (grader.sandbox.dropUser) for (const d of ['/tmp/deep', '/dev/shm/deep', '/var/tmp/deep']) expect(fs.existsSync(d), d).toBe(false);
      for (const uid of grader.uids) expect(runProcesses(-1, uid).pids).toEqual([]);
    } finally {
      grader.close();
    }
  }, 900_000);
});

describe('with no isolation at all', () => {
  it('still isolates a hang to its own tests (the watchdog kills the worker; the rest is run again)', async () => {
    const grader = await Grader.create({ only: [EXERCISE], sandbox: 'none', jobs: 2, testTimeLimit: 10 });
    try {
      expect(grader.notes.join('\n')).toMatch(/sandbox: none/);
      const [r] = await gradeClass(grader, klass('none', ['infinite-loop']), { out: path.join(tmp, 'out-none'), concurrency: 1 });
      expect(r!.score).toBe(FULL - 1);
      expect(r!.exercises[0]!.reason).toMatch(/did not finish/);
    } finally {
      grader.close();
    }
  }, 900_000);
});
