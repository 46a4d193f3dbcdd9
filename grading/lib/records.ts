/**
 * The runner's records, read the way untrusted input is read: from a pipe, a bounded number of bytes
 * and a bounded line length, one JSON line at a time, each checked for its shape before it is kept.
 * Everything inside the sandbox — vitest's main process included — can write to that pipe, so a
 * record proves nothing by itself: a test's verdict counts only with the signature that the grader
 * checks here against the key it gave that file's worker (keys.ts).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { signedMessage, type RawRecord, type RunRecord, type TestState } from '../runner/protocol.ts';

/** All records of one run, bytes. */
export const MAX_RECORD_BYTES = 32 * 1024 ** 2;
/** One record, bytes (a test's record holds its title and a one-line reason: well below). */
export const MAX_LINE_BYTES = 64 * 1024;
const MAX_STRING = 2000;
/** A test file's name, as the kit names them: letters, digits, dots, dashes, underscores and slashes. */
const cleanName = (v: string): string => v.replace(/[^\w./-]/g, '');
const MAX_TITLE_PARTS = 32;
const MAX_LIST = 200;

/** Strings shown to people: no terminal control characters, bounded length. */
export type Clean = (s: string, maxLength?: number) => string;

export class RecordReader {
  readonly records: RawRecord[] = [];
  #bytes = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #skipping = false;
  /** Set once the run wrote more than it may: the caller ends the run. */
  overflow = false;

  constructor(private readonly clean: Clean) {}

  feed(chunk: Buffer): void {
    if (this.overflow) return;
    this.#bytes += chunk.length;
    if (this.#bytes > MAX_RECORD_BYTES) {
      this.overflow = true;
      return;
    }
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.#take(chunk.subarray(start, nl));
      this.#line();
      start = nl + 1;
    }
    this.#take(chunk.subarray(start));
  }

  #take(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#partialBytes + part.length > MAX_LINE_BYTES) {
      // Too long to be one of ours: dropped, up to the next newline.
      this.#skipping = true;
      this.#partial = [];
      this.#partialBytes = 0;
      return;
    }
    this.#partial.push(Buffer.from(part));
    this.#partialBytes += part.length;
  }

  #line(): void {
    const text = Buffer.concat(this.#partial).toString('utf8');
    this.#partial = [];
    this.#partialBytes = 0;
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    const record = parseRecord(value, this.clean);
    if (record !== undefined) this.records.push(record);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function strings(v: unknown, clean: Clean, max = MAX_LIST): string[] | undefined {
  if (!Array.isArray(v) || v.length > max || !v.every((x) => typeof x === 'string')) return undefined;
  return v.map((x: string) => clean(x, MAX_STRING));
}

/** A relative test file path as the runner writes it (never absolute, never upwards). */
function relFile(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 500 || path.isAbsolute(v) || v.split('/').includes('..') || cleanName(v) !== v) return undefined;
  return v;
}

/** A title is compared with the reference list, never cleaned (cleaning could make two names equal). */
function title(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_TITLE_PARTS) return undefined;
  if (!v.every((x) => typeof x === 'string' && x.length <= MAX_STRING)) return undefined;
  return v as string[];
}

const STATES: ReadonlySet<string> = new Set(['passed', 'failed', 'skipped', 'pending']);

