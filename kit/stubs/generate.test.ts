import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KitError } from '#kit/errors';
import { findDrift, planStubs, stubFromSolution, writeStubs } from '#kit/stubs';

const solution = `import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';

/** Sum of draws. */
export function draw(n: number, rng: Rng): number {
  if (n < 1) throw new ArgumentError('n');
  // BEGIN SOLUTION
  let s = 0;
  for (let i = 0; i < n; i++) s += rng.uniform();
  return s;
  // END SOLUTION
}

export class Net {
  forward(x: number): number {
    // BEGIN SOLUTION
    return x;
    // END SOLUTION
  }
}

export const half = (x: number): number => {
  // BEGIN SOLUTION
  return x / 2;
  // END SOLUTION
};
`;

describe('stubFromSolution', () => {
  const { text, functions } = stubFromSolution(solution, 'solutions/x/x.ts');

  it('replaces every region with a NotImplemented throw naming the enclosing function', () => {
    expect(functions).toEqual(['draw', 'Net.forward', 'half']);
    expect(text).toContain("  // YOUR CODE HERE\n  throw new NotImplemented('draw');\n}");
    expect(text).toContain("    throw new NotImplemented('Net.forward');");
    expect(text).toContain("  throw new NotImplemented('half');");
    expect(text).not.toMatch(/BEGIN SOLUTION|END SOLUTION|rng\.uniform|x \/ 2/);
  });

  it('keeps what the student gets for free (validation, signatures, docs)', () => {
    expect(text).toContain("if (n < 1) throw new ArgumentError('n');");
    expect(text).toContain('/** Sum of draws. */');
  });

  it('adds NotImplemented to an existing #kit/errors import instead of duplicating it', () => {
    expect(text.split('\n')[0]).toBe("import { ArgumentError, NotImplemented } from '#kit/errors';");
    expect(text.match(/NotImplemented }/g)).toHaveLength(1);
  });

  it('adds a fresh import after the last import when there is none', () => {
    const out = stubFromSolution("import fs from 'node:fs';\nexport function f(): number {\n  // BEGIN SOLUTION\n  return fs.constants.F_OK;\n  // END SOLUTION\n}\n", 'f.ts');
    expect(out.text.split('\n').slice(0, 2)).toEqual(["import fs from 'node:fs';", "import { NotImplemented } from '#kit/errors';"]);
  });

  it('drops top-level regions (solution-only helpers)', () => {
    const out = stubFromSolution('// BEGIN SOLUTION\nconst secret = 1;\n// END SOLUTION\nexport const x = 2;\n', 'g.ts');
    expect(out.text).toBe('// YOUR CODE HERE\nexport const x = 2;\n');
    expect(out.functions).toEqual([]);
  });

  it('leaves a file without regions unchanged', () => {
    expect(stubFromSolution('export const a = 1;\n', 'a.ts')).toEqual({ text: 'export const a = 1;\n', functions: [] });
  });

  it.each([
    ['an unclosed region', 'function f() {\n  // BEGIN SOLUTION\n  return 1;\n}\n', /never closed/],
    ['a stray END', 'function f() {\n  // END SOLUTION\n}\n', /without a matching/],
    ['nested regions', '// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION\n', /cannot nest/],
  ])('rejects %s with the file and line', (_, src, message) => {
    expect(() => stubFromSolution(src, 'solutions/bad.ts')).toThrow(KitError);
    expect(() => stubFromSolution(src, 'solutions/bad.ts')).toThrow(message);
    expect(() => stubFromSolution(src, 'solutions/bad.ts')).toThrow(/solutions\/bad\.ts:\d+/);
  });
});

describe('the stub tree', () => {
  function tempKit(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-stubs-'));
    fs.mkdirSync(path.join(root, 'solutions', '01-a'), { recursive: true });
    fs.mkdirSync(path.join(root, 'exercises', '01-a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'solutions', '01-a', 'a.ts'), 'export function f(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}\n');
    fs.writeFileSync(path.join(root, 'exercises', '01-a', 'a.test.ts'), '// hand-written\n');
    fs.writeFileSync(path.join(root, 'exercises', '01-a', 'README.md'), '# A\n');
    return root;
  }

  it('reports a missing stub, writes it, then reports no drift', () => {
    const root = tempKit();
    expect(findDrift(root)).toEqual([{ file: 'exercises/01-a/a.ts', problem: 'missing' }]);
    expect(writeStubs(root)).toEqual(['exercises/01-a/a.ts']);
    expect(findDrift(root)).toEqual([]);
    expect(writeStubs(root)).toEqual([]);
    fs.rmSync(root, { recursive: true });
  });

  it('reports an edited stub and an orphan file, but never tests or READMEs', () => {
    const root = tempKit();
    writeStubs(root);
    fs.appendFileSync(path.join(root, 'exercises', '01-a', 'a.ts'), '// edited\n');
    fs.writeFileSync(path.join(root, 'exercises', '01-a', 'extra.ts'), 'export {};\n');
    expect(findDrift(root)).toEqual([
      { file: 'exercises/01-a/a.ts', problem: 'differs' },
      { file: 'exercises/01-a/extra.ts', problem: 'orphan' },
    ]);
    fs.rmSync(root, { recursive: true });
  });

  it('refuses a test file inside solutions/', () => {
    const root = tempKit();
    fs.writeFileSync(path.join(root, 'solutions', '01-a', 'a.test.ts'), '');
    expect(() => planStubs(root)).toThrow(/Tests live beside the stubs in exercises\//);
    fs.rmSync(root, { recursive: true });
  });

  it('the real exercises/ folder matches solutions/', () => {
    expect(findDrift()).toEqual([]);
  });
});
