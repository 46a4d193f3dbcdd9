/**
 * Before anything runs: the import policy on every submitted file, then the TypeScript compiler over
 * the tests and what they import. A submitted file that does not parse, breaks the policy, or that
 * the tests cannot compile against (a missing export, a changed signature) costs its exercise and
 * every exercise whose tests import it; type errors inside the student's own code are reported as
 * warnings and the tests decide (vitest strips types, as `npm test` does for the student).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exercise } from './exercises.ts';
import { checkPolicy, importsOf, stubTarget, type Finding } from './policy.ts';
import { itemOf } from './rubric.ts';
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

/** One type-check server process (see typecheck-child.ts). */
class Server {
  readonly #child: ChildProcess;
  #buffer = '';
  #pending: ((line: string | undefined) => void) | undefined;
  #stderr = '';
  dead = false;

  constructor() {
    this.#child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: path.dirname(CHILD),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', NODE_OPTIONS: '--max-old-space-size=3072' },
    });
    this.#child.stdout!.on('data', (b: Buffer) => {
      this.#buffer += b.toString('utf8');
      const nl = this.#buffer.indexOf('\n');
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        this.#settle(line);
      }
    });
    this.#child.stderr!.on('data', (b: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += b.toString('utf8');
    });
    this.#child.on('exit', () => {
      this.dead = true;
      this.#settle(undefined);
    });
    this.#child.stdin!.on('error', () => undefined);
  }

  #settle(line: string | undefined): void {
    const p = this.#pending;
    this.#pending = undefined;
    p?.(line);
  }

  request(root: string, files: string[], timeoutMs: number): Promise<{ diagnostics?: Diagnostic[]; problem?: string }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.kill();
        resolve({ problem: `the TypeScript compiler did not finish within ${Math.round(timeoutMs / 1000)} s` });
      }, timeoutMs);
      this.#pending = (line) => {
        clearTimeout(timer);
        if (line === undefined) {
          resolve({ problem: `the TypeScript compiler stopped: ${this.#stderr.split('\n').find((l) => l.trim() !== '') ?? 'no message'}` });
          return;
        }
        try {
          const answer = JSON.parse(line) as { diagnostics?: Diagnostic[]; error?: string };
          resolve(answer.diagnostics !== undefined ? { diagnostics: answer.diagnostics } : { problem: `the TypeScript compiler failed: ${answer.error ?? 'no message'}` });
        } catch {
          resolve({ problem: 'the TypeScript compiler answered nonsense' });
        }
      };
      this.#child.stdin!.write(`${JSON.stringify({ root, files })}\n`);
    });
  }

  kill(): void {
    this.dead = true;
    this.#child.kill('SIGKILL');
  }
}

/**
 * Type-check servers shared by a grading session: one per concurrent check, each reused for the
 * next submission (the parsed node_modules declarations stay in memory); a server that runs out of
 * time is killed and replaced.
 */
export class TypecheckPool {
  readonly #idle: Server[] = [];
  readonly #all = new Set<Server>();

  async check(root: string, files: string[], timeoutMs: number): Promise<{ diagnostics?: Diagnostic[]; problem?: string }> {
    let server = this.#idle.pop();
    while (server !== undefined && server.dead) server = this.#idle.pop();
    server ??= new Server();
    this.#all.add(server);
    try {
      return await server.request(root, files, timeoutMs);
    } finally {
      if (server.dead) this.#all.delete(server);
      else this.#idle.push(server);
    }
  }

