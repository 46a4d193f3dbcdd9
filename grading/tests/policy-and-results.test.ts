import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPolicy, importsOf, type PolicyContext } from '../lib/policy.ts';
import type { ExerciseReport, SubmissionReport } from '../lib/report.ts';
import { classroomResults, failedResults, gradebook, gradescopeResults, passRates, renderTable } from '../lib/results.ts';
import { namePattern } from '../lib/run.ts';
import { signedMessage } from '../runner/protocol.ts';
import { hmacSha256Hex, sha256, toHex, utf8 } from '../runner/sha256.ts';

describe('import policy and review flags', () => {
  const ctx: PolicyContext = {
    file: 'exercises/02-mlp/mlp.ts',
    stubPaths: new Set(['exercises/02-mlp/mlp.ts', 'exercises/02-mlp/train.ts', 'exercises/01-he-init/relu-network.ts']),
    stubImports: new Set(['#kit/errors', 'node:fs']),
    packages: new Set(['@tensorflow/tfjs', 'mathjs']),
  };
  const check = (code: string): ReturnType<typeof checkPolicy> => checkPolicy(code, ctx);

  it('allows the kit, the kit\'s packages, other stub files and what the stub already imports', () => {
    const r = check(`import * as tf from '@tensorflow/tfjs';
import { evaluate } from 'mathjs';
import { Rng } from '#kit/rng';
import { heNormal } from '../01-he-init/relu-network.ts';
import { train } from './train.ts';
import fs from 'node:fs';
export { tf, evaluate, Rng, heNormal, train, fs };
const m = await import('@tensorflow/tfjs');`);
    expect(r.violations).toEqual([]);
    expect(r.imports.sort()).toEqual(['exercises/01-he-init/relu-network.ts', 'exercises/02-mlp/train.ts']);
  });

  it.each([
    ["import { expect } from 'vitest';", /"vitest", which a submission may not use/],
    ["import cp from 'node:child_process';", /"node:child_process"/],
    ["import t from './mlp.test.ts';", /not a stub file of exercises/],
    ["import s from '../../solutions/02-mlp/mlp.ts';", /not a stub file of exercises/],
    ["const m = 'vitest'; await import(m);", /computed module name/],
    ["process.getBuiltinModule('fs');", /getBuiltinModule/],
    ["(process as any)['binding']('fs');", /`binding` is not allowed/],
    ["import x = require('fs');", /require/],
    ['/// <reference path="../../grading/02-mlp/mlp.hidden.test.ts" />', /reference.*not allowed/],
    ['/// <reference types="node" />', /reference.*not allowed/],
    ["const files = import.meta.glob('../../grading/**', { query: '?raw', eager: true });", /import\.meta\.glob.*reads files through the test runner/],
  ])('refuses %s', (code, pattern) => {
    const r = check(code);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.violations[0]!.message).toMatch(pattern);
    expect(r.violations[0]!.line).toBe(1);
  });

  it('flags (does not refuse) what deserves a look: process.exit, globalThis, asymmetricMatch, Symbol.for, patched built-ins, Math.random', () => {
    const r = check(`process.exit(0);
const g = globalThis;
const o = { asymmetricMatch: () => true }; o.asymmetricMatch();
Symbol.for('expect-global');
Math.abs = (x: number) => x;
Math.random();
const p = '/proc/self/environ';`);
    expect(r.violations).toEqual([]);
    const text = r.flags.map((f) => `${f.line}: ${f.message}`).join('\n');
    for (const m of [/1: uses process\.exit/, /2: uses globalThis/, /3: mentions asymmetricMatch/, /4: uses Symbol\.for/, /5: assigns to Math\.abs/, /6: uses Math\.random/, /7: a string mentions/]) {
      expect(text).toMatch(m);
    }
  });

  it('lists imports, static and literal dynamic', () => {
    expect(importsOf("import a from './a.ts'; export * from './b.ts'; await import('./c.ts');")).toEqual(['./a.ts', './b.ts', './c.ts']);
  });
});

