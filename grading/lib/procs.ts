/**
 * The processes of one run, read from /proc: the tree under the process the grader started, plus
 * (when the run has a user id of its own) every process of that user — a daemon that detached from
 * the tree is still found by its uid. Used for the memory limit (summed resident memory) and to kill
 * everything when the run ends.
 */
import fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  uid: number;
  rssKb: number;
  /** The kernel's name of the process (comm): what it executed, or what it set with prctl. */
  name: string;
}

export const procAvailable = fs.existsSync('/proc/self/status');

function readProc(pid: number): ProcInfo | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];
    // A zombie has exited already; it only waits for its parent (or init) to collect its status.
    if ((field('State') ?? '').startsWith('Z')) return undefined;
    const ppid = Number(field('PPid') ?? NaN);
    const uid = Number((field('Uid') ?? '').split(/\s+/)[0]);
    const rss = Number((field('VmRSS') ?? '0 kB').split(/\s+/)[0]);
    if (!Number.isFinite(ppid)) return undefined;
    return { pid, ppid, uid, rssKb: Number.isFinite(rss) ? rss : 0, name: field('Name') ?? '' };
  } catch {
    return undefined; // gone, or not ours to read
  }
}

export function processInfo(pid: number): ProcInfo | undefined {
  return readProc(pid);
}

/** The live children of `pid`. */
export function childrenOf(pid: number): ProcInfo[] {
  return allProcs().filter((p) => p.ppid === pid);
}

function allProcs(): ProcInfo[] {
  if (!procAvailable) return [];
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p !== undefined) out.push(p);
  }
  return out;
}

/** PIDs of `rootPid` and its descendants, plus every process owned by `uid` when given. */
export function runProcesses(rootPid: number, uid?: number): { pids: number[]; rssBytes: number } {
  const procs = allProcs();
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Map<number, ProcInfo>();
  const root = procs.find((p) => p.pid === rootPid);
  const stack = root ? [root] : [];
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (found.has(p.pid)) continue;
    found.set(p.pid, p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  if (uid !== undefined && uid !== 0) for (const p of procs) if (p.uid === uid) found.set(p.pid, p);
  let rssKb = 0;
  for (const p of found.values()) rssKb += p.rssKb;
  return { pids: [...found.keys()], rssBytes: rssKb * 1024 };
}

export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    if (pid <= 1 || pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Kills every process of `uid` until none is left: a process that is still starting others (a fork
 * bomb) can add new ones between one sweep and the next.
 */
export function killUser(uid: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let round = 0; round < 50; round++) {
    const { pids } = runProcesses(-1, uid);
    if (pids.length === 0) return;
    killPids(pids);
    Atomics.wait(pause, 0, 0, 20);
  }
}

/** Kills the process group of `pgid` (a detached child leads its own). */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}