  close(): void {
    for (const s of this.#all) s.kill();
    this.#all.clear();
    this.#idle.length = 0;
  }
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
  /** Reused type-check servers (a fresh one per call when absent). */
  pool?: TypecheckPool;
}

/** What a student is told about a hidden test that does not compile against the submission. */
function hiddenTestError(e: Exercise, d: Diagnostic, stubPaths: ReadonlySet<string>): Finding {
  const item = e.rubric !== undefined && d.titles !== undefined ? itemOf(e.rubric, d.titles) : undefined;
  const which = item !== undefined ? `"${item.title}"` : `exercise ${e.id}`;
  const subject = d.subject !== undefined && stubPaths.has(d.subject.file) ? d.subject : undefined;
  if (subject === undefined) {
    return { file: '(hidden test)', line: 0, message: `a hidden test of ${which} does not compile against your code: keep every export of the stub files with the stub's names, parameter types and return types` };
  }
  return {
    file: subject.file,
    line: subject.line,
    message: `a hidden test of ${which} does not compile against your code where it uses ${subject.name}: keep its name, parameter types and return type as the stub has them (parameter types narrower than the stub's refuse other inputs)`,
  };
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
  const pool = input.pool ?? new TypecheckPool();
  let compiled: { diagnostics?: Diagnostic[]; problem?: string };
  try {
    compiled = await pool.check(root, rootFiles, input.timeoutMs ?? 180_000);
  } finally {
    if (input.pool === undefined) pool.close();
  }
  const result: CheckResult = { exercises: checks, seconds: 0 };
  const testErrors = new Map<string, Finding[]>(exercises.map((e) => [e.id, []]));
  if (compiled.problem !== undefined) {
    result.compilerProblem = compiled.problem;
    // A compiler that ran out of time may be the submission's doing (a type that takes minutes) and is
    // said as such; one that crashed or answered nonsense failed on the grader's side: a plain sentence
    // for the student, the raw problem for the instructor.
    const timedOut = compiled.problem.includes('did not finish');
    const message = timedOut
      ? `${compiled.problem}; the exercise could not be checked`
      : 'the grader\'s type check failed on its side (not because of anything in your submission), so the exercise could not be checked; the course staff have the details';
    for (const e of graded) {
      if (e.stubs.some((s) => input.submitted.has(s.path))) {
        checks.get(e.id)!.fatal.push({ file: '', line: 0, message, ...(timedOut ? {} : { detail: compiled.problem }) });
      }
    }
  }
  const hiddenSeen = new Set<string>();
  for (const d of compiled.diagnostics ?? []) {
    const finding: Finding = { file: d.file, line: d.line, message: `TS${d.code}: ${d.message}` };
    const owner = exerciseOfFile.get(d.file);
    if (stubPaths.has(d.file)) {
      if (d.syntactic) {
        if (!bad.has(d.file)) bad.set(d.file, finding);
      } else if (owner !== undefined) {
        checks.get(owner)!.warnings.push(finding);
      }
    } else if (owner !== undefined && hiddenFiles.has(d.file)) {
      // The compiler's message quotes the hidden test (its inputs, when a parameter is typed as the
      // public tests' literal values), so none of it is shown: only the rubric item, and the submitted
      // declaration the failing code uses.
      const finding = hiddenTestError(exercises.find((e) => e.id === owner)!, d, stubPaths);
      const key = `${finding.file}\u0000${finding.message}`;
      if (!hiddenSeen.has(key)) testErrors.get(owner)!.push(finding);
      hiddenSeen.add(key);
    } else if (owner !== undefined) {
      // A test that does not compile against the submission: the interface it relies on is broken.
      testErrors.get(owner)!.push({ file: d.file, line: d.line, message: `a test cannot compile against your code: TS${d.code}: ${d.message}` });
    }
  }

  // 3. A bad file costs its exercise and every exercise whose tests reach it through imports.
  for (const e of graded) {
    const seen = new Set<string>();
    const queue = [...e.publicTests, ...e.hiddenTests].flatMap((t) => {
      const text = fs.readFileSync(path.join(root, t), 'utf8');
      return importsOf(text, t)
        .filter((s) => s.startsWith('.'))
        .map((s) => stubTarget(t, s, stubPaths))
        .filter((f) => f !== undefined);
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
    // The student's own syntax or policy errors first: the tests' complaints usually follow from them.
    checks.get(e.id)!.fatal.push(...testErrors.get(e.id)!);
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}