describe('the sentinel\'s HMAC (pure JS, no patchable built-ins)', () => {
  it('equals node:crypto\'s HMAC-SHA-256 for short, long, unicode and empty messages and keys', () => {
    for (const [key, msg] of [
      [Buffer.alloc(32, 7), 'hello'],
      [crypto.randomBytes(32), 'part 2 (4 pts): Var[w·x] = Var[w]·E[x²] › heNormal › ✓ 😀 \u0000 end'],
      [crypto.randomBytes(100), 'x'.repeat(10_000)],
      [Buffer.alloc(0), ''],
    ] as const) {
      const expected = crypto.createHmac('sha256', key).update(msg, 'utf8').digest('hex');
      expect(hmacSha256Hex(new Uint8Array(key), msg)).toBe(expected);
    }
    expect(toHex(sha256(utf8('abc')))).toBe(crypto.createHash('sha256').update('abc').digest('hex'));
  });

  it('signs file, title, verdict and integrity unambiguously', () => {
    expect(signedMessage('f.ts', ['a', 'b'], 'pass', 'ok')).not.toBe(signedMessage('f.ts', ['a b'], 'pass', 'ok'));
    expect(signedMessage('f.ts', ['a'], 'pass', 'ok')).not.toBe(signedMessage('f.ts', ['a'], 'fail', 'ok'));
  });
});

describe('re-running some tests by name', () => {
  it('builds a pattern that selects exactly the given tests as vitest names them (describe names and test, spaced)', () => {
    const p = new RegExp(namePattern([{ title: ['part 1 (2 pts)', 'x = [1, 2]?'] }, { title: ['b', 'c'] }]));
    expect(p.test('exercises/a.test.ts part 1 (2 pts) x = [1, 2]?')).toBe(true);
    expect(p.test('part 1 (2 pts) x = [1, 2]?')).toBe(true);
    expect(p.test('b c')).toBe(true);
    expect(p.test('part 1 (2 pts) x = [1, 2]? more')).toBe(false);
    expect(p.test('ab c')).toBe(false);
  });
});

