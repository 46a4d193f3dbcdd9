/**
 * The grader's setup file, loaded in every test worker BEFORE the test file and therefore before any
 * student code. The student's code shares this process with the tests (that is how a function is
 * tested), so this file:
 *
 * - asks the grader, over its Unix socket, for the key of this worker's test file, and keeps it only in
 *   this closure (vitest's main process never has it: see grading/lib/keys.ts);
 * - seeds Math.random and crypto's random sources (same submission, same numbers; seed-randomness.ts);
 * - locks the static built-ins assertions rely on (Object.is, Math.abs, JSON, Reflect, …) so they
 *   cannot be replaced, and snapshots the prototypes and vitest's expect machinery so a change is seen;
 * - wraps each test function (before the student's code can reach it) to learn on its own whether
 *   it threw, independent of the state vitest keeps in objects the student's code can reach;
 * - checks, at every assertion and after every test, that nothing was modified and that expect
 *   still fails when it should (canaries);
 * - signs each test's verdict with the key. The trusted reporter in vitest's main process counts a
 *   test as passed only with a valid signature saying so.
 */
import fs from 'node:fs';
import net from 'node:net';
import { beforeEach, chai, expect, inject } from 'vitest';
import { getFn, setFn } from '@vitest/runner';
import type { RunnerTask, RunnerTestCase, RunnerTestSuite } from 'vitest';
import { fromHex, hmacSha256Hex } from './sha256.ts';
import { KEY_SOCKET_ENV, signedMessage } from './protocol.ts';
import { seedRandomness } from './seed-randomness.ts';

declare module 'vitest' {
  interface ProvidedContext {
    dlkitSeed: number;
  }
}

// ---- built-ins captured before any student code runs ----------------------------------------------
const O = Object;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const ownKeys = Reflect.ownKeys;
const apply = Reflect.apply;
const isArray = Array.isArray;
const WeakMapCtor = WeakMap;
// Captured before student code can replace them; always called through Reflect.apply on our own maps.
// eslint-disable-next-line @typescript-eslint/unbound-method
const weakGet = WeakMap.prototype.get;
// eslint-disable-next-line @typescript-eslint/unbound-method
const weakSet = WeakMap.prototype.set;
const ErrorCtor = Error;
const stringOf = String;

// ---- the key --------------------------------------------------------------------------------------
const seed = inject('dlkitSeed');
const workerFile = (globalThis as { __vitest_worker__?: { filepath?: unknown } }).__vitest_worker__?.filepath;
const KEY = await requestKey(process.env[KEY_SOCKET_ENV], typeof workerFile === 'string' ? workerFile : undefined);
Reflect.deleteProperty(process.env, KEY_SOCKET_ENV);

/**
 * This file's key, from the grader (one per test file, given once). No key (outside the grader, or
 * refused): the tests run as usual but nothing is signed, so the grader counts none of them as passed.
 */
function requestKey(socketPath: string | undefined, file: string | undefined): Promise<Uint8Array> {
  if (socketPath === undefined || socketPath === '' || file === undefined) return Promise.resolve(new Uint8Array(0));
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.createConnection(socketPath, () => { socket.write(`${JSON.stringify({ file })}\n`); });
    socket.setTimeout(30_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.length > 100) socket.destroy();
    });
    socket.on('error', () => { socket.destroy(); });
    socket.on('close', () => { resolve(/^[0-9a-f]{64}\n$/.test(reply) ? fromHex(reply.trim()) : new Uint8Array(0)); });
  });
}

// ---- progress (untrusted by the runner; written synchronously so that a test that hangs is known) ----
const writeSync = fs.writeSync;
const progressFile = process.env['DLKIT_PROGRESS_FILE'];
let progressFd = -1;
try {
  if (progressFile !== undefined) progressFd = fs.openSync(progressFile, 'a');
} catch {
  progressFd = -1;
}
const stringify = JSON.stringify;
function progress(event: 'begin' | 'end', file: string, title: string[]): void {
  if (progressFd < 0) return;
  try {
    writeSync(progressFd, `${stringify({ event, file, title })}\n`);
  } catch {
    // closed by someone else: the runner then only has vitest's own events
  }
}

// ---- seeded randomness ----------------------------------------------------------------------------
// Math.random and every crypto source: the same submission graded twice draws the same numbers.
seedRandomness(typeof seed === 'number' ? seed : 1);

