/**
 * What isolation this machine allows, found once by trying it, and how to start a run inside it.
 *
 * - namespaces (`unshare`: mount, network, pid; as root, or as a user where user namespaces are
 *   allowed): no network, the kit's solutions/ grading/ out/ .git and the submissions hidden behind
 *   empty mounts, and every process of the run dies with it (pid namespace);
 * - as root, the test workers run as an unprivileged user of their own (`setpriv`), one uid per
 *   concurrent run, with a process limit (`prlimit`); the workspace is read-only to them;
 * - otherwise the run is only a process group, and the report says so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Sandbox {
  isRoot: boolean;
  /** unshare with mount + network + pid namespaces works. */
  namespaces: boolean;
  /** …through a user namespace (not root). */
  userNamespace: boolean;
  /** Workers can run as another user (root + setpriv). */
  dropUser: boolean;
  prlimit: boolean;
  /** First uid/gid of the per-run users. */
  uidBase: number;
  /** One line per property, for the report. */
  notes: string[];
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export function unshareArgs(s: Pick<Sandbox, 'isRoot'>): string[] {
  return [
    '--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private',
    ...(s.isRoot ? [] : ['--map-root-user']),
  ];
}

let cached: Sandbox | undefined;

export type SandboxMode = 'auto' | 'no-namespaces' | 'none';

/**
 * 'auto' tries everything; 'no-namespaces' leaves out unshare (what a Docker container without
 * CAP_SYS_ADMIN allows, e.g. Gradescope's); 'none' uses no isolation at all. The last two exist to
 * test the grader's fallbacks; DLKIT_SANDBOX in the environment overrides 'auto'.
 */
