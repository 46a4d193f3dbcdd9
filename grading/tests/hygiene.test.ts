/**
 * What a student and an instructor are shown, and what an honest submission is not refused for (issue 11,
 * classes 5–8): escape sequences never reach a terminal or Gradescope; a hidden test's compile error
 * does not quote it; file names that are not UTF-8 and `.js` imports of stub files are taken in their
 * stride; and every reason says what to do (no exercise file, a misnamed folder, UTF-16, too big, the
 * grader's own failure).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { gradeClass } from '../lib/batch.ts';
import { discoverExercises } from '../lib/exercises.ts';
import { Grader } from '../lib/grade.ts';
import { checkPolicy, type PolicyContext } from '../lib/policy.ts';
import type { ExerciseReport, SubmissionReport } from '../lib/report.ts';
import { classroomResults, failedResults, GRADER_FAILED, gradebook, gradescopeResults, passRates, renderTable, writeJson } from '../lib/results.ts';
import { cleanText, printableName } from '../lib/sanitize.ts';
import { buildWorkspace } from '../lib/workspace.ts';
import { loadSubmission, MAX_STUB_BYTES, nothingFound } from '../lib/submission.ts';
import { checkSubmission, TypecheckPool } from '../lib/typecheck.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-hygiene-'));
afterAll(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

/** What a terminal, a browser or a spreadsheet could obey: ESC, CSI, other C0/C1 controls but \n and \t, bidi overrides. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** …and the same as JSON escapes (a JSON file read by a program that prints it): an odd number of backslashes before them. */
const ESCAPED = /(?<!\\)(?:\\\\)*\\(?:u00[01][0-9a-f]|u007f|u00[89][0-9a-f]|u202[a-e]|u206[6-9]|[rbf])/i;

function folder(name: string, files: Record<string, string | Buffer>): string {
  const dir = path.join(tmp, name);
  for (const [rel, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), data);
  }
  return dir;
}

function zipFile(name: string, members: Record<string, string>): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, new TextEncoder().encode(v)]))));
  return file;
}

const EXERCISES = discoverExercises();
const STUBS = EXERCISES.flatMap((e) => e.stubs);
const EX01 = EXERCISES.find((e) => e.id === '01-he-init')!;
const SOLUTION = fs.readFileSync(path.join(REPO_ROOT, 'solutions', '01-he-init', 'he-init.ts'), 'utf8');
const SOLUTION_RELU = fs.readFileSync(path.join(REPO_ROOT, 'solutions', '01-he-init', 'relu-network.ts'), 'utf8');

describe('cleanText', () => {
  it.each([
    ['clear screen and cursor home (CSI)', '\u001b[2J\u001b[1;1H15/15', '15/15'],
    ['colours, private modes, a window title (OSC ended by BEL and by ST)', '\u001b[31;1mred\u001b[0m\u001b[?25l\u001b]0;pwned\u0007\u001b]8;;http://x\u001b\\link', 'redlink'],
    ['8-bit CSI and OSC, DCS', 'a\u009b2Jb\u009d0;t\u009cc\u001bPq#0\u001b\\d', 'abcd'],
    ['carriage return, backspace, bell, NUL, DEL, a lone ESC', 'score 0\r15/15\b\u0007\u0000\u007f\u001b', 'score 015/15'],
    ['bidi overrides and isolates', 'grade \u202eA\u202c \u2066x\u2069', 'grade A x'],
  ])('removes %s', (_what, input, output) => {
    expect(cleanText(input)).toBe(output);
    expect(cleanText(cleanText(input))).toBe(output);
  });

  it('keeps \\n, \\t and every printable character, and cuts to a length without splitting a character', () => {
    expect(cleanText('a\n\tb — ✓ 😀 Σ')).toBe('a\n\tb — ✓ 😀 Σ');
    expect(cleanText('abcdef', 4)).toBe('abc…');
    expect(cleanText('ab😀cd', 4)).toBe('ab…');
    expect(printableName('x\u001b[2J\ny.ts')).toBe('x\\u001b[2J\\u000ay.ts');
  });
});

