/**
 * Submissions crafted to cheat or to break the grader, all on exercise 01 (its tests take seconds).
 * Each one is written into a class folder by `writeAttacks`; tamper.test.ts grades the folder as a
 * class and checks every outcome. The code strings are what a student would hand in: they must
 * parse, but may have type errors (those cost nothing by themselves).
 */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { REPO_ROOT } from '#kit/errors';
import { planStubs } from '#kit/stubs';
import type { ExerciseStatus, SubmissionReport } from '../lib/report.ts';

export const EXERCISE = '01-he-init';
const HE = `exercises/${EXERCISE}/he-init.ts`;
const RELU = `exercises/${EXERCISE}/relu-network.ts`;
export const FULL = 15;

const solution = (file: string): string => fs.readFileSync(path.join(REPO_ROOT, file.replace(/^exercises\//, 'solutions/')), 'utf8');
const stub = (file: string): string => planStubs().find((p) => p.exercise === file)!.text;

/** Plain wrong answers of the right types: what an honest but wrong submission earns is the baseline. */
const WRONG: Record<string, string> = {
  simulatePreactivations: 'return new Float64Array(trials);',
  productVariance: 'return varA * varB;',
  weightInputVariance: 'return varW * varX;',
  expectedPreactivation: 'return 0;',
  conditionalDensity: 'return weightDensity(z / x) / x;',
  symmetryGap: 'return density(zMax) - density(-zMax);',
  varianceByDefinition: 'return integrate((z) => z * z * density(z), -Infinity, Infinity);',
  varianceFromPositiveHalf: 'return integrate((z) => z * z * density(z), 0, Infinity);',
  expectedReluSquare: 'return varianceFromPositiveHalf(density) / 2;',
  heNormal: 'return { rows: nOut, cols: nIn, data: rng.normals(nIn * nOut, 0, 1 / nIn) };',
  activationMeanSquares: 'return new Float64Array(depth + 1).fill(1);',
};

function wrong(file: string): string {
  return stub(file).replace(/throw new NotImplemented\('([A-Za-z.]+)'\);/g, (_, fn: string) => WRONG[fn] ?? 'return 0 as never;');
}

/** Inserts `code` at the start of function `fn`'s body region (after its BEGIN SOLUTION marker). */
function inject(text: string, fn: string, code: string): string {
  const at = text.indexOf(`export function ${fn}(`);
  const marker = text.indexOf('// BEGIN SOLUTION\n', at);
  if (at < 0 || marker < 0) throw new Error(`no function ${fn} with a solution region`);
  const end = marker + '// BEGIN SOLUTION\n'.length;
  return `${text.slice(0, end)}  ${code}\n${text.slice(end)}`;
}

/** Prepends code to every stubbed function of a wrong submission. */
function injectAll(text: string, code: (fn: string) => string): string {
  return text.replace(/(export function (\w+)\([^]*?\{\n)/g, (m: string, _head: string, fn: string) => `${m}  ${code(fn)}\n`);
}

/** Reaches Node's modules around the import rule (computed names): what an attacker would do. */
const LOAD = `const __g = globalThis as unknown as Record<string, any>;
const __proc = __g['pro' + 'cess'];
const __load = (m: string): any => __proc['getBuilt' + 'inModule'](m);
`;

/** Paths and ports the tamper test sets up outside the sandbox before grading (see tamper.test.ts). */
export const PLANTED = {
  /** A root-only file (0600) holding `secretToken`: no run may read it. */
  rootSecret: '/tmp/dlkit-root-secret.txt',
  secretToken: 'DLKIT-SECRET-7f3a9c',
  /** A world-readable copy of the kit elsewhere on the machine (an instructor's checkout). */
  worldCopy: '/tmp/dlkit-world-readable-kit',
  /** A process outside the run answering on a Unix socket file, an abstract socket and loopback TCP. */
  oracleSocket: '/tmp/dlkit-oracle.sock',
  oracleAbstract: '\0dlkit-oracle',
  oraclePort: 47_811,
} as const;

/** `solution` with every function returning a wrong answer unless `flag` (a boolean expression) holds. */
const correctOnlyIf = (solution: string, flag: string): string =>
  solution.replace(/export function (\w+)\(([^]*?)\{\n/g, (m: string) => `${m}  if (!(${flag})) return 0 as never;\n`);

export interface Attack {
  name: string;
  /** One line for the report. */
  what: string;
  /** Files of the submission folder (relative path → content). */
  files?: Record<string, string>;
  /** Builds anything else (zips, sparse files, links) into `dir` (the class folder). */
  build?: (dir: string) => void;
  expect: {
    score?: number;
    maxScore?: number;
    status?: ExerciseStatus;
    notStatus?: ExerciseStatus;
    reason?: RegExp;
    check?: (r: SubmissionReport) => void;
  };
}

const submissionOf = (he: string, relu = solution(RELU)): Record<string, string> => ({ [HE]: he, [RELU]: relu });

export function attacks(): Attack[] {
  const solHe = solution(HE);
  const solRelu = solution(RELU);
  const wrongHe = wrong(HE);
  const wrongRelu = wrong(RELU);
  const wrongAll = (extraHe = '', extraRelu = ''): Record<string, string> => ({ [HE]: wrongHe + extraHe, [RELU]: wrongRelu + extraRelu });
  return [
    // ---- baselines ------------------------------------------------------------------------------
    { name: 'reference', what: 'the reference solution', files: submissionOf(solHe), expect: { score: FULL, status: 'graded' } },
    { name: 'untouched', what: 'nothing handed in but a README', files: { 'README.md': '# my homework\n' }, expect: { score: 0, status: 'graded' } },
    { name: 'wrong', what: 'honest wrong answers (the baseline the attacks below build on)', files: wrongAll(), expect: { score: 0, status: 'graded' } },

    // ---- fooling the assertions ----------------------------------------------------------------
    {
      name: 'expect-extend',
      what: 'overrides toBe/toEqual/… through the global expect (Symbol.for("expect-global")).extend',
      files: wrongAll(`
const expectGlobal = (globalThis as any)[Symbol.for('expect-global')];
try {
  const pass = () => ({ pass: true, message: () => '' });
  expectGlobal?.extend({ toBe: pass, toEqual: pass, toBeLessThanOrEqual: pass, toBeGreaterThan: pass, toBeCloseTo: pass, toBeInstanceOf: pass, toThrow: pass });
} catch { /* keep going */ }
`),
      expect: { score: 0 },
    },
    {
      name: 'equality-tester',
      what: 'adds an equality tester that says everything is equal (jest matchers state)',
      files: wrongAll(`
const state = (globalThis as any)[Symbol.for('$$jest-matchers-object')];
state?.customEqualityTesters?.push(() => true);
`),
      expect: { score: 0, status: 'tampered' },
    },
    {
      name: 'builtin-patch',
      what: 'replaces Object.is, Math.abs, Number.isFinite and Array.prototype.every (assertions use them)',
      files: wrongAll(`
for (const [o, k, v] of [[Object, 'is', () => true], [Math, 'abs', () => 0], [Number, 'isFinite', () => true]] as const) {
  try { (o as any)[k] = v; } catch { /* locked */ }
  try { Object.defineProperty(o, k, { value: v }); } catch { /* locked */ }
}
Array.prototype.every = function () { return true; };
`),
      expect: { score: 0 },
    },
    {
      name: 'prototype-matcher',
      what: 'gives every object an asymmetricMatch method (Object.prototype), so toEqual asks the object',
      files: wrongAll(`
Object.defineProperty(Object.prototype, 'asymmetricMatch', { value: () => true, configurable: true, writable: true });
`),
      expect: { score: 0, status: 'tampered' },
    },
    {
      name: 'fake-matcher-value',
      what: 'returns values that carry their own asymmetricMatch (a Float64Array subclass, a plain object)',
      files: {
        [HE]: injectAll(wrongHe, (fn) => fn === 'simulatePreactivations'
          ? 'class Yes extends Float64Array { asymmetricMatch() { return true; } } return new Yes(trials) as Float64Array;'
          : ''),
        [RELU]: injectAll(wrongRelu, (fn) => fn === 'heNormal'
          ? 'return { rows: nOut, cols: nIn, data: { asymmetricMatch: () => true } } as never;'
          : 'return { asymmetricMatch: () => true, length: depth + 1 } as never;'),
      },
      expect: { score: 0 },
    },
    {
      name: 'runner-state',
      what: 'marks the running test as "expected to fail" in vitest\'s worker state, so its failure counts as a pass',
      files: {
        [HE]: injectAll(wrongHe, () => { return "{ const c = (globalThis as any).__vitest_worker__?.current; if (c) c.fails = true; }"; }),
        [RELU]: injectAll(wrongRelu, () => "{ const c = (globalThis as any).__vitest_worker__?.current; if (c) c.fails = true; }"),
      },
      expect: { score: 0 },
    },
    {
      name: 'sentinel-key',
      what: 'hunts for the per-run signing key (vitest state, environment, /proc/self/environ); correct answers only if found',
      files: submissionOf(`${LOAD}
let found = false;
const seen = new Set<unknown>();
const hunt = (v: unknown, depth: number): void => {
  if (found || depth > 6 || v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  for (const k of Object.keys(v as object)) {
    try {
      const x = (v as any)[k];
      if (typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)) found = true;
      else hunt(x, depth + 1);
    } catch { /* getters */ }
  }
};
hunt((globalThis as any).__vitest_worker__, 0);
hunt(__proc.env, 0);
try { if (/[0-9a-f]{64}/.test(__load('fs').readFileSync('/proc/self/environ', 'utf8'))) found = true; } catch { /* */ }
${solHe.replace(/export function (\w+)\(([^]*?)\{\n/g, (m: string) => `${m}  if (!found) return 0 as never;\n`)}`, wrongRelu),
      expect: { score: 0 },
    },

    // ---- the trust boundary: nothing privileged serves the run, nothing outside it is visible ------
    {
      name: 'worker-rpc-read',
      what: 'asks vitest\'s main process, through the worker\'s RPC, for root-only files, the run\'s spec and /proc; correct answers only if one comes back',
      files: submissionOf(`
let leaked = false;
const rpc = (globalThis as any).__vitest_worker__?.rpc;
for (const id of [${JSON.stringify(PLANTED.rootSecret)}, '/etc/shadow', '/@fs/etc/shadow?raw', '/proc/1/environ?raw', '/proc/self/environ?raw', '../../.grader/spec.json?raw', '/root/.bash_history?raw']) {
  for (const method of ['fetch', 'transform', 'resolve']) {
    try {
      const out = await rpc?.[method]?.(id, undefined, 'ssr', {});
      const text = JSON.stringify(out ?? '');
      if (text.includes(${JSON.stringify(PLANTED.secretToken)}) || /root:[^:]*:\\d+:\\d+:\\d*:/.test(text)) leaked = true;
    } catch { /* refused */ }
  }
}
${correctOnlyIf(solHe, 'leaked')}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'vite-glob-raw',
      what: 'import.meta.glob(…, { query: "?raw" }) on root-only files, the grader folder and other exercises\' hidden tests; correct answers only if any is read',
      files: submissionOf(`
const found = Object.values({
  ...import.meta.glob('/../../../tmp/dlkit-root-secret.txt', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('/../../../etc/shadow', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../../grading/*/rubric.json', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../../grading/0[2-9]*/*.ts', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob('../../solutions/**/*.ts', { query: '?raw', import: 'default', eager: true }),
}).some((v) => String(v).length > 0);
${correctOnlyIf(solHe, 'found')}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'key-theft',
      what: 'finds the grader\'s key socket and asks it for the keys of its own and of the hidden test file, then signs every verdict "pass"',
      files: wrongAll(`${LOAD}
{
  const net = __load('net');
  const fs = __load('fs');
  const here = new URL('.', import.meta.url).pathname;
  const socket = (() => { try { return JSON.parse(fs.readFileSync(here + '../../.grader/spec.json', 'utf8')).workerEnv.DLKIT_KEY_SOCKET; } catch { return undefined; } })();
  const files = [here + 'he-init.test.ts', here + '../../grading/${EXERCISE}/he-init.hidden.test.ts', here + 'relu-network.test.ts'];
  if (socket) for (const file of files) {
    await new Promise<void>((done) => {
      const s = net.createConnection(socket, () => s.write(JSON.stringify({ file }) + '\\n'));
      s.on('data', () => {}); s.on('close', () => done()); s.on('error', () => done());
    });
  }
}
`),
      expect: { score: 0 },
    },
    {
      name: 'host-snoop',
      what: 'looks for a world-readable copy of the kit, build caches under /tmp, the host\'s processes; correct answers only if it finds any of them',
      files: submissionOf(`${LOAD}
let seen = false;
const fs = __load('fs');
const tryRead = (p: string): void => { try { if (fs.readFileSync(p, 'utf8').length > 0) seen = true; } catch { /* hidden */ } };
tryRead(${JSON.stringify(path.join(PLANTED.worldCopy, 'solutions', EXERCISE, 'he-init.ts'))});
tryRead(${JSON.stringify(path.join(REPO_ROOT, 'solutions', EXERCISE, 'he-init.ts'))});
// Anything in the scratch folders but the path down to its own workspace was left by someone else.
const own = __proc.cwd().split('/')[2];
for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) {
  try { for (const e of fs.readdirSync(dir)) if (!(dir === '/tmp' && e === own) && /tsx|dlkit|vitest|vite/.test(e)) seen = true; } catch { /* hidden */ }
}
try {
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid)) continue;
    try { if (/tamper\\.test|scripts\\/grade|vitest run/.test(fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8'))) seen = true; } catch { /* not ours */ }
  }
} catch { /* no /proc */ }
${correctOnlyIf(solHe, 'seen')}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'oracle',
      what: 'asks a process outside the run for the answers: a Unix socket under /tmp, an abstract socket, loopback TCP',
      files: submissionOf(`${LOAD}
const net = __load('net');
const ask = (target: unknown): Promise<boolean> => new Promise((done) => {
  try {
    const s = net.createConnection(target as never);
    let got = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('data', (d: Buffer) => { got += d.toString(); });
    s.on('close', () => done(got.includes('answers')));
    s.on('error', () => done(false));
  } catch { done(false); }
});
const answered = (await Promise.all([ask(${JSON.stringify(PLANTED.oracleSocket)}), ask(${JSON.stringify(PLANTED.oracleAbstract)}), ask({ host: '127.0.0.1', port: ${PLANTED.oraclePort} })])).some(Boolean);
${correctOnlyIf(solHe, 'answered')}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'ipc-shm',
      what: 'creates System V shared memory and semaphores meant to outlive the run, and looks for segments left by others; correct answers only if it finds one',
      files: submissionOf(`${LOAD}
const cp = __load('child_process');
let found = false;
try {
  cp.execFileSync('ipcmk', ['-M', '4096']);
  cp.execFileSync('ipcmk', ['-S', '2']);
  const listing = String(cp.execFileSync('ipcs', ['-m']));
  // Our own segment is one line; any other is someone else's.
  found = listing.split('\\n').filter((l: string) => /^0x[0-9a-f]+\\s+\\d+/.test(l)).length > 1;
} catch { /* no ipc tools */ }
${correctOnlyIf(solHe, 'found')}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'uts-and-mounts',
      what: 'tries to rename the host, to remount what it sees writable and to write under the system folders',
      files: wrongAll(`${LOAD}
{
  const cp = __load('child_process');
  for (const args of [['hostname', 'dlkit-pwned'], ['mount', '-o', 'remount,rw', '/usr'], ['sh', '-c', 'echo pwned > /usr/dlkit-pwned; echo pwned > /etc/dlkit-pwned']]) {
    try { cp.execFileSync(args[0], args.slice(1), { stdio: 'ignore' }); } catch { /* refused */ }
  }
}
`),
      expect: { score: 0 },
    },

    // ---- floods and traps for the grader itself ---------------------------------------------------
    {
      name: 'progress-flood',
      what: 'writes 300 MB into the progress file the runner\'s watchdog reads (one endless line, then huge "begin" lines)',
      files: wrongAll(`${LOAD}
{
  const fs = __load('fs');
  const file = __proc.env['DLKIT_PROGRESS_FILE'];
  const junk = 'x'.repeat(1 << 20);
  try {
    const fd = fs.openSync(file, 'a');
    for (let i = 0; i < 200; i++) fs.writeSync(fd, junk);
    const huge = JSON.stringify({ event: 'begin', file: 'x', title: ['y'.repeat(1 << 20)] }) + '\\n';
    for (let i = 0; i < 100; i++) fs.writeSync(fd, huge);
  } catch { /* refused */ }
}
`),
      expect: { score: 0 },
    },
    {
      name: 'deep-tree',
      what: 'leaves a 3,000-level directory tree in every folder it may write (home, temp, output, /tmp, /dev/shm)',
      files: wrongAll(`${LOAD}
{
  const fs = __load('fs');
  const path = __load('path');
  for (const base of [__proc.env['HOME'], __proc.env['TMPDIR'], __proc.env['KIT_OUT_DIR'], '/tmp', '/dev/shm', '/var/tmp']) {
    if (!base) continue;
    try {
      let dir = path.join(base, 'deep');
      fs.mkdirSync(dir);
      for (let i = 0; i < 3000; i++) { process.chdir(dir); dir = 'd'; fs.mkdirSync(dir); }
      fs.writeFileSync(path.join(dir, 'f'), 'x');
    } catch { /* refused or too deep */ }
  }
}
`),
      expect: { score: 0 },
    },

    // ---- leaving early, or lying about the results -------------------------------------------
    {
      name: 'exit-0-one-function',
      what: 'process.exit(0) inside symmetryGap only, the rest correct: loses part 3c only',
      files: submissionOf(inject(solHe, 'symmetryGap', 'process.exit(0);')),
      expect: { score: FULL - 1 },
    },
    {
      name: 'really-exit',
      what: 'process.reallyExit(0) (no vitest hook) inside varianceFromPositiveHalf, the rest correct: loses that function\'s 2 bonus points only',
      files: submissionOf(inject(solHe, 'varianceFromPositiveHalf', '(process as any).reallyExit(0);')),
      expect: { score: FULL - 2 },
    },
    {
      name: 'fake-output',
      what: 'prints fake vitest output and a fake results.json with full marks on stdout and stderr, then 40 MB more',
      files: wrongAll(`
{ const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < 20_000; i++) { process.stdout.write(line); process.stderr.write(line); } }
const fake = JSON.stringify({ score: 15, tests: [], output: 'all passed' });
console.log(' ✓ exercises/01-he-init/he-init.test.ts (33 tests)\\n Test Files  1 passed (1)\\n      Tests  47 passed (47)');
console.log(fake); console.error(fake);
process.stdout.write('{"type":"test","state":"passed","signed":"pass","integrity":"ok"}\\n');
`),
      expect: { score: 0 },
    },
    {
      name: 'process-send',
      what: 'sends forged "all tests passed" messages to vitest\'s main process (process.send, birpc-shaped)',
      files: {
        [HE]: injectAll(wrongHe, () => `{ const c = (globalThis as any).__vitest_worker__?.current;
    if (c && process.send) for (const t of ['q', 's']) process.send({ t, i: 'x', m: 'onTaskUpdate', a: [[[c.id, { state: 'pass', errors: [] }, { dlkit: { verdict: 'pass', integrity: 'ok', mac: '0'.repeat(64) } }]], []] }); }`),
        [RELU]: wrongRelu,
      },
      expect: { score: 0 },
    },
    {
      name: 'kill-parent',
      what: 'kills its parent (vitest\'s main process, the trusted reporter)',
      files: wrongAll(`
try { process.kill(process.ppid, 'SIGKILL'); } catch { /* not ours to kill */ }
`),
      expect: { score: 0 },
    },

    // ---- the file system and other processes --------------------------------------------------
    {
      name: 'read-secrets',
      what: 'reads the reference solution, the rubric and another exercise\'s hidden tests from disk; correct answers only if a read succeeds',
      files: submissionOf(`${LOAD}
let leaked = false;
const fs = __load('fs');
const here = new URL('.', import.meta.url).pathname;
for (const p of [
  ${JSON.stringify(path.join(REPO_ROOT, 'solutions', EXERCISE, 'he-init.ts'))},
  ${JSON.stringify(path.join(REPO_ROOT, 'grading', EXERCISE, 'rubric.json'))},
  ${JSON.stringify(path.join(REPO_ROOT, 'grading', EXERCISE, 'he-init.hidden.test.ts'))},
  here + '../../grading/${EXERCISE}/rubric.json',
  here + '../../grading/02-mlp/mlp.hidden.test.ts',
  here + '../../solutions/${EXERCISE}/he-init.ts',
  '/autograder/source/grading/${EXERCISE}/rubric.json',
]) {
  try { if (fs.readFileSync(p, 'utf8').length > 0) leaked = true; } catch { /* refused */ }
}
${solHe.replace(/export function (\w+)\(([^]*?)\{\n/g, (m: string) => `${m}  if (!leaked) return 0 as never;\n`)}`, wrongRelu),
      expect: { score: 0 },
    },
    {
      name: 'write-workspace',
      what: 'overwrites the public and hidden tests with empty ones, writes a rubric and results files',
      files: wrongAll(`${LOAD}
const fs = __load('fs');
const here = new URL('.', import.meta.url).pathname;
const empty = "import { it } from 'vitest'; it('x', () => {});\\n";
for (const [p, text] of [
  [here + 'he-init.test.ts', empty],
  [here + '../../grading/${EXERCISE}/he-init.hidden.test.ts', empty],
  [here + '../../grading/${EXERCISE}/rubric.json', '{}'],
  [here + '../../results.json', '{"score": 15}'],
  [${JSON.stringify(path.join(REPO_ROOT, 'grading', EXERCISE, 'rubric.json'))}, '{}'],
  [${JSON.stringify(path.join(REPO_ROOT, 'out', 'grading', 'pwned.json'))}, '{}'],
  ['/tmp/dlkit-pwned.txt', 'pwned'],
] as const) {
  try { fs.writeFileSync(p, text); } catch { /* refused */ }
}
`),
      expect: { score: 0 },
    },
    {
      name: 'daemon',
      what: 'starts detached processes meant to outlive the run, then starts processes in a loop until refused (fork bomb)',
      files: wrongAll(`${LOAD}
try {
  const cp = __load('child_process');
  cp.spawn('sleep', ['600'], { detached: true, stdio: 'ignore' }).unref();
  cp.spawn(__proc.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' }).unref();
  for (let i = 0; i < 2000; i++) cp.spawn('sleep', ['300'], { stdio: 'ignore' });
} catch { /* refused */ }
`),
      expect: { score: 0 },
    },
    {
      name: 'env-tamper',
      what: 'points KIT_TARGET at the solutions, changes the backend from inside the test process, and fixes Math.random at 0.5',
      files: wrongAll(`
Math.random = () => 0.5;
process.env['KIT_TARGET'] = 'solutions';
process.env['KIT_BACKEND'] = 'cpu';
process.env['VITEST_POOL_ID'] = '0';
`),
      expect: { score: 0 },
    },
    {
      name: 'harness-detect',
      what: 'correct only while a public test file is running (detects which test file imports it)',
      files: submissionOf(solHe.replace(/export function (\w+)\(([^]*?)\{\n/g, (m: string) =>
        `${m}  if (!String((globalThis as any).__vitest_worker__?.filepath ?? '').includes('/exercises/')) return 0 as never;\n`),
      solRelu.replace(/export function (\w+)\(([^]*?)\{\n/g, (m: string) =>
        `${m}  if (!String((globalThis as any).__vitest_worker__?.filepath ?? '').includes('/exercises/')) return 0 as never;\n`)),
      expect: { score: 0 },
    },

    // ---- resources -----------------------------------------------------------------------------
    {
      name: 'infinite-loop',
      what: 'an endless loop in symmetryGap, the rest correct: loses part 3c only',
      files: submissionOf(inject(solHe, 'symmetryGap', 'for (;;) { /* forever */ }')),
      expect: { score: FULL - 1, reason: /did not finish/ },
    },
    {
      name: 'memory',
      what: 'allocates memory without bound in varianceByDefinition, the rest correct: loses that function\'s bonus point only',
      files: submissionOf(inject(solHe, 'varianceByDefinition', 'const hog: Float64Array[] = []; for (;;) hog.push(new Float64Array(1 << 24).fill(1));')),
      expect: { score: FULL - 1 },
    },

    // ---- broken code -----------------------------------------------------------------------------
    {
      name: 'throw-at-import',
      what: 'throws when the module is imported',
      files: submissionOf(`${solHe}\nthrow new Error('boom at import');\n`),
      expect: { score: 0, reason: /boom at import/ },
    },
    {
      name: 'syntax-error',
      what: 'does not parse',
      files: submissionOf(solHe.replace('export function productVariance(', 'export function productVariance((')),
      expect: { score: 0, status: 'compile-error', reason: /TS1\d\d\d/ },
    },
    {
      name: 'missing-export',
      what: 'productVariance is not exported',
      files: submissionOf(solHe.replace('export function productVariance(', 'function productVariance(')),
      expect: { score: 0, status: 'compile-error', reason: /productVariance/ },
    },
    {
      name: 'wrong-types',
      what: 'productVariance returns a string',
      files: submissionOf(solHe.replace(
        /export function productVariance\(varA: number, meanA: number, varB: number, meanB: number\): number \{/,
        'export function productVariance(varA: number, meanA: number, varB: number, meanB: number): string {',
      ).replace('return varA * varB + varA * meanB * meanB + varB * meanA * meanA;', 'return String(varA * varB + varA * meanB * meanB + varB * meanA * meanA);')),
      expect: { score: 0, status: 'compile-error' },
    },
    {
      name: 'forbidden-import',
      what: 'imports node:child_process and vitest directly',
      files: submissionOf(`import { expect } from 'vitest';\nimport cp from 'node:child_process';\nvoid expect; void cp;\n${solHe}`),
      expect: { score: 0, status: 'compile-error', reason: /may not use/ },
    },

    // ---- the submission itself -------------------------------------------------------------------
    {
      name: 'big-file',
      what: 'the reference solution plus two 1 GB files (sparse), one inside the exercise folder',
      files: submissionOf(solHe),
      build: (dir) => {
        for (const f of ['big-file/huge.bin', `big-file/exercises/${EXERCISE}/weights.bin`]) {
          fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
          const fd = fs.openSync(path.join(dir, f), 'w');
          fs.ftruncateSync(fd, 1024 ** 3);
          fs.closeSync(fd);
        }
      },
      expect: { score: FULL, check: (r) => { expectIgnored(r, /huge\.bin \(not a stub file \(1\.0 GB\)\)/); } },
    },
    {
      name: 'link-and-oversize',
      what: 'he-init.ts is a symbolic link to the reference solution, relu-network.ts a 1 GB file (sparse)',
      build: (dir) => {
        const he = path.join(dir, 'link-and-oversize', HE);
        fs.mkdirSync(path.dirname(he), { recursive: true });
        fs.symlinkSync(path.join(REPO_ROOT, 'solutions', EXERCISE, 'he-init.ts'), he);
        const fd = fs.openSync(path.join(dir, 'link-and-oversize', RELU), 'w');
        fs.ftruncateSync(fd, 1024 ** 3);
        fs.closeSync(fd);
      },
      expect: {
        score: 0,
        check: (r) => {
          expectProblem(r, /symbolic link/);
          expectProblem(r, /1\.0 GB, more than/);
        },
      },
    },
    {
      name: 'zip-bomb',
      what: 'a .zip whose two files inflate to 64 MB each: one says so in its header, the other claims 100 bytes',
      build: (dir) => { writeZip(path.join(dir, 'zip-bomb.zip'), { [HE]: bomb(), [RELU]: bomb() }, { lieAbout: RELU }); },
      expect: {
        score: 0,
        check: (r) => {
          expectProblem(r, /he-init\.ts is 64\.0 MB, more than/);
          expectProblem(r, /relu-network\.ts could not be read .*inflates to more than/);
        },
      },
    },
    {
      name: 'zip-traversal',
      what: 'a .zip with ../ and absolute member names, and the reference solution inside a wrapping folder',
      build: (dir) => { writeZip(path.join(dir, 'zip-traversal.zip'), {
        '../../../../tmp/dlkit-pwned-zip.ts': Buffer.from('export {};\n'),
        '/tmp/dlkit-pwned-abs.ts': Buffer.from('export {};\n'),
        [`dlkit-main/exercises/${EXERCISE}/../../../evil/he-init.ts`]: Buffer.from(wrongHe),
        [`dlkit-main/${HE}`]: Buffer.from(solHe),
        [`dlkit-main/${RELU}`]: Buffer.from(solRelu),
      }); },
      expect: { score: FULL, check: (r) => { expectIgnored(r, /unsafe name/); } },
    },

    // ---- what reaches a person, and submissions that are honest but unusual ------------------------
    {
      name: 'escape-sequences',
      what: 'fails with messages full of terminal escapes (clear screen, cursor home, "15 / 15", OSC title, bidi override) meant to repaint the score line',
      files: wrongAll(`
throw new Error('\\u001b[2J\\u001b[1;1H\\u001b]0;15/15\\u0007 all 15 / 15 points \\u202e\\r');
`),
      expect: { score: 0, check: (r) => { expectClean(r); } },
    },
    {
      name: 'literal-types',
      what: 'types simulatePreactivations\' parameters as the public tests\' literal values, so the hidden tests\' type errors would quote their inputs',
      files: submissionOf(solHe.replace(/nIn: number,\n\s*trials: number,/, 'nIn: 0 | 4 | 5 | 10 | 50,\n  trials: 2.5 | 3 | 10 | 100 | 20000,')),
      expect: {
        maxScore: FULL - 1,
        check: (r) => {
          const shown = JSON.stringify(r);
          if (/not assignable|Argument of type|hidden\.test\.ts:\d/.test(shown)) throw new Error(`a hidden test's compiler message was shown: ${shown.slice(0, 400)}`);
        },
      },
    },
    {
      name: 'js-extension-import',
      what: 'relu-network.ts imports from "./he-init.js" (valid TypeScript that tsc and npm test accept), the reference otherwise',
      files: submissionOf(solHe, solRelu.replace("import type { Rng } from '#kit/rng';", "import type { Rng } from '#kit/rng';\nimport { productVariance } from './he-init.js';\nexport const sameAsPart2 = productVariance;")),
      expect: { score: FULL, status: 'graded' },
    },
    {
      name: 'non-utf8-name',
      what: 'a folder submission with a file whose name is not valid UTF-8 beside the reference',
      files: submissionOf(solHe, solRelu),
      build: (dir) => { fs.writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'non-utf8-name', 'notes-')), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('.txt')]), 'x'); },
      expect: { score: FULL, check: (r) => { expectIgnored(r, /not valid UTF-8/); } },
    },
    {
      name: 'empty-zip',
      what: 'a .zip with nothing in it',
      build: (dir) => { writeZip(path.join(dir, 'empty-zip.zip'), {}); },
      expect: { score: 0, reason: /no exercise file found.*exercises\/01-he-init\/he-init\.ts/ },
    },
    ...['crypto-random-a', 'crypto-random-b'].map((name): Attack => ({
      name,
      what: 'heNormal drawn with crypto.getRandomValues and randomUUID (not the rng it is given): graded twice, the same score',
      files: submissionOf(solHe, solRelu.replace(
        'return { rows: nOut, cols: nIn, data: rng.normals(nOut * nIn, 0, Math.sqrt(2 / nIn)) };',
        'const u = new Uint32Array(2 * nOut * nIn); for (let k = 0; k < u.length; k += 16384) globalThis.crypto.getRandomValues(u.subarray(k, k + 16384)); void globalThis.crypto.randomUUID(); const d = new Float64Array(nOut * nIn); for (let i = 0; i < d.length; i++) { d[i] = Math.sqrt(-2 * Math.log(1 - u[2 * i]! / 2 ** 32)) * Math.cos(2 * Math.PI * u[2 * i + 1]! / 2 ** 32) * Math.sqrt(2 / nIn); } return { rows: nOut, cols: nIn, data: d };',
      )),
      expect: {},
    })),

    // ---- determinism -----------------------------------------------------------------------------
    ...['random-a', 'random-b'].map((name): Attack => ({
      name,
      what: 'heNormal drawn with Math.random (not the rng it is given): graded twice, the same score',
      files: submissionOf(solHe, solRelu.replace(
        'return { rows: nOut, cols: nIn, data: rng.normals(nOut * nIn, 0, Math.sqrt(2 / nIn)) };',
        'const d = new Float64Array(nOut * nIn); for (let i = 0; i < d.length; i++) { d[i] = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random()) * Math.sqrt(2 / nIn); } return { rows: nOut, cols: nIn, data: d };',
      )),
      expect: {},
    })),
  ];
}

/** Nothing a run produced may carry a terminal control character into the report (and so the table, results.json). */
function expectClean(r: SubmissionReport): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  const texts = JSON.stringify(r, (_k, v: unknown) => v).match(/"(?:[^"\\]|\\.)*"/g) ?? [];
  for (const t of texts) {
    const s = JSON.parse(t) as string;
    if (bad.test(s)) throw new Error(`a control character reached the report: ${JSON.stringify(s).slice(0, 200)}`);
  }
}

function expectIgnored(r: SubmissionReport, pattern: RegExp): void {
  const listed = r.ignored.map((i) => `${i.path} (${i.why})`).join('\n');
  if (!pattern.test(listed)) throw new Error(`expected an ignored entry matching ${String(pattern)}, got:\n${listed}`);
}

function expectProblem(r: SubmissionReport, pattern: RegExp): void {
  if (!r.problems.some((p) => pattern.test(p))) throw new Error(`expected a problem matching ${String(pattern)}, got:\n${r.problems.join('\n')}`);
}

/** 64 MB of one letter (128 times the cap): deflates to about 64 kB. */
function bomb(): Buffer {
  return Buffer.alloc(64 * 1024 * 1024, 0x61);
}

/** Writes a zip; `lieAbout` names a member whose sizes in the directory are replaced by 100. */
function writeZip(file: string, members: Record<string, Buffer>, options: { lieAbout?: string } = {}): void {
  const data = Buffer.from(zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, new Uint8Array(v)])), { level: 9 }));
  if (options.lieAbout !== undefined) {
    const name = Buffer.from(options.lieAbout);
    for (let i = 0; i + 46 < data.length; i++) {
      if (data.readUInt32LE(i) === 0x02014b50 && data.subarray(i + 46, i + 46 + name.length).equals(name)) data.writeUInt32LE(100, i + 24);
      if (data.readUInt32LE(i) === 0x04034b50 && data.subarray(i + 30, i + 30 + name.length).equals(name)) data.writeUInt32LE(100, i + 22);
    }
  }
  fs.writeFileSync(file, data);
}

/** Writes every attack's folder (or zip) into `dir`. */
export function writeAttacks(dir: string, list: readonly Attack[]): void {
  for (const a of list) {
    if (a.files !== undefined) {
      for (const [rel, text] of Object.entries(a.files)) {
        const f = path.join(dir, a.name, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, text);
      }
    }
    a.build?.(dir);
  }
}