// ---- locking and snapshots ------------------------------------------------------------------------
type Holder = Record<PropertyKey, unknown>;

/** Static namespaces whose function properties are locked: nothing legitimately replaces them. */
const LOCKED: Array<[string, Holder]> = [
  ['Object', O as unknown as Holder],
  ['Reflect', Reflect],
  ['Math', Math as unknown as Holder],
  ['JSON', JSON as unknown as Holder],
  ['Number', Number as unknown as Holder],
  ['Array', Array as unknown as Holder],
  ['String', String as unknown as Holder],
  ['Symbol', Symbol as unknown as Holder],
  ['Promise', Promise as unknown as Holder],
];

const typedArrayPrototype = O.getPrototypeOf(Float64Array.prototype) as Holder;
/** Prototypes: not locked (libraries assign methods on their own subclasses), but watched. */
const WATCHED: Array<[string, Holder]> = [
  ['Object.prototype', O.prototype as Holder],
  ['Array.prototype', Array.prototype as unknown as Holder],
  ['Function.prototype', Function.prototype as unknown as Holder],
  ['String.prototype', String.prototype as unknown as Holder],
  ['Number.prototype', Number.prototype as unknown as Holder],
  ['Boolean.prototype', Boolean.prototype as unknown as Holder],
  ['Error.prototype', Error.prototype as unknown as Holder],
  ['Promise.prototype', Promise.prototype as unknown as Holder],
  ['Map.prototype', Map.prototype as unknown as Holder],
  ['Set.prototype', Set.prototype as unknown as Holder],
  ['RegExp.prototype', RegExp.prototype as unknown as Holder],
  ['TypedArray.prototype', typedArrayPrototype],
  ['Float64Array.prototype', Float64Array.prototype as unknown as Holder],
  ['Float32Array.prototype', Float32Array.prototype as unknown as Holder],
  ['Int32Array.prototype', Int32Array.prototype as unknown as Holder],
  ['Uint8Array.prototype', Uint8Array.prototype as unknown as Holder],
];

const chaiUtil = (chai as unknown as { util: Holder }).util;
const assertionPrototype = (chai as unknown as { Assertion: { prototype: Holder } }).Assertion.prototype;
const globals = globalThis as unknown as Holder;
const jestMatchers = globals[Symbol.for('$$jest-matchers-object')] as Holder | undefined;
const matchersObject = globals[Symbol.for('matchers-object')] as Holder | undefined;

/** vitest's expect machinery: additions are allowed (expect.extend), changes are not. */
const EXPECT_PARTS: Array<[string, Holder | undefined]> = [
  ['expect', expect as unknown as Holder],
  ['chai', chai],
  ['chai.util', chaiUtil],
  ['chai.Assertion.prototype', assertionPrototype],
  ['jest matchers state', jestMatchers],
  ['jest matchers', jestMatchers?.['matchers'] as Holder | undefined],
  ['matchers object', matchersObject],
];

interface Snapshot {
  label: string;
  target: Holder;
  keys: PropertyKey[];
  values: unknown[];
  getters: unknown[];
  setters: unknown[];
  /** New keys count as a change (a property added to Object.prototype reaches every object). */
  strict: boolean;
}

function snapshot(label: string, target: Holder, strict: boolean): Snapshot {
  const keys = ownKeys(target).filter((k) => !(target === (Math as unknown as Holder) && UNLOCKED.has(k)));
  const values: unknown[] = [];
  const getters: unknown[] = [];
  const setters: unknown[] = [];
  for (let i = 0; i < keys.length; i++) {
    const d = getOwnPropertyDescriptor(target, keys[i]!);
    values[i] = d === undefined ? undefined : typeof d.value === 'function' ? d.value : undefined;
    // Accessors are compared by identity, never called.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    getters[i] = d?.get;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    setters[i] = d?.set;
  }
  return { label, target, keys, values, getters, setters, strict };
}

function changesIn(s: Snapshot): string | undefined {
  const now = ownKeys(s.target);
  if (s.strict && now.length !== s.keys.length) {
    return `${s.label} gained or lost properties (${s.keys.length} → ${now.length})`;
  }
  for (let i = 0; i < s.keys.length; i++) {
    const k = s.keys[i]!;
    const d = getOwnPropertyDescriptor(s.target, k);
    const name = `${s.label}.${typeof k === 'symbol' ? stringOf(k) : k}`;
    if (d === undefined) return `${name} was deleted`;
    if (s.values[i] !== undefined && d.value !== s.values[i]) return `${name} was replaced`;
    if (d.get !== s.getters[i] || d.set !== s.setters[i]) return `${name} was redefined`;
  }
  return undefined;
}

