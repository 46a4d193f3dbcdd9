import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds } from '#kit/exercises';
import { checkMutantFile, MUTANTS_DIR, solutionRegions } from './mutant-list.ts';

const withSolutions = exerciseIds(REPO_ROOT).filter((id) => fs.existsSync(path.join(REPO_ROOT, 'solutions', id)));

describe('the hand-written mutant lists (bench/mutants/)', () => {
  test.each(withSolutions)('%s has a list that fits its solution', (id) => {
    expect(fs.existsSync(path.join(MUTANTS_DIR, `${id}.json`)), `bench/mutants/${id}.json is missing: every exercise keeps its student-bug list (CONTRIBUTING.md)`).toBe(true);
    expect(checkMutantFile(id)).toEqual([]);
  });

  test('every list names an exercise that exists', () => {
    const lists = fs.readdirSync(MUTANTS_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    expect(lists.filter((id) => !withSolutions.includes(id))).toEqual([]);
  });

  test('a solution region is the text between the markers, with 1-based inclusive lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-regions-'));
    try {
      const file = path.join(dir, 'f.ts');
      fs.writeFileSync(file, ['export function f(): number {', '  // BEGIN SOLUTION', '  const a = 1;', '  return a;', '  // END SOLUTION', '}', '// BEGIN SOLUTION', '// END SOLUTION'].join('\n'));
      expect(solutionRegions(file)).toEqual([{ file, startLine: 3, endLine: 4, body: '  const a = 1;\n  return a;' }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
