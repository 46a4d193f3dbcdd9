/**
 * What isolation this machine allows, found once by trying it, and the command line that starts a run
 * inside it. Three levels, best first; the report names the one that graded each submission:
 *
 * - `bubblewrap`: Debian's `bwrap` (the sandbox behind Flatpak) with every namespace it has (user, ipc,
 *   pid, network, uts, cgroup, mount). The run's file system starts empty: only the system's programs
 *   and libraries (/usr), a few files of /etc, node, node_modules, the datasets and the run's own
 *   workspace are bound in, read-only; /tmp, /dev/shm and the run's scratch folder are fresh tmpfs of
 *   bounded size that vanish with it. As root, the whole sandbox runs as a user id of its own.
 * - `user` (root, no namespaces: a Docker container such as Gradescope's): the run is started as an
 *   unprivileged user of its own; files are hidden by permissions only, the network is not walled off.
 * - `none`: the grader's own user; for trying things, not for grading people who want to cheat.
 *
 * Nothing privileged runs inside any of them: the privileges are dropped (setpriv) before bwrap starts,
 * and vitest's main process is as untrusted as the test workers. Every node process of a run runs from
 * an execute-only copy of node, which makes it non-dumpable: no other process of the run user can read
 * its memory, its environment or its open files through /proc or ptrace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type SandboxLevel = 'bubblewrap' | 'user' | 'none';

export interface Sandbox {
  level: SandboxLevel;
  isRoot: boolean;
  /** bwrap works here (the `bubblewrap` level). */
  namespaces: boolean;
  /** Runs get a user id of their own (root + setpriv). */
  dropUser: boolean;
  prlimit: boolean;
  /** First uid/gid of the per-run users. */
  uidBase: number;
  /** One line per property, for the report; the first names the level. */
  notes: string[];
}

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

let cached: Sandbox | undefined;

export type SandboxMode = 'auto' | 'no-namespaces' | 'none';

/** Writable tmpfs sizes inside the bubblewrap sandbox (tmpfs pages are not in any process's RSS). */
export const TMPFS_BYTES = { tmp: 1024 ** 3, shm: 256 * 1024 ** 2, scratch: 1024 ** 3 };

/**
 * 'auto' tries everything; 'no-namespaces' leaves out bwrap (what a Docker container without user
 * namespaces allows, e.g. Gradescope's); 'none' uses no isolation at all. The last two exist to test
 * the grader's fallbacks; DLKIT_SANDBOX in the environment overrides 'auto'.
 */
export function detectSandbox(requested: SandboxMode = 'auto'): Sandbox {
  const fromEnv = process.env['DLKIT_SANDBOX'];
  const mode: SandboxMode = requested === 'auto' && (fromEnv === 'none' || fromEnv === 'no-namespaces') ? fromEnv : requested;
  if (mode === 'auto' && cached !== undefined) return cached;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const uidBase = Number(process.env['DLKIT_SANDBOX_UID_BASE'] ?? 61000);
  const s: Sandbox = { level: 'none', isRoot, namespaces: false, dropUser: false, prlimit: has('prlimit'), uidBase, notes: [] };
  if (mode === 'none') {
    s.notes.push('sandbox: none (forced): the tests run as the grader\'s own user, with its network and files');
    return s;
  }
  s.dropUser = isRoot && has('setpriv');
  let why: string;
  if (mode === 'no-namespaces') why = 'switched off (DLKIT_SANDBOX=no-namespaces)';
  else if (process.platform !== 'linux') why = `not available on ${process.platform}`;
  else if (!has('bwrap')) why = 'bubblewrap is not installed (apt-get install bubblewrap)';
  else {
    const probe = probeBubblewrap(s);
    s.namespaces = probe === undefined;
    why = probe ?? '';
  }
  if (s.namespaces) {
    s.level = 'bubblewrap';
    s.notes.push(`sandbox: bubblewrap — user, ipc, pid, network, uts and mount namespaces; the run sees only /usr, node, node_modules, the data and its own workspace (read-only) and a private /tmp${s.dropUser ? `, as a user of its own (uids from ${uidBase})` : ', as the grader\'s user'}`);
  } else if (s.dropUser) {
    s.level = 'user';
    s.notes.push(`sandbox: user — bubblewrap ${why}; the tests run as an unprivileged user of their own (uids from ${uidBase}), files are hidden by permissions only`);
    s.notes.push('network: NOT isolated — the tests can reach the network');
  } else {
    s.notes.push(`sandbox: none — bubblewrap ${why}, and ${isRoot ? 'setpriv is missing' : 'the grader is not root'}: the tests run as the grader's own user; a submission can read and write what the grader can`);
    s.notes.push('network: NOT isolated — the tests can reach the network');
  }
  if (mode === 'auto') cached = s;
  return s;
}

/** Starts `true` in the sandbox the runs would get; undefined when it works, else why not. */
function probeBubblewrap(s: Pick<Sandbox, 'dropUser' | 'uidBase'>): string | undefined {
  const args = [...dropPrivileges(s.dropUser ? s.uidBase : undefined), 'bwrap', ...baseArgs(), ...systemMounts(), '--', '/bin/true'];
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 15_000 });
  if (r.status === 0) return undefined;
  return `cannot start here (${(r.stderr || r.error?.message || `exit ${r.status}`).split('\n')[0]!.trim()})`;
}

const dropPrivileges = (uid: number | undefined): string[] =>
  uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--'];