/**
 * Left alone: Math.random (seeded above; the kit's own test helpers swap in another seeded generator
 * for a while, and it decides nothing in an assertion).
 */
const UNLOCKED = new Set<PropertyKey>(['random']);

// Lock the static namespaces first.
for (const [, target] of LOCKED) {
  const keys = ownKeys(target);
  for (let i = 0; i < keys.length; i++) {
    if (target === (Math as unknown as Holder) && UNLOCKED.has(keys[i]!)) continue;
    const d = getOwnPropertyDescriptor(target, keys[i]!);
    if (d && typeof d.value === 'function' && d.configurable === true) {
      defineProperty(target, keys[i]!, { value: d.value, writable: false, enumerable: d.enumerable, configurable: false });
    }
  }
}

// Route every assertion through an integrity check, then lock the assertion method itself.
const originalAssert = assertionPrototype['assert'] as (...args: unknown[]) => unknown;
const flag = chaiUtil['flag'] as (obj: unknown, key: string) => unknown;
let violation: string | undefined;

function guardedAssert(this: unknown, ...args: unknown[]): unknown {
  noteViolation(currentChanges());
  noteViolation(fakeMatcherIn(apply(flag, undefined, [this, 'object'])));
  return apply(originalAssert, this, args);
}
defineProperty(assertionPrototype, 'assert', { value: guardedAssert, writable: false, enumerable: false, configurable: false });

const SNAPSHOTS: Snapshot[] = [
  // Locked namespaces may gain properties (a polyfill adding what Node lacks changes nothing we use).
  ...LOCKED.map(([l, t]) => snapshot(l, t, false)),
  // Prototypes may gain methods (polyfills do that), except Object.prototype, which every object
  // inherits from; a matcher-shaped property anywhere is caught by FORBIDDEN_KEYS below.
  ...WATCHED.map(([l, t]) => snapshot(l, t, l === 'Object.prototype')),
  ...EXPECT_PARTS.filter((p): p is [string, Holder] => p[1] !== undefined).map(([l, t]) => snapshot(l, t, false)),
];

/** Properties that make every value that inherits them decide its own equality in toEqual. */
const FORBIDDEN_KEYS: PropertyKey[] = ['asymmetricMatch', '$$typeof'];

function currentChanges(): string | undefined {
  for (let i = 0; i < SNAPSHOTS.length; i++) {
    const c = changesIn(SNAPSHOTS[i]!);
    if (c !== undefined) return c;
  }
  // Index loops only: after student code has run, Array.prototype[Symbol.iterator] may be anything.
  for (let i = 0; i < WATCHED.length; i++) {
    const entry = WATCHED[i]!;
    for (let j = 0; j < FORBIDDEN_KEYS.length; j++) {
      if (getOwnPropertyDescriptor(entry[1], FORBIDDEN_KEYS[j]!) !== undefined) return `${entry[0]}.${stringOf(FORBIDDEN_KEYS[j]!)} was added`;
    }
  }
  return undefined;
}

function noteViolation(v: string | undefined): void {
  if (v !== undefined && violation === undefined) violation = v;
}

/**
 * A value under test that carries an `asymmetricMatch` method makes `toEqual` ask IT whether it
 * equals the expected value. Tests never put matchers on the actual side, so one there is an attack.
 */
