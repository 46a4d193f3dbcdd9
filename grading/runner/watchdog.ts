/**
 * Which test is running, from the progress lines the sentinel writes synchronously in the worker
 * (vitest's own "test started" event is batched on a timer, which never fires once a test is stuck
 * in a loop). The lines are untrusted: they only ever decide which test is charged with a hang or
 * a crash, and a forged one can only charge the forger's own tests. A test running longer than the
 * limit has its worker killed; vitest then goes on with the next file, and the grader re-runs
 * what did not get to run.
 */
import fs from 'node:fs';
import type { RawRecord } from './protocol.ts';

/** Longer than any real progress line (a file path and a test's title path). */
const MAX_LINE = 16 * 1024;
/** Unread progress beyond this is a flood (a test's begin/end lines are a few hundred bytes). */
const MAX_BACKLOG = 4 * 1024 * 1024;

interface Begun {
  file: string;
  title: string[];
  since: number;
}

export class Watchdog {
  readonly #file: string;
  readonly #limitMs: number;
  readonly #toRel: (abs: string) => string;
  readonly #write: (r: RawRecord) => void;
  readonly #onHang: () => void;
  #offset = 0;
  #partial = '';
  #current: Begun | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { file: string; limitMs: number; toRel: (abs: string) => string; write: (r: RawRecord) => void; onHang: () => void }) {
    this.#file = options.file;
    this.#limitMs = options.limitMs;
    this.#toRel = options.toRel;
    this.#write = options.write;
    this.#onHang = options.onHang;
  }

  start(): void {
    this.#timer = setInterval(() => { this.poll(); }, 250);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.poll();
  }

  /** Reads new progress lines; kills the worker of a test past its limit. */
  poll(): void {
    for (const line of this.#readNew()) {
      const event = parse(line);
      if (event === undefined) continue;
      const file = this.#toRel(event.file);
      if (event.event === 'begin') {
        this.#current = { file, title: event.title, since: Date.now() };
        this.#write({ type: 'begin', file, title: event.title });
      } else {
        this.#current = undefined;
        this.#write({ type: 'end', file, title: event.title });
      }
    }
    const c = this.#current;
    if (c !== undefined && this.#limitMs > 0 && Date.now() - c.since > this.#limitMs) {
      this.#write({ type: 'killed', file: c.file, title: c.title, reason: `the test did not finish within ${Math.round(this.#limitMs / 1000)} s` });
      this.#current = undefined;
      this.#onHang();
    }
  }

  #readNew(): string[] {
    let fd: number;
    try {
      // O_NOFOLLOW: the file lives where the test's user can write; never follow a link it put there.
      // O_NONBLOCK: nor block on a FIFO put in its place.
      fd = fs.openSync(this.#file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch {
      return [];
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.size <= this.#offset) return [];
      // Far more than the tests can have written between two polls: a flood, skipped unread.
      if (st.size - this.#offset > MAX_BACKLOG) {
        this.#offset = st.size;
        this.#partial = '';
        return [];
      }
      const size = st.size;
      const length = Math.min(size - this.#offset, 1024 * 1024);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, this.#offset);
      this.#offset += length;
      const text = this.#partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      // A line longer than any progress line of ours is junk: never let it grow without bound.
      if (this.#partial.length > MAX_LINE) this.#partial = '';
      return lines.filter((l) => l.length <= MAX_LINE);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function parse(line: string): { event: 'begin' | 'end'; file: string; title: string[] } | undefined {
  try {
    const v = JSON.parse(line) as { event?: unknown; file?: unknown; title?: unknown };
    if ((v.event !== 'begin' && v.event !== 'end') || typeof v.file !== 'string') return undefined;
    if (!Array.isArray(v.title) || !v.title.every((t) => typeof t === 'string')) return undefined;
    return { event: v.event, file: v.file, title: v.title };
  } catch {
    return undefined;
  }
}
