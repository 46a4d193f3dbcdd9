/**
 * The keys that sign test verdicts, handed out by the grader itself, one per test file, to the test
 * worker that runs that file — never to vitest's main process, never through a file.
 *
 * The sentinel (loaded first in every worker, before any student code) connects to a Unix socket
 * the grader listens on and asks for the key of its test file. The grader answers only when the
 * request can come from nothing but a fresh worker: exactly one child of the run's vitest process is
 * alive that has not had a key (vitest runs one file per worker, one worker at a time, and reaps each
 * before it starts the next), and no process that had a key is still alive. Each file and each
 * process gets one key, once. A second request for either means that someone else asked in a
 * worker's name; the run is then marked as tampered (the real worker always asks, first thing).
 *
 * The verdicts are checked here, outside the sandbox, with these keys; what the run prints or writes
 * decides nothing.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { childrenOf, processInfo, type ProcInfo } from './procs.ts';

/** Process names along the way from the grader's child to vitest's main process. */
const LAUNCHERS = new Set(['prlimit', 'setpriv', 'bwrap']);
/** How long a request waits for the worker before it to be gone (vitest reaps it first; ms). */
const PREVIOUS_WORKER_GRACE_MS = 10_000;
const MAX_REQUEST_BYTES = 4096;

export interface KeyServiceOptions {
  /** Folder for the socket (reachable by the run, read-only to it). */
  dir: string;
  /** The test files (absolute paths, as the run sees them) that may ask. */
  files: readonly string[];
  /** The pid of the process the grader started (prlimit/setpriv/bwrap/node). */
  launcher: () => number | undefined;
}

export class KeyService {
  readonly socketPath: string;
  readonly #files: ReadonlySet<string>;
  readonly #launcher: () => number | undefined;
  readonly #keys = new Map<string, Buffer>();
  readonly #keyedPids = new Set<number>();
  readonly #server: net.Server;
  #main: number | undefined;
  /** Signs of someone asking in a worker's name: the run counts as tampered. */
  readonly tampering: string[] = [];
  /** Requests turned down for other reasons (the worker's tests then stay unsigned). */
  readonly refusals: string[] = [];

  private constructor(o: KeyServiceOptions) {
    this.socketPath = path.join(o.dir, 'key.sock');
    this.#files = new Set(o.files);
    this.#launcher = o.launcher;
    this.#server = net.createServer((socket) => { this.#serve(socket); });
    // One worker asks at a time; a run that opens connections by the thousand only loses its own.
    this.#server.maxConnections = 16;
  }

  static async start(o: KeyServiceOptions): Promise<KeyService> {
    const service = new KeyService(o);
    await new Promise<void>((resolve, reject) => {
      service.#server.once('error', reject);
      service.#server.listen(service.socketPath, () => { resolve(); });
    });
    return service;
  }

  /** The key handed out for `file`, if any. */
  keyOf(file: string): Buffer | undefined {
    return this.#keys.get(file);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => { this.#server.close(() => { resolve(); }); });
    fs.rmSync(this.socketPath, { force: true });
  }

  #serve(socket: net.Socket): void {
    let buffered = '';
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on('error', () => { socket.destroy(); });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      if (buffered.length > MAX_REQUEST_BYTES) {
        socket.destroy();
        return;
      }
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      socket.removeAllListeners('data');
      void this.#answer(buffered.slice(0, nl)).then((reply) => { socket.end(`${reply}\n`); });
    });
  }

  async #answer(line: string): Promise<string> {
    let file: unknown;
    try {
      file = (JSON.parse(line) as { file?: unknown }).file;
    } catch {
      file = undefined;
    }
    if (typeof file !== 'string' || !this.#files.has(file)) return this.#refuse(`a key was asked for a file the run does not test (${String(file).slice(0, 200)})`);
    if (this.#keys.has(file)) return this.#tamper(`a second key was asked for ${path.basename(file)}`);
    const main = this.#findMain();
    if (main === undefined) return this.#refuse('the run\'s vitest process could not be identified');
    // The previous worker may still be exiting: wait for every keyed process to be gone.
    const deadline = Date.now() + PREVIOUS_WORKER_GRACE_MS;
    let workers = this.#workers(main);
    while (workers.some((p) => this.#keyedPids.has(p.pid)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      workers = this.#workers(main);
    }
    if (workers.some((p) => this.#keyedPids.has(p.pid))) {
      return this.#tamper(`a key was asked for ${path.basename(file)} while the worker of another file was still running`);
    }
    if (workers.length !== 1) return this.#refuse(`a key was asked for ${path.basename(file)} with ${workers.length} test workers running`);
    const key = crypto.randomBytes(32);
    this.#keys.set(file, key);
    this.#keyedPids.add(workers[0]!.pid);
    return key.toString('hex');
  }

  #refuse(why: string): string {
    this.refusals.push(why);
    return 'refused';
  }

  #tamper(why: string): string {
    this.tampering.push(why);
    return 'refused';
  }

  /** vitest's main process: the first process below the launchers (fixed at the first request, before any student code runs). */
  #findMain(): number | undefined {
    if (this.#main !== undefined) return processInfo(this.#main) === undefined ? undefined : this.#main;
    let pid = this.#launcher();
    for (let depth = 0; pid !== undefined && depth < 6; depth++) {
      const info = processInfo(pid);
      if (info === undefined) return undefined;
      if (!LAUNCHERS.has(info.name)) {
        this.#main = pid;
        return pid;
      }
      const kids = childrenOf(pid);
      pid = kids.length === 1 ? kids[0]!.pid : undefined;
    }
    return undefined;
  }

  /** The test workers: children of vitest's main process, other than the esbuild service it runs. */
  #workers(main: number): ProcInfo[] {
    return childrenOf(main).filter((p) => !p.name.startsWith('esbuild'));
  }
}
