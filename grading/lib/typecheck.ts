/**
 * Before anything runs: the import policy on every submitted file, then the TypeScript compiler over
 * the tests and what they import. A submitted file that does not parse, breaks the policy, or that
 * the tests cannot compile against (a missing export, a changed signature) costs its exercise and
 * every exercise whose tests import it; type errors inside the student's own code are reported as
 * warnings and the tests decide (vitest strips types, as `npm test` does for the student).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exercise } from './exercises.ts';
import { checkPolicy, importsOf, type Finding } from './policy.ts';
import type { Diagnostic } from './typecheck-child.ts';

export interface ExerciseCheck {
  /** Reasons the exercise cannot be run; empty when it can. */
  fatal: Finding[];
  /** Type errors inside the student's own files (not graded). */
  warnings: Finding[];
  /** For the instructor's eyes. */
  flags: Finding[];
}

export interface CheckResult {
  exercises: Map<string, ExerciseCheck>;
  seconds: number;
  /** Set when the compiler itself did not finish (time limit, crash). */
  compilerProblem?: string;
}

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'typecheck-child.ts');

function runCompiler(root: string, rootFiles: string[], timeoutMs: number): Promise<{ diagnostics?: Diagnostic[]; problem?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, ...rootFiles], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_OPTIONS: '--max-old-space-size=3072' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 64) err.push(b);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        resolve({ problem: `the TypeScript compiler did not finish within ${Math.round(timeoutMs / 1000)} s` });
        return;
      }
      try {
        resolve({ diagnostics: JSON.parse(Buffer.concat(out).toString('utf8')) as Diagnostic[] });
      } catch {
        resolve({ problem: `the TypeScript compiler failed (exit ${code}): ${Buffer.concat(err).toString('utf8').split('\n').find((l) => l.trim() !== '') ?? 'no message'}` });
      }
    });
  });
}

export interface CheckInput {
  /** The submission workspace (laid out like the kit). */
  root: string;
  exercises: readonly Exercise[];
  /** Stub paths the submission provided (the others are untouched stubs and need no policy check). */
  submitted: ReadonlySet<string>;
  /** Packages the kit depends on. */
  packages: ReadonlySet<string>;
  /** The exercises being graded: only their tests are compiled (all exercises when absent). */
  graded?: ReadonlySet<string>;
  timeoutMs?: number;
}

export async function checkSubmission(input: CheckInput): Promise<CheckResult> {
  const t0 = Date.now();
  const { root, exercises } = input;
  const stubPaths = new Set(exercises.flatMap((e) => e.stubs.map((s) => s.path)));
  const exerciseOfFile = new Map<string, string>();
  for (const e of exercises) {
    for (const f of [...e.stubs.map((s) => s.path), ...e.publicTests, ...e.hiddenTests]) exerciseOfFile.set(f, e.id);
  }
  const hiddenFiles = new Set(exercises.flatMap((e) => e.hiddenTests));
  const checks = new Map<string, ExerciseCheck>(exercises.map((e) => [e.id, { fatal: [], warnings: [], flags: [] }]));

  // 1. Policy, on the files the student wrote.
  const bad = new Map<string, Finding>();
  const importsFrom = new Map<string, string[]>();
  for (const e of exercises) {
    for (const stub of e.stubs) {
      const text = fs.readFileSync(path.join(root, stub.path), 'utf8');
      const ctx = { file: stub.path, stubPaths, stubImports: new Set(importsOf(stub.text, stub.path)), packages: input.packages };
      const r = checkPolicy(text, ctx);
      importsFrom.set(stub.path, r.imports);
      if (!input.submitted.has(stub.path)) continue;
      checks.get(e.id)!.flags.push(...r.flags);
      const first = r.violations[0];
      if (first !== undefined && !bad.has(stub.path)) bad.set(stub.path, first);
    }
  }

  // 2. The compiler, over the tests of every exercise (they import the rest).
  const graded = exercises.filter((e) => input.graded === undefined || input.graded.has(e.id));
  const rootFiles = graded.flatMap((e) => [...e.publicTests, ...e.hiddenTests]);
  const compiled = await runCompiler(root, rootFiles, input.timeoutMs ?? 180_000);
  const result: CheckResult = { exercises: checks, seconds: 0 };
  if (compiled.problem !== undefined) {
    result.compilerProblem = compiled.problem;
    for (const e of graded) {
      if (e.stubs.some((s) => input.submitted.has(s.path))) {
        checks.get(e.id)!.fatal.push({ file: '', line: 0, message: `${compiled.problem}; the exercise could not be checked` });
      }
    }
  }
  for (const d of compiled.diagnostics ?? []) {
    const finding: Finding = { file: d.file, line: d.line, message: `TS${d.code}: ${d.message}` };
    const owner = exerciseOfFile.get(d.file);
    if (stubPaths.has(d.file)) {
      if (d.syntactic) {
        if (!bad.has(d.file)) bad.set(d.file, finding);
      } else if (owner !== undefined) {
        checks.get(owner)!.warnings.push(finding);
      }
    } else if (owner !== undefined) {
      // A test that does not compile against the submission: the interface it relies on is broken.
      const hidden = hiddenFiles.has(d.file);
      checks.get(owner)!.fatal.push({
        file: hidden ? '(hidden test)' : d.file,
        line: hidden ? 0 : d.line,
        message: `a test cannot compile against your code: TS${d.code}: ${d.message}`,
      });
    }
  }

  // 3. A bad file costs its exercise and every exercise whose tests reach it through imports.
  for (const e of graded) {
    const seen = new Set<string>();
    const queue = [...e.publicTests, ...e.hiddenTests].flatMap((t) => {
      const text = fs.readFileSync(path.join(root, t), 'utf8');
      return importsOf(text, t)
        .filter((s) => s.startsWith('.'))
        .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(t), s)));
    });
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (seen.has(f) || !stubPaths.has(f)) continue;
      seen.add(f);
      queue.push(...(importsFrom.get(f) ?? []));
    }
    for (const f of [...seen].sort()) {
      const why = bad.get(f);
      if (why === undefined) continue;
      const own = exerciseOfFile.get(f) === e.id;
      checks.get(e.id)!.fatal.push(own ? why : { ...why, message: `depends on ${f}, which cannot be used: ${why.message}` });
    }
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}