export function parseRecord(v: unknown, clean: Clean): RawRecord | undefined {
  if (!isObject(v) || typeof v['type'] !== 'string') return undefined;
  const text = (x: unknown): string | undefined => (typeof x === 'string' ? clean(x, MAX_STRING) : undefined);
  switch (v['type']) {
    case 'start':
      return typeof v['vitest'] === 'string' ? { type: 'start', vitest: clean(v['vitest'], 50) } : undefined;
    case 'collected': {
      const file = relFile(v['file']);
      const tests = Array.isArray(v['tests']) && v['tests'].length <= 10_000 ? v['tests'].map(title) : undefined;
      const errors = strings(v['errors'], clean);
      if (file === undefined || tests === undefined || tests.some((t) => t === undefined) || errors === undefined) return undefined;
      return { type: 'collected', file, tests: tests as string[][], errors };
    }
    case 'begin':
    case 'end': {
      const file = relFile(v['file']);
      const t = title(v['title']);
      return file === undefined || t === undefined ? undefined : { type: v['type'], file, title: t };
    }
    case 'killed': {
      const file = relFile(v['file']);
      const t = title(v['title']);
      const reason = text(v['reason']);
      return file === undefined || t === undefined || reason === undefined ? undefined : { type: 'killed', file, title: t, reason };
    }
    case 'test': {
      const file = relFile(v['file']);
      const t = title(v['title']);
      const state = v['state'];
      if (file === undefined || t === undefined || typeof state !== 'string' || !STATES.has(state)) return undefined;
      const seconds = typeof v['seconds'] === 'number' && Number.isFinite(v['seconds']) ? Math.max(0, v['seconds']) : 0;
      const s = v['sentinel'];
      const sentinel = isObject(s) && typeof s['verdict'] === 'string' && typeof s['integrity'] === 'string' && typeof s['mac'] === 'string'
        && s['verdict'].length <= 10 && s['integrity'].length <= MAX_STRING && s['mac'].length <= 128
        ? { verdict: s['verdict'], integrity: s['integrity'], mac: s['mac'] }
        : undefined;
      const reason = text(v['reason']);
      return { type: 'test', file, title: t, state: state as TestState, seconds, ...(sentinel ? { sentinel } : {}), ...(reason !== undefined ? { reason } : {}) };
    }
    case 'module': {
      const file = relFile(v['file']);
      const errors = strings(v['errors'], clean);
      return file === undefined || errors === undefined ? undefined : { type: 'module', file, errors };
    }
    case 'done': {
      const unhandled = strings(v['unhandled'], clean);
      return unhandled === undefined ? undefined : { type: 'done', unhandled };
    }
    case 'crash': {
      const message = text(v['message']);
      return message === undefined ? undefined : { type: 'crash', message };
    }
    default:
      return undefined;
  }
}

/**
 * The records as the grader uses them: each test's verdict checked against its file's key. `root` is
 * the run's workspace (the sentinel signs absolute paths, the same inside the sandbox and out).
 */
export function verifyRecords(raw: readonly RawRecord[], root: string, keyOf: (file: string) => Buffer | undefined, tampering: readonly string[]): RunRecord[] {
  return raw.map((r): RunRecord => {
    if (r.type !== 'test') return r;
    const { sentinel, ...rest } = r;
    const verdict = checkSignature(sentinel, path.join(root, r.file), r.title, keyOf);
    // Someone asked for a key in a worker's name: nothing this run signed can be trusted.
    const integrity = tampering.length > 0 ? `${tampering[0]!} (the grader's key service)` : verdict.integrity;
    return { ...rest, signed: verdict.signed, integrity };
  });
}

function checkSignature(
  s: { verdict: string; integrity: string; mac: string } | undefined,
  file: string,
  titlePath: readonly string[],
  keyOf: (file: string) => Buffer | undefined,
): { signed: 'pass' | 'fail' | 'missing' | 'bad-signature'; integrity: string } {
  const key = keyOf(file);
  if (s === undefined || key === undefined) return { signed: 'missing', integrity: 'ok' };
  const expected = crypto.createHmac('sha256', key).update(signedMessage(file, titlePath, s.verdict, s.integrity)).digest();
  const got = Buffer.from(/^[0-9a-f]{64}$/.test(s.mac) ? s.mac : '', 'hex');
  if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) return { signed: 'bad-signature', integrity: 'ok' };
  return { signed: s.verdict === 'pass' ? 'pass' : 'fail', integrity: s.integrity };
}