export function detectSandbox(requested: SandboxMode = 'auto'): Sandbox {
  const fromEnv = process.env['DLKIT_SANDBOX'];
  const mode: SandboxMode = requested === 'auto' && (fromEnv === 'none' || fromEnv === 'no-namespaces') ? fromEnv : requested;
  if (mode === 'auto' && cached !== undefined) return cached;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const uidBase = Number(process.env['DLKIT_SANDBOX_UID_BASE'] ?? 61000);
  const s: Sandbox = { isRoot, namespaces: false, userNamespace: false, dropUser: false, prlimit: false, uidBase, notes: [] };
  if (mode === 'none') {
    s.notes.push('isolation: none (forced)');
    return s;
  }
  if (mode === 'no-namespaces') {
    s.notes.push('network: NOT isolated — namespaces switched off (DLKIT_SANDBOX=no-namespaces)');
  } else if (process.platform === 'linux' && has('unshare')) {
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-probe-'));
    const r = spawnSync('unshare', [...unshareArgs(s), 'sh', '-c', 'mount -t tmpfs -o size=4k tmpfs "$1" && echo ok', 'sh', probe], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    fs.rmSync(probe, { recursive: true, force: true });
    s.namespaces = r.status === 0 && r.stdout.includes('ok');
    s.userNamespace = s.namespaces && !isRoot;
    if (!s.namespaces) {
      const why = (r.stderr || r.error?.message || `exit ${r.status}`).split('\n')[0]!.trim();
      s.notes.push(`network: NOT isolated — unshare failed here (${why}); the tests can reach the network`);
    }
  } else {
    s.notes.push(`network: NOT isolated — no unshare on ${process.platform}; the tests can reach the network`);
  }
  if (s.namespaces) {
    s.notes.push(`network: isolated (network namespace${s.userNamespace ? ' inside a user namespace' : ''})`);
    s.notes.push('files: the kit\'s solutions/, grading/, out/, .git and the submissions are hidden from the run (mount namespace)');
  }
  s.dropUser = isRoot && has('setpriv');
  s.prlimit = has('prlimit');
  s.notes.push(s.dropUser
    ? `user: tests run as an unprivileged user of their own (uids from ${uidBase}) that cannot write the workspace`
    : `user: tests run as the grader's own user (${isRoot ? 'setpriv missing' : 'not root'}); a submission can write what the grader can`);
  if (mode === 'auto') cached = s;
  return s;
}

/** The script that hides paths inside the new mount namespace, then starts the command. */
export const ENTER_SCRIPT = `#!/bin/sh
# dlkit grader: runs inside fresh mount/network/pid namespaces. Before "--": "hide:<path>" puts an
# empty, unreadable mount over <path>; "private:<path>" gives the run a fresh, empty tmpfs there.
# After "--": the command to run.
set -eu
while [ "$#" -gt 0 ]; do
  case "$1" in
    --) shift; break ;;
    hide:*) p="\${1#hide:}"
      if [ -d "$p" ]; then mount -t tmpfs -o size=4k,mode=000 dlkit-hidden "$p"
      elif [ -e "$p" ]; then mount --bind /dev/null "$p"; fi ;;
    private:*) p="\${1#private:}"
      if [ -d "$p" ]; then mount -t tmpfs -o size=256m,mode=1777 dlkit-private "$p"; fi ;;
  esac
  shift
done
# Loopback up: tests may talk to themselves (a local server); there is still no way out.
ip link set lo up 2>/dev/null || true
umask 027
exec "$@"
`;

/** Shared scratch folders the run gets a private copy of (when namespaces work). */
export const PRIVATE_SCRATCH = ['/var/tmp', '/dev/shm'];
/** World-writable folders swept for the run user's files after a run. */
export const SCRATCH = ['/tmp', '/var/tmp', '/dev/shm'];

export interface WorkerWrapper {
  uid?: number;
  gid?: number;
  /** Per-file size limit for the workers, in bytes. */
  maxFileBytes: number;
  maxProcesses: number;
}

/** The shell script vitest starts its workers with instead of node (see runner.ts). */
export function workerWrapperScript(s: Sandbox, w: WorkerWrapper): string | undefined {
  const parts: string[] = [];
  if (s.prlimit) {
    parts.push('prlimit', `--fsize=${w.maxFileBytes}`, '--core=0');
    if (s.dropUser && w.uid !== undefined) parts.push(`--nproc=${w.maxProcesses}`);
    parts.push('--');
  }
  if (s.dropUser && w.uid !== undefined) {
    parts.push('setpriv', `--reuid=${w.uid}`, `--regid=${w.gid ?? w.uid}`, '--clear-groups', '--no-new-privs', '--');
  }
  if (parts.length === 0) return undefined;
  return `#!/bin/sh\n# dlkit grader: starts a test worker with limits${s.dropUser ? ' as an unprivileged user' : ''}.\nexec ${parts.join(' ')} '${process.execPath}' "$@"\n`;
}

/**
 * User ids for the runs of one grading session. Two sessions on one machine (two instructors, or a
 * test beside a batch) must never share one: a run kills every process of its user id when it starts
 * and ends. Each id is claimed with a lock file holding the claimant's pid, created exclusively in a
 * root-only folder; a lock whose process is gone is taken over.
 */
export class UidPool {
  readonly #dir: string;
  readonly #held: number[] = [];

  constructor(readonly base: number, dir = '/tmp/dlkit-grader-uids') {
    this.#dir = dir;
  }

  /** The lock folder, ours alone: one that a run user planted (it could delete our locks) is replaced. */
  #ensureDir(): void {
    fs.mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(this.#dir);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
      fs.rmSync(this.#dir, { recursive: true, force: true });
      fs.mkdirSync(this.#dir, { mode: 0o700 });
    }
  }

  /** Claims `count` ids from [base, base + 1000). */
  claim(count: number): number[] {
    this.#ensureDir();
    for (let uid = this.base; uid < this.base + 1000 && this.#held.length < count; uid++) {
      if (this.#tryLock(uid)) this.#held.push(uid);
    }
    if (this.#held.length < count) throw new Error(`could not claim ${count} user ids for the runs (locks in ${this.#dir})`);
    return [...this.#held];
  }

  #tryLock(uid: number): boolean {
    const file = path.join(this.#dir, `${uid}.lock`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
        return true;
      } catch {
        let owner = NaN;
        try {
          owner = Number(fs.readFileSync(file, 'utf8'));
        } catch {
          continue;
        }
        if (owner === process.pid || alive(owner)) return false;
        fs.rmSync(file, { force: true });
      }
    }
    return false;
  }

  release(): void {
    for (const uid of this.#held) fs.rmSync(path.join(this.#dir, `${uid}.lock`), { force: true });
    this.#held.length = 0;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
