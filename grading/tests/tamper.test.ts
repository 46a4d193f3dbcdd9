/**
 * The tamper and breakage suite: every submission of attacks.ts is graded, as one class (so the
 * batch must survive all of them), and each must get no point it did not earn. Afterwards: no
 * process of the run users is left, nothing was written where it must not be, and the kit's own
 * rubric, hidden tests and solutions are unchanged.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { gradeClass } from '../lib/batch.ts';
import { Grader } from '../lib/grade.ts';
import { runProcesses } from '../lib/procs.ts';
import type { SubmissionReport } from '../lib/report.ts';
import { renderTable } from '../lib/results.ts';
import { attacks, EXERCISE, PLANTED, writeAttacks } from './attacks.ts';

const LIST = attacks();
const JOBS = Math.max(1, Math.min(4, os.availableParallelism()));

function fingerprint(dirs: string[]): string {
  const h = crypto.createHash('sha256');
  for (const d of dirs) {
    for (const e of fs.readdirSync(d, { withFileTypes: true, recursive: true })) {
      if (!e.isFile()) continue;
      const f = path.join(e.parentPath, e.name);
      h.update(f).update(fs.readFileSync(f));
    }
  }
  return h.digest('hex');
}

/** System V IPC objects on the host (`ipcs` lines with a key), to see that no run leaves any behind. */
function hostIpc(): string[] {
  try {
    return execFileSync('ipcs', ['-a'], { encoding: 'utf8' }).split('\n').filter((l) => /^0x[0-9a-f]+\s+\d+/.test(l)).sort();
  } catch {
    return [];
  }
}

/**
 * What an attacker would hope to find outside its run: a root-only file, a world-readable copy of the
 * kit, a process answering on a Unix socket, an abstract socket and loopback TCP, and a System V
 * shared memory segment "left by an earlier run". Returns the cleanup.
 */
async function plantOutside(): Promise<() => void> {
  fs.writeFileSync(PLANTED.rootSecret, `${PLANTED.secretToken}\n`, { mode: 0o600 });
  const copy = path.join(PLANTED.worldCopy, 'solutions', EXERCISE);
  fs.mkdirSync(copy, { recursive: true, mode: 0o755 });
  for (let d = copy; d !== path.dirname(PLANTED.worldCopy); d = path.dirname(d)) fs.chmodSync(d, 0o755);
  fs.copyFileSync(path.join(REPO_ROOT, 'solutions', EXERCISE, 'he-init.ts'), path.join(copy, 'he-init.ts'));
  fs.chmodSync(path.join(copy, 'he-init.ts'), 0o644);
  const servers = [PLANTED.oracleSocket, PLANTED.oracleAbstract, PLANTED.oraclePort].map((where) => net.createServer((s) => { s.end('answers\n'); }).listen(where));
  await Promise.all(servers.map((srv) => new Promise((r) => srv.once('listening', r))));
  fs.chmodSync(PLANTED.oracleSocket, 0o666);
  let segment: string | undefined;
  try {
    segment = /(\d+)\s*$/.exec(execFileSync('ipcmk', ['-M', '1024'], { encoding: 'utf8' }).trim())?.[1];
  } catch {
    segment = undefined;
  }
  return () => {
    for (const srv of servers) srv.close();
    fs.rmSync(PLANTED.rootSecret, { force: true });
    fs.rmSync(PLANTED.oracleSocket, { force: true });
    fs.rmSync(PLANTED.worldCopy, { recursive: true, force: true });
    if (segment !== undefined) execFileSync('ipcrm', ['-m', segment]);
  };
}

const protectedDirs = [path.join(REPO_ROOT, 'grading', EXERCISE), path.join(REPO_ROOT, 'solutions', EXERCISE), path.join(REPO_ROOT, 'exercises', EXERCISE)];

