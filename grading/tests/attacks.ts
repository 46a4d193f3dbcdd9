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
      what: 'reads the reference solution, the rubric and the hidden tests from disk; correct answers only if a read succeeds',
      files: submissionOf(`${LOAD}
let leaked = false;
const fs = __load('fs');
const here = new URL('.', import.meta.url).pathname;
for (const p of [
  ${JSON.stringify(path.join(REPO_ROOT, 'solutions', EXERCISE, 'he-init.ts'))},
  ${JSON.stringify(path.join(REPO_ROOT, 'grading', EXERCISE, 'rubric.json'))},
  ${JSON.stringify(path.join(REPO_ROOT, 'grading', EXERCISE, 'he-init.hidden.test.ts'))},
  here + '../../grading/${EXERCISE}/he-init.hidden.test.ts',
  here + '../../grading/${EXERCISE}/rubric.json',
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