/** A report in which everything a run or a submission could say carries escape sequences. */
function hostileReport(): SubmissionReport {
  const evil = '\u001b[2J\u001b[1;1H15/15\r\u009b2J\u202e';
  const exercise: ExerciseReport = {
    id: '01-x', title: `x${evil}`, status: 'graded', points: 0, maxPoints: 1, bonus: 0, maxBonus: 0, passed: 0, failed: 2, errored: 0, skipped: 0,
    reason: `Error: ${evil}`,
    items: [{ id: 'a', title: `Item ${evil}`, points: 1, bonus: false, partial: false, earned: 0, passed: 0, matched: 2, publicPassed: 0, publicMatched: 1 }],
    tests: [
      { file: 'exercises/01-x/x.test.ts', title: ['A', `one${evil}`], hidden: false, item: 'a', status: 'failed', reason: `AssertionError: ${evil}` },
      { file: 'grading/01-x/x.hidden.test.ts', title: ['A', 'h'], hidden: true, item: 'a', status: 'failed', reason: `boom ${evil}` },
    ],
    fatal: [{ file: 'exercises/01-x/x.ts', line: 1, message: `TS2322: '${evil}'` }, { file: 'x', line: 2, message: evil }],
    warnings: [{ file: 'exercises/01-x/x.ts', line: 3, message: `TS2345: ${evil}` }],
    flags: [{ file: 'exercises/01-x/x.ts', line: 4, message: `a string mentions ${evil}` }],
    seconds: 1, peakMemoryMb: 1, log: `log ${evil}`,
  };
  return {
    name: `=alice${evil}`, source: '/x', score: 0, maxScore: 1, bonus: 0, maxBonus: 0, exercises: [exercise],
    used: [{ file: 'exercises/01-x/x.ts', from: `x${evil}.ts` }], ignored: [{ path: `notes${evil}.txt`, why: 'not a stub file (1 B)' }], ignoredCount: 1,
    problems: [`exercises/01-x/x.ts${evil} is a symbolic link`], sandbox: [], seconds: 1,
  };
}

function expectClean(what: string, text: string, json = what.endsWith('.json') || what.endsWith('.csv')): void {
  expect(OBEYED.test(text), `${what}: ${JSON.stringify(text.match(OBEYED)?.[0])}`).toBe(false);
  if (json) expect(ESCAPED.test(text), `${what}: ${text.match(ESCAPED)?.[0] ?? ''}`).toBe(false);
}