describe('tamper and breakage suite (exercise 01)', () => {
  let work: string;
  let grader: Grader;
  const reports = new Map<string, SubmissionReport>();
  let before: string;
  let ipcBefore: string[];
  let ipcAfter: string[];
  const hostname = os.hostname();
  let unplant: (() => void) | undefined;

  beforeAll(async () => {
    before = fingerprint(protectedDirs);
    unplant = await plantOutside();
    ipcBefore = hostIpc();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-tamper-'));
    const klass = path.join(work, 'class');
    fs.mkdirSync(klass);
    writeAttacks(klass, LIST);
    grader = await Grader.create({ only: [EXERCISE], jobs: JOBS, timeLimit: 120, testTimeLimit: 10, memoryMb: 1536 });
    const out = path.join(work, 'out');
    for (const r of await gradeClass(grader, klass, { out, concurrency: JOBS })) reports.set(r.name, r);
    ipcAfter = hostIpc();
    // For the record (grading/README.md quotes these): what each attack got, and how long it took.
    for (const r of reports.values()) {
      const e = r.exercises[0];
      console.log(`tamper: ${r.name.padEnd(22)} ${String(r.score).padStart(5)} / ${r.maxScore + r.maxBonus}  ${(e?.status ?? 'error').padEnd(13)} ${r.seconds.toFixed(1).padStart(6)} s  ${e?.reason ?? r.error ?? ''}`.slice(0, 220));
    }
  }, 1_800_000);

  afterAll(() => {
    unplant?.();
    grader?.close();
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  });

  it('grades every submission (the batch went through all of them)', () => {
    expect([...reports.keys()].sort()).toEqual(LIST.map((a) => a.name).sort());
    for (const r of reports.values()) expect(r.error, `${r.name}: ${r.error ?? ''}`).toBeUndefined();
  });

  for (const a of LIST) {
    it(`${a.name}: ${a.what}`, () => {
      const r = reports.get(a.name)!;
      const e = r.exercises.find((x) => x.id === EXERCISE)!;
      const summary = `${a.name}: score ${r.score}, status ${e.status}, reason ${e.reason ?? '-'}`;
      if (a.expect.score !== undefined) expect(r.score, summary).toBe(a.expect.score);
      if (a.expect.maxScore !== undefined) expect(r.score, summary).toBeLessThanOrEqual(a.expect.maxScore);
      if (a.expect.status !== undefined) expect(e.status, summary).toBe(a.expect.status);
      if (a.expect.notStatus !== undefined) expect(e.status, summary).not.toBe(a.expect.notStatus);
      if (a.expect.reason !== undefined) expect(e.reason ?? '', summary).toMatch(a.expect.reason);
      a.expect.check?.(r);
    });
  }

  it('the same submission graded twice gets the same score, test by test (Math.random and crypto\'s random sources are seeded)', () => {
    const statuses = (r: SubmissionReport): string[] => r.exercises[0]!.tests.map((t) => `${t.title.join(' › ')}: ${t.status}`);
    for (const pair of [['random-a', 'random-b'], ['crypto-random-a', 'crypto-random-b']]) {
      const [a, b] = [reports.get(pair[0]!)!, reports.get(pair[1]!)!];
      expect(a.score, pair.join(' vs ')).toBe(b.score);
      expect(statuses(a)).toEqual(statuses(b));
    }
  });

  it('leaves no process of the run users behind (daemons, fork bombs)', () => {
    for (const uid of grader.uids) expect(runProcesses(-1, uid).pids, `processes of uid ${uid}`).toEqual([]);
  });

  it('leaves nothing behind in the host\'s namespaces: no System V IPC object, the same host name', () => {
    expect(ipcAfter).toEqual(ipcBefore);
    expect(os.hostname()).toBe(hostname);
  });

  it('reports the sandbox level that graded each submission (the one DLKIT_REQUIRE_SANDBOX asks for, where set)', () => {
    const required = process.env['DLKIT_REQUIRE_SANDBOX'];
    if (required !== undefined && required !== '') expect(grader.sandbox.level, grader.notes.join('\n')).toBe(required);
    for (const r of reports.values()) {
      expect(r.sandbox[0] ?? '', r.name).toMatch(/^sandbox: (bubblewrap|user|none)/);
      expect(renderTable(r), r.name).toMatch(new RegExp(`Graded in the ${grader.sandbox.level} sandbox\\.`));
    }
  });

  it('wrote nothing outside the run: the kit\'s rubric, hidden tests, solutions and public tests are unchanged, no planted files', () => {
    expect(fingerprint(protectedDirs)).toBe(before);
    // /tmp is swept only of the run users' files (root); without a user of their own, /tmp is shared.
    const planted = [
      ...(grader.sandbox.dropUser || grader.sandbox.namespaces ? ['/tmp/dlkit-pwned.txt', '/tmp/deep', '/dev/shm/deep', '/var/tmp/deep'] : []),
      '/tmp/dlkit-pwned-zip.ts', '/tmp/dlkit-pwned-abs.ts', path.join(REPO_ROOT, 'out', 'grading', 'pwned.json'), '/usr/dlkit-pwned', '/etc/dlkit-pwned',
    ];
    for (const f of planted) {
      expect(fs.existsSync(f), f).toBe(false);
    }
  });
});