function fakeMatcherIn(actual: unknown, depth = 0): string | undefined {
  if (actual === null || (typeof actual !== 'object' && typeof actual !== 'function')) return undefined;
  let probe: unknown;
  try {
    probe = (actual as Holder)['asymmetricMatch'];
  } catch {
    return 'the value under test throws when inspected';
  }
  if (typeof probe === 'function') return 'the value under test carries an asymmetricMatch method (it would decide its own equality)';
  if (depth >= 2) return undefined;
  if (isArray(actual)) {
    const n = actual.length < 10_000 ? actual.length : 10_000;
    for (let i = 0; i < n; i++) {
      const v = fakeMatcherIn(actual[i], depth + 1);
      if (v !== undefined) return v;
    }
  } else if (O.getPrototypeOf(actual) === O.prototype) {
    const keys = ownKeys(actual);
    const n = keys.length < 1000 ? keys.length : 1000;
    for (let i = 0; i < n; i++) {
      const v = fakeMatcherIn((actual as Holder)[keys[i]!], depth + 1);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

// ---- canaries -------------------------------------------------------------------------------------
const CANARIES: Array<[string, () => void]> = [
  ['expect(1).toBe(2)', () => { expect(1).toBe(2); }],
  ['expect(2).not.toBe(2)', () => { expect(2).not.toBe(2); }],
  ['expect([1, 2]).toEqual([1, 3])', () => { expect([1, 2]).toEqual([1, 3]); }],
  ['expect(Float64Array [1]).toEqual(Float64Array [2])', () => { expect(new Float64Array([1])).toEqual(new Float64Array([2])); }],
  ['expect(0.5).toBeLessThanOrEqual(0.1)', () => { expect(0.5).toBeLessThanOrEqual(0.1); }],
  ['expect(1).toBeCloseTo(2)', () => { expect(1).toBeCloseTo(2); }],
  ['expect(NaN).toBe(0)', () => { expect(Number.NaN).toBe(0); }],
  ['expect(() => 1).toThrow()', () => { expect(() => 1).toThrow(); }],
  ['expect(true).toBe(false)', () => { expect(true).toBe(false); }],
];

function canaryFailure(): string | undefined {
  for (let i = 0; i < CANARIES.length; i++) {
    const canary = CANARIES[i]!;
    let threw = false;
    try {
      canary[1]();
    } catch (e) {
      threw = e instanceof ErrorCtor;
    }
    if (!threw) return `expect no longer fails: the canary ${canary[0]} passed`;
  }
  return undefined;
}

// ---- per-test wrapping and signing ----------------------------------------------------------------
type TestFn = (...args: unknown[]) => unknown;
const originals = new WeakMapCtor<object, TestFn>();
const ran = new WeakMapCtor<object, { completed: boolean }>();

/** Describe names, then the test name; the file's own (nameless) suite is left out, as the reporter does. */
function titleOf(task: RunnerTask): string[] {
  const parts: string[] = [task.name];
  let s: RunnerTestSuite | undefined = task.suite;
  while (s !== undefined && !('filepath' in s)) {
    parts.unshift(s.name);
    s = s.suite;
  }
  return parts;
}

function allTests(suite: RunnerTestSuite, out: RunnerTestCase[] = []): RunnerTestCase[] {
  for (const t of suite.tasks) {
    if (t.type === 'test') out.push(t);
    else if (t.type === 'suite') allTests(t, out);
  }
  return out;
}

const capturedFiles = new WeakMapCtor<object, boolean>();

/** Remembers every test function of the file as the test file defined it (collection is over by the first test). */
function captureOriginals(file: RunnerTestSuite): void {
  if (apply(weakGet, capturedFiles, [file]) === true) return;
  apply(weakSet, capturedFiles, [file, true]);
  for (const t of allTests(file)) {
    const fn = getFn(t) as TestFn | undefined;
    if (fn !== undefined) apply(weakSet, originals, [t, fn]);
  }
}

beforeEach((ctx) => {
  const task = ctx.task;
  captureOriginals(task.file);
  const fn = (apply(weakGet, originals, [task]) as TestFn | undefined) ?? (getFn(task));
  const record = { completed: false };
  apply(weakSet, ran, [task, record]);
  setFn(task, async function guardedTest(this: unknown, ...args: unknown[]): Promise<void> {
    record.completed = false;
    await apply(fn, this, args);
    record.completed = true;
  });
  const fileForProgress = task.file.filepath;
  const titleForProgress = titleOf(task);
  progress('begin', fileForProgress, titleForProgress);
  ctx.onTestFinished(() => {
    progress('end', fileForProgress, titleForProgress);
    noteViolation(currentChanges());
    noteViolation(canaryFailure());
    const integrity = violation ?? 'ok';
    const verdict = record.completed && task.result?.state === 'pass' && integrity === 'ok' ? 'pass' : 'fail';
    const file = task.file.filepath;
    const mac = hmacSha256Hex(KEY, signedMessage(file, titleOf(task), verdict, integrity));
    task.meta['dlkit'] = { verdict, integrity, mac };
    if (integrity !== 'ok') throw new ErrorCtor(`The grader detected tampering: ${integrity}.`);
  });
});

declare module '@vitest/runner' {
  interface TaskMeta {
    dlkit?: { verdict: string; integrity: string; mac: string };
  }
}