function baseArgs(): string[] {
  return ['--unshare-all', '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
}

/** Top-level system folders: a link stays a link (usrmerge), a folder is bound read-only. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** What of /etc a run needs: the dynamic linker, fonts and Chromium's settings, the alternatives' links. */
const ETC_FILES = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'fonts', 'localtime', 'nsswitch.conf', 'mime.types', 'chromium', 'chromium.d'];

function systemMounts(): string[] {
  const args: string[] = [];
  for (const d of SYSTEM_DIRS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(d), d);
    else if (st.isDirectory()) args.push('--ro-bind', d, d);
  }
  for (const f of ETC_FILES) {
    const p = path.join('/etc', f);
    if (fs.existsSync(p)) args.push('--ro-bind', p, p);
  }
  return [...args, '--proc', '/proc', '--dev', '/dev'];
}

export interface SandboxCommand {
  sandbox: Sandbox;
  /** The run's user id (root only). */
  uid?: number;
  /** Per-file size limit, bytes. */
  maxFileBytes: number;
  /** RLIMIT_NPROC of the run user (it counts threads). */
  maxProcesses: number;
  /** Read-only binds, each at its own path. */
  readOnly: readonly string[];
  /** Folders (inside read-only binds) that get a fresh, bounded tmpfs owned by the run. */
  scratch: readonly string[];
  /** Folders to create inside the scratch folders. */
  dirs: readonly string[];
  /** Files bound over /etc/passwd and /etc/group (a name for the run user: node's os.userInfo needs one). */
  passwd?: string;
  group?: string;
  /** Paths that must stay hidden even if a bind above includes them (the kit, the grading folder). */
  mask: readonly string[];
  cwd: string;
  /** The command (absolute program path first). */
  command: readonly string[];
}

/** The full argv that starts `c.command` inside the sandbox level at hand. */
export function sandboxArgv(c: SandboxCommand): string[] {
  const { sandbox } = c;
  const limits = sandbox.prlimit
    ? ['prlimit', `--fsize=${c.maxFileBytes}`, '--core=0', ...(c.uid !== undefined ? [`--nproc=${c.maxProcesses}`] : []), '--']
    : [];
  const drop = dropPrivileges(sandbox.dropUser ? c.uid : undefined);
  if (!sandbox.namespaces) return [...limits, ...drop, ...c.command];
  const args = [...baseArgs(), ...systemMounts()];
  const systemRoots = SYSTEM_DIRS.filter((d) => fs.existsSync(d) && !fs.lstatSync(d).isSymbolicLink());
  // A kit or a grading folder that happens to live under /usr stays out of sight all the same.
  for (const m of c.mask) if (systemRoots.some((r) => m.startsWith(`${r}/`)) && fs.existsSync(m)) args.push('--tmpfs', m);
  if (c.passwd !== undefined) args.push('--ro-bind', c.passwd, '/etc/passwd');
  if (c.group !== undefined) args.push('--ro-bind', c.group, '/etc/group');
  args.push('--size', String(TMPFS_BYTES.tmp), '--tmpfs', '/tmp', '--size', String(TMPFS_BYTES.shm), '--tmpfs', '/dev/shm', '--tmpfs', '/var/tmp');
  for (const p of c.readOnly) if (fs.existsSync(p)) args.push('--ro-bind', p, p);
  for (const p of c.scratch) args.push('--size', String(TMPFS_BYTES.scratch), '--tmpfs', p);
  for (const d of c.dirs) args.push('--dir', d);
  args.push('--chdir', c.cwd, '--');
  return [...limits, ...drop, 'bwrap', ...args, ...c.command];
}

const readable = new Map<string, boolean>();

/**
 * Whether the run user `uid` can read `p` (every parent folder searchable): bubblewrap binds a path as
 * that user, and refuses to start when one it is given is out of its reach. Asked once per path.
 */
export function runUserCanRead(p: string, uid: number | undefined): boolean {
  if (uid === undefined) return true;
  const key = `${uid}:${p}`;
  let ok = readable.get(key);
  if (ok === undefined) {
    ok = spawnSync('setpriv', [...dropPrivileges(uid).slice(1, -1), '--', 'test', '-r', p], { stdio: 'ignore' }).status === 0;
    readable.set(key, ok);
  }
  return ok;
}

/**
 * An execute-only copy of node for the runs. The kernel marks a process that runs a program it may not
 * read as non-dumpable, so neither a test worker nor vitest's main process can be read or traced by
 * another process of the same user (a helper a submission started, or a later worker).
 */
export function executeOnlyNode(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true, mode: 0o711 });
  fs.chmodSync(bin, 0o711);
  const copy = path.join(bin, 'node');
  fs.copyFileSync(fs.realpathSync(process.execPath), copy);
  fs.chmodSync(copy, 0o111);
  return copy;
}

/** /etc/passwd and /etc/group for the sandbox: root and the run user, nothing of the host's. */
export function identityFiles(dir: string, uid: number, home: string): { passwd: string; group: string } {
  const passwd = path.join(dir, 'passwd');
  const group = path.join(dir, 'group');
  fs.writeFileSync(passwd, `root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nstudent:x:${uid}:${uid}:dlkit run:${home}:/usr/sbin/nologin\n`, { mode: 0o644 });
  fs.writeFileSync(group, `root:x:0:\nstudent:x:${uid}:\n`, { mode: 0o644 });
  return { passwd, group };
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