describe('no escape sequence reaches the table, results.json, report.json, the gradebook', () => {
  it('a report whose every string carries "\\u001b[2J\\u001b[1;1H15/15" and the like is shown and written as plain text', () => {
    const report = hostileReport();
    const table = renderTable(report);
    expectClean('table', table);
    expect(table).toMatch(/^=alice15\/15: 0 \/ 1 points/);
    expect(table).toMatch(/01-x .* Error: 15\/15/);
    expectClean('results.json', JSON.stringify(gradescopeResults(report)));
    expectClean('classroom.json', JSON.stringify(classroomResults(report)));
    expectClean('gradebook.csv', gradebook([report]));
    expect(gradebook([report]).split('\n')[1]).toMatch(/^'=alice/); // a spreadsheet formula stays text
    expectClean('pass-rates.csv', passRates([report]));
    expectClean('failed results.json', JSON.stringify(failedResults(`RangeError \u001b[2J${report.name}`)));
    const file = path.join(tmp, 'out', 'report.json');
    writeJson(file, report);
    expectClean('report.json', fs.readFileSync(file, 'utf8'));
  });

  it('a class: results/, reports/, gradebook.csv, pass-rates.csv and summary.txt are clean; a grader that throws gives a plain sentence, the raw error only in the report', async () => {
    const klass = folder('class', { 'alice/x.ts': '', 'bob/x.ts': '' });
    const fake = {
      grade: (source: string): Promise<SubmissionReport> => {
        if (source.endsWith('bob')) return Promise.reject(new RangeError('Maximum call stack size exceeded \u001b[2J at /srv/grader/lib/x.ts:12'));
        return Promise.resolve(hostileReport());
      },
    } as unknown as Grader;
    const out = path.join(tmp, 'class-out');
    await gradeClass(fake, klass, { out, concurrency: 1 });
    const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
    expect(files.length).toBe(7);
    for (const f of files) expectClean(f, fs.readFileSync(f, 'utf8'));
    const bobResults = fs.readFileSync(path.join(out, 'results', 'bob.json'), 'utf8');
    expect(bobResults).toContain(GRADER_FAILED);
    expect(bobResults).not.toMatch(/RangeError|call stack|\/srv/);
    expect(fs.readFileSync(path.join(out, 'reports', 'bob.json'), 'utf8')).toMatch(/"graderError": "RangeError: Maximum call stack size exceeded/);
  });
});

describe('reading a submission', () => {
  it('a file or folder whose name is not valid UTF-8 is ignored with the reason; the rest of the folder is graded', () => {
    const dir = folder('bad-names', { 'exercises/01-he-init/he-init.ts': 'mine' });
    const bad = Buffer.from([0x68, 0x65, 0xff, 0xfe, 0x2e, 0x74, 0x73]); // "he\xff\xfe.ts"
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/exercises/01-he-init/`), bad]), 'x');
    const badDir = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0xc3, 0x28])]);
    fs.mkdirSync(badDir);
    fs.writeFileSync(Buffer.concat([badDir, Buffer.from('/notes.txt')]), 'y');
    // A wrapped clone inside a folder with such a name is still found.
    fs.mkdirSync(Buffer.concat([badDir, Buffer.from('/exercises/01-he-init')]), { recursive: true });
    fs.writeFileSync(Buffer.concat([badDir, Buffer.from('/exercises/01-he-init/relu-network.ts')]), 'relu');
    const s = loadSubmission(dir, STUBS);
    expect(s.files.get('exercises/01-he-init/he-init.ts')?.text).toBe('mine');
    expect(s.files.get('exercises/01-he-init/relu-network.ts')?.text).toBe('relu');
    const why = s.ignored.map((i) => `${i.path}: ${i.why}`).join('\n');
    expect(why).toMatch(/he-init\/he\uFFFD+\.ts: its name is not valid UTF-8/);
    expect(why).toMatch(/\uFFFD\(\/notes\.txt: its name is not valid UTF-8/);
  });

  it('so is a zip member whose name is not valid UTF-8', () => {
    const file = path.join(tmp, 'bad-names.zip');
    const members = zipSync({ 'exercises/01-he-init/he-init.ts': new TextEncoder().encode('mine'), 'XXXX.ts': new Uint8Array([1]) });
    // Overwrite the placeholder name's bytes in both headers with bytes that are not UTF-8 (and set the UTF-8 flag on it).
    const data = Buffer.from(members);
    for (let i = data.indexOf('XXXX.ts'); i >= 0; i = data.indexOf('XXXX.ts', i + 1)) data.set([0xff, 0xc0, 0x80, 0xfe], i);
    fs.writeFileSync(file, data);
    const s = loadSubmission(file, STUBS);
    expect(s.files.get('exercises/01-he-init/he-init.ts')?.text).toBe('mine');
    expect(s.ignored.find((i) => i.path.endsWith('.ts'))?.why).toMatch(/name is not valid UTF-8/);
  });

  it('a misnamed folder or file is listed with the path it was probably meant to have', () => {
    const s = loadSubmission(folder('misnamed', {
      '01-he_init/he-init.ts': 'a', 'Exercises/01-He-Init/relu-network.ts': 'b', 'exercises/02-mlp/MLP.ts': 'c', 'homework1/tuning.ts': 'd',
      'exercises/02-mlp/mlp.test.ts': 'my tests', 'notes.ts': 'e',
      'exercises/04-final-training/final-training.ts.txt': 'f', 'exercises/05-autoencoder/autoencoder (1).ts': 'g', '06-svm/svm.js': 'h',
    }), STUBS);
    expect(s.files.size).toBe(0);
    const hint = (p: string): string | undefined => s.ignored.find((i) => i.path === p)?.why;
    expect(hint('01-he_init/he-init.ts')).toMatch(/did you mean exercises\/01-he-init\/he-init\.ts\?/);
    expect(hint('Exercises/01-He-Init/relu-network.ts')).toMatch(/did you mean exercises\/01-he-init\/relu-network\.ts\?/);
    expect(hint('exercises/02-mlp/MLP.ts')).toMatch(/did you mean exercises\/02-mlp\/mlp\.ts\?/);
    expect(hint('homework1/tuning.ts')).toMatch(/did you mean exercises\/03-hyperparam-tuning\/tuning\.ts\?/);
    expect(hint('exercises/02-mlp/mlp.test.ts')).toBe('not a stub file (8 B)');
    expect(hint('notes.ts')).toBe('not a stub file (1 B)');
    expect(hint('exercises/04-final-training/final-training.ts.txt')).toMatch(/did you mean exercises\/04-final-training\/final-training\.ts\?/);
    expect(hint('exercises/05-autoencoder/autoencoder (1).ts')).toMatch(/did you mean exercises\/05-autoencoder\/autoencoder\.ts\?/);
    expect(hint('06-svm/svm.js')).toMatch(/did you mean exercises\/06-svm\/svm\.ts\?/);
    expect(nothingFound(s, EX01.stubs)).toMatch(/^no exercise file found — expected paths like exercises\/01-he-init\/he-init\.ts, exercises\/01-he-init\/relu-network\.ts .*01-he_init\/he-init\.ts is not graded: did you mean exercises\/01-he-init\/he-init\.ts\?/);
  });

  it('an empty zip or one with only a README: "no exercise file found", with the expected paths', () => {
    for (const z of [zipFile('empty.zip', {}), zipFile('readme.zip', { 'README.md': '# hi' })]) {
      expect(nothingFound(loadSubmission(z, STUBS), EX01.stubs)).toMatch(/^no exercise file found — expected paths like exercises\/01-he-init\/he-init\.ts/);
    }
    expect(nothingFound(loadSubmission(zipFile('one.zip', { 'he-init.ts': 'x' }), STUBS), EX01.stubs)).toBeUndefined();
  });

  it('a UTF-16 file (either byte order, with or without a BOM) is refused with "save it as UTF-8", not fed to the compiler', () => {
    const text = 'export const x = 1;\n';
    const le = Buffer.from(`\ufeff${text}`, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const [name, bytes] of [['le', le], ['be', be], ['no-bom', Buffer.from(text, 'utf16le')]] as const) {
      const s = loadSubmission(folder(`utf16-${name}`, { 'exercises/01-he-init/he-init.ts': bytes }), STUBS);
      expect(s.files.size, name).toBe(0);
      expect(s.refused[0]?.stub).toBe('exercises/01-he-init/he-init.ts');
      expect(s.refused[0]?.why, name).toMatch(/(UTF-16|not UTF-8).*save it as UTF-8/);
    }
    // A UTF-8 byte-order mark is fine (TypeScript and vitest read it).
    expect(loadSubmission(folder('utf8-bom', { 'exercises/01-he-init/he-init.ts': `\ufeff${text}` }), STUBS).files.size).toBe(1);
  });
});

describe('the import rule accepts the forms tsc and vitest resolve to a stub file', () => {
  const ctx: PolicyContext = {
    file: 'exercises/01-he-init/relu-network.ts',
    stubPaths: new Set(STUBS.map((s) => s.path)),
    stubImports: new Set(['#kit/errors', '#kit/rng']),
    packages: new Set(['@tensorflow/tfjs']),
  };
  it.each(['./he-init.ts', './he-init.js', './he-init', '../01-he-init/he-init.js', '../02-mlp/mlp.js', '../02-mlp/mlp'])('accepts %s', (spec) => {
    const r = checkPolicy(`import { x } from '${spec}';\nexport { x };`, ctx);
    expect(r.violations).toEqual([]);
    expect(r.imports).toEqual([spec.includes('mlp') ? 'exercises/02-mlp/mlp.ts' : 'exercises/01-he-init/he-init.ts']);
  });
  it.each([
    './he-init.test.js', './he-init.test', './he-init.test.ts', '../../solutions/01-he-init/he-init.js', '../../solutions/01-he-init/he-init',
    '../../grading/01-he-init/he-init.hidden.test.js', './he-init.ts?raw', './he-init.js?raw', './he-init.mjs', './hints.md', './README',
  ])('still refuses %s', (spec) => {
    expect(checkPolicy(`import x from '${spec}';\nexport { x };`, ctx).violations[0]?.message).toMatch(/not a stub file of exercises/);
  });
});

describe('type check of a submission (exercise 01)', () => {
  const pool = new TypecheckPool();
  afterAll(() => { pool.close(); });
  const packages = new Set(['@tensorflow/tfjs', 'jstat', 'mathjs']);

  async function check(name: string, files: Record<string, string>): Promise<ReturnType<typeof checkSubmission>> {
    const ws = path.join(tmp, `ws-${name}`);
    buildWorkspace(REPO_ROOT, EXERCISES, new Map(Object.entries(files)), ws);
    return checkSubmission({ root: ws, exercises: EXERCISES, submitted: new Set(Object.keys(files)), packages, graded: new Set([EX01.id]), pool });
  }

  it('a hidden test that does not compile (a parameter typed as the public tests\' literal values) is named by its rubric item, never quoted', async () => {
    // The public tests call it with nIn ∈ {0, 4, 5, 10, 50} and trials ∈ {2.5, 3, 10, 100, 20 000}: they compile, the hidden ones do not.
    const fitted = SOLUTION.replace(/nIn: number,\n\s*trials: number,/, 'nIn: 0 | 4 | 5 | 10 | 50,\n  trials: 2.5 | 3 | 10 | 100 | 20000,');
    expect(fitted).not.toBe(SOLUTION);
    const r = await check('fitted', { 'exercises/01-he-init/he-init.ts': fitted });
    const fatal = r.exercises.get(EX01.id)!.fatal;
    expect(fatal.length).toBeGreaterThan(0);
    const shown = JSON.stringify(fatal);
    // Nothing of the compiler's text: no "Argument of type '20'…", no type, no hidden literal, no line of the hidden file.
    expect(shown).not.toMatch(/TS\d|not assignable|Argument of type|'20'|'-1'|hidden\.test/);
    expect(fatal[0]).toEqual({
      file: 'exercises/01-he-init/he-init.ts',
      line: SOLUTION.split('\n').findIndex((l) => l.startsWith('export function simulatePreactivations')) + 1,
      message: expect.stringMatching(/^a hidden test of "Part 1: simulatePreactivations — the assumptions behind .*" does not compile against your code where it uses simulatePreactivations: keep its name, parameter types and return type as the stub has them/) as unknown,
    });
  }, 180_000);

  it('a stub file importing another one as ./he-init.js (what tsc and npm test accept) compiles and passes the import rule', async () => {
    const relu = SOLUTION_RELU.replace("import type { Rng } from '#kit/rng';", "import type { Rng } from '#kit/rng';\nimport { productVariance } from './he-init.js';\nexport const check = productVariance;");
    expect(relu).not.toBe(SOLUTION_RELU);
    const r = await check('dot-js', { 'exercises/01-he-init/he-init.ts': SOLUTION, 'exercises/01-he-init/relu-network.ts': relu });
    expect(r.exercises.get(EX01.id)).toMatchObject({ fatal: [], warnings: [] });
  }, 180_000);
});

describe('grading exercise 01 end to end: reasons a student can act on', () => {
  let grader: Grader;
  const graderTmp = path.join(tmp, 'grader');
  beforeAll(async () => {
    fs.mkdirSync(graderTmp);
    grader = await Grader.create({ only: [EX01.id], jobs: 2, sandbox: 'none', timeLimit: 120, testTimeLimit: 30, memoryMb: 2048, tmpDir: graderTmp });
  }, 600_000);
  afterAll(() => { grader?.close(); });

  const grade = async (source: string): Promise<{ r: SubmissionReport; reason: string }> => {
    const r = await grader.grade(source);
    return { r, reason: r.exercises[0]?.reason ?? '' };
  };

  it('failure messages with escape sequences, and file names that are not UTF-8, neither stop nor reach the output', async () => {
    const evil = SOLUTION.replace(/(export function productVariance\([^)]*\): number \{)/, '$1\n  throw new Error(\'\\u001b[2J\\u001b[1;1H15/15 \\u001b]0;pwned\\u0007\\r\');');
    expect(evil).not.toBe(SOLUTION);
    const dir = folder('e2e-evil', { 'exercises/01-he-init/he-init.ts': evil, 'exercises/01-he-init/relu-network.ts': SOLUTION_RELU });
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x6e, 0xff, 0x2e, 0x74, 0x78, 0x74])]), 'x');
    fs.writeFileSync(path.join(dir, '\u001b[2Jnotes.txt'), 'y');
    const { r } = await grade(dir);
    expect(r.error).toBeUndefined();
    expect(r.score).toBeGreaterThan(0);
    const failed = r.exercises[0]!.tests.find((t) => t.status === 'failed' && t.reason?.includes('15/15'));
    expect(failed?.reason).toMatch(/^(Error: )?15\/15/);
    expect(r.ignored.map((i) => i.why).join('\n')).toMatch(/name is not valid UTF-8/);
    expect(r.ignored.map((i) => i.path)).toContain('\\u001b[2Jnotes.txt');
    expectClean('table', renderTable(r));
    expectClean('results.json', JSON.stringify(gradescopeResults(r)));
    expectClean('report.json', JSON.stringify(r));
  }, 300_000);

  it('a zip with only a README: "no exercise file found", not NotImplemented', async () => {
    const { r, reason } = await grade(zipFile('only-readme.zip', { 'README.md': '# my homework\n' }));
    expect(r.error).toBeUndefined();
    expect(reason).toMatch(/^no exercise file found — expected paths like exercises\/01-he-init\/he-init\.ts/);
    expect(renderTable(r)).not.toMatch(/NotImplemented/);
  }, 300_000);

  it('a UTF-16 file: its exercise\'s first failure says "save it as UTF-8"; a file over the cap says "too big"', async () => {
    const utf16 = await grade(folder('e2e-utf16', { 'exercises/01-he-init/he-init.ts': Buffer.from(`\ufeff${SOLUTION}`, 'utf16le') }));
    expect(utf16.reason).toMatch(/he-init\.ts is saved as UTF-16 text: save it as UTF-8/);
    expect(utf16.r.exercises[0]!.fatal).toEqual([]);
    const big = await grade(folder('e2e-big', { 'exercises/01-he-init/relu-network.ts': `${SOLUTION_RELU}\n//${'x'.repeat(MAX_STUB_BYTES)}\n` }));
    expect(big.reason).toMatch(/relu-network\.ts is \d+\.\d kB, more than the 512\.0 kB a stub file may have \(too big\)/);
  }, 300_000);

  it('the grader\'s own failure reaches the student as a plain sentence; the raw error stays in the report', async () => {
    // Pull the grader's working folder away from under it: an ENOENT from deep inside.
    const [work] = fs.readdirSync(graderTmp);
    fs.renameSync(path.join(graderTmp, work!), path.join(graderTmp, 'moved'));
    try {
      const { r } = await grade(folder('e2e-fine', { 'exercises/01-he-init/he-init.ts': SOLUTION }));
      expect(r.error).toBe(GRADER_FAILED);
      expect(r.graderError).toMatch(/ENOENT/);
      const shown = `${renderTable(r)}\n${JSON.stringify(failedResults(r.error!))}`;
      expect(shown).not.toMatch(/ENOENT|Error:|\/tmp\//);
    } finally {
      fs.renameSync(path.join(graderTmp, 'moved'), path.join(graderTmp, work!));
    }
  }, 300_000);
});