describe('outputs', () => {
  const exercise: ExerciseReport = {
    id: '01-x', title: 'x', status: 'graded', points: 2, maxPoints: 3, bonus: 1, maxBonus: 2, passed: 4, failed: 2, errored: 0, skipped: 0,
    reason: 'expected 1 to be 2',
    items: [
      { id: 'a', title: 'Item A', points: 2, bonus: false, partial: false, earned: 2, passed: 3, matched: 3, publicPassed: 2, publicMatched: 2 },
      { id: 'b', title: 'Item B', points: 1, bonus: false, partial: true, earned: 0, passed: 0, matched: 2, publicPassed: 0, publicMatched: 1 },
      { id: 'c', title: 'Item C', points: 2, bonus: true, partial: true, earned: 1, passed: 1, matched: 2, publicPassed: 1, publicMatched: 1 },
    ],
    tests: [
      { file: 'exercises/01-x/x.test.ts', title: ['A', 'one'], hidden: false, item: 'a', status: 'passed' },
      { file: 'exercises/01-x/x.test.ts', title: ['A', 'two'], hidden: false, item: 'a', status: 'passed' },
      { file: 'grading/01-x/x.hidden.test.ts', title: ['A', 'h'], hidden: true, item: 'a', status: 'passed' },
      { file: 'exercises/01-x/x.test.ts', title: ['B', 'one'], hidden: false, item: 'b', status: 'failed', reason: 'expected 1 to be 2' },
      { file: 'grading/01-x/x.hidden.test.ts', title: ['B', 'h'], hidden: true, item: 'b', status: 'failed', reason: 'secret input 42' },
      { file: 'exercises/01-x/x.test.ts', title: ['C', 'one'], hidden: false, item: 'c', status: 'passed' },
      { file: 'grading/01-x/x.hidden.test.ts', title: ['C', 'h'], hidden: true, item: 'c', status: 'failed', reason: 'secret' },
    ],
    fatal: [], warnings: [], flags: [], seconds: 3.2, peakMemoryMb: 300,
  };
  const report: SubmissionReport = {
    name: 'alice, "the" student', source: '/x', score: 3, maxScore: 3, bonus: 1, maxBonus: 2, exercises: [exercise], used: [], ignored: [],
    ignoredCount: 0, problems: [], sandbox: [], seconds: 12.6,
  };

  it('Gradescope results.json: exactly the fields Gradescope reads, hidden tests after publication, points shown by the item\'s rule, entries adding up', () => {
    const r = gradescopeResults(report);
    expect(Object.keys(r).sort()).toEqual(['execution_time', 'output', 'score', 'stdout_visibility', 'tests', 'visibility']);
    expect(r.score).toBe(3);
    expect(r.execution_time).toBe(13);
    for (const t of r.tests) expect(Object.keys(t).sort()).toEqual(['max_score', 'name', 'output', 'score', 'status', 'visibility']);
    const a = r.tests.filter((t) => t.name.includes('Item A'));
    // All or nothing: the item's 2 points are not split into 1.3333 + 0.6667; the public entry carries them and says why.
    expect(a.map((t) => [t.visibility, t.score, t.max_score])).toEqual([['visible', 2, 2], ['after_published', 0, 0]]);
    expect(a[0]!.output).toMatch(/All or nothing: the item's 2 point\(s\) also need its 1 hidden test\(s\)/);
    // Partial: each test is worth a share, so each entry shows its tests' share (1 point, 1 public and 1 hidden test).
    expect(r.tests.filter((t) => t.name.includes('Item B')).map((t) => t.max_score)).toEqual([0.5, 0.5]);
    expect(r.tests.filter((t) => t.name.includes('Item B')).map((t) => t.score)).toEqual([0, 0]);
    const c = r.tests.filter((t) => t.name.includes('Item C'));
    expect(c.every((t) => t.max_score === 0 && t.name.includes('(bonus)'))).toBe(true);
    expect(c.map((t) => t.score)).toEqual([1, 0]);
    expect(r.tests.reduce((s, t) => s + t.score, 0)).toBeCloseTo(3, 3);
    // A hidden test's reason appears only in its after_published entry.
    for (const t of r.tests.filter((x) => x.visibility === 'visible')) expect(t.output).not.toMatch(/secret/);
    expect(r.output).not.toMatch(/secret/);
  });

  it('a whole clone reads as fine: the kit\'s own files are one neutral line, only what the kit lacks is listed', () => {
    const used = [{ file: 'exercises/01-x/x.ts', from: 'kit/exercises/01-x/x.ts' }];
    const clone = renderTable({ ...report, used, kitFiles: 31, ignored: [], ignoredCount: 0 });
    expect(clone).toMatch(/Took the 1 exercise file\(s\) you edit from your clone of the kit; its other 31 file\(s\) \(tests, READMEs, the kit itself\) are not read, as expected\./);
    expect(clone).not.toMatch(/Ignored|Not part of the kit/);
    const odd = renderTable({ ...report, used, kitFiles: 31, ignored: [{ path: 'kit/notes.txt', why: 'not a stub file (5 B)' }], ignoredCount: 1 });
    expect(odd).toMatch(/Not part of the kit, so not graded: kit\/notes\.txt \(not a stub file \(5 B\)\)\./);
    const loose = renderTable({ ...report, ignored: [{ path: 'notes.txt', why: 'not a stub file (5 B)' }], ignoredCount: 1 });
    expect(loose).toMatch(/Not graded \(only the \.ts files you edit in exercises\/NN-name\/ are\): notes\.txt/);
  });

  it('a tampered exercise scores 0 in every entry', () => {
    const r = gradescopeResults({ ...report, score: 0, exercises: [{ ...exercise, status: 'tampered', reason: 'tampering detected' }] });
    expect(r.tests.every((t) => t.score === 0 && t.status === 'failed')).toBe(true);
  });

  it('the failure results.json is a zero that says why', () => {
    const r = failedResults('the rubric of 02-mlp is broken');
    expect(r).toMatchObject({ score: 0, tests: [], visibility: 'visible', stdout_visibility: 'hidden' });
    expect(r.output).toMatch(/could not grade this submission: the rubric of 02-mlp is broken/);
  });

  it('the table, GitHub Classroom payload, gradebook and pass rates', () => {
    const table = renderTable(report);
    expect(table).toMatch(/^alice, "the" student: 2 \/ 3 points \+ 1 \/ 2 bonus/);
    expect(table).toMatch(/01-x +2\/3 +1\/2 +4 +2 +0 +expected 1 to be 2/);
    expect(classroomResults(report)).toMatchObject({ version: 1, status: 'fail', max_score: 3, tests: [{ score: 2, status: 'pass' }, { score: 0 }, { score: 1 }] });
    expect(gradebook([report])).toBe('student,total,bonus,01-x,01-x bonus,01-x status,error\n"alice, ""the"" student",2,1,2,1,graded,\n');
    expect(passRates([report, report]).split('\n')[1]).toBe('01-x,exercises/01-x/x.test.ts,A › one,public,2,2,1.000');
  });
});
