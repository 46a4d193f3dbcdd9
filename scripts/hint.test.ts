/**
 * Every function a student has to write has its own section in the exercise's hints.md, so
 * `npm run hint -- NN <function>` never comes back empty-handed, and the command finds it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';

const exercisesDir = path.join(REPO_ROOT, 'exercises');
const ids = fs.readdirSync(exercisesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && /^\d\d-/.test(e.name))
  .map((e) => e.name)
  .sort();

/** The names the stubs give to NotImplemented, e.g. `heNormal`, `TiedDense.call`. */
function todo(id: string): string[] {
  const names = new Set<string>();
  for (const f of fs.readdirSync(path.join(exercisesDir, id))) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    for (const m of fs.readFileSync(path.join(exercisesDir, id, f), 'utf8').matchAll(/new NotImplemented\('([^']+)'\)/g)) names.add(m[1]!);
  }
  return [...names];
}

describe('hints', () => {
  it.each(ids)('%s: hints.md has a section for every function to write', (id) => {
    const file = path.join(exercisesDir, id, 'hints.md');
    expect(fs.existsSync(file), `${file} is missing`).toBe(true);
    const headings = [...fs.readFileSync(file, 'utf8').matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());
    const names = todo(id);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !headings.includes(n)), `functions without a hint in ${id}`).toEqual([]);
  });

  it.each([
    ['07', 'TiedDense.call', '## TiedDense.call'],
    ['05', 'reconstruct', '## reconstruct'],
    ['02', 'TRAINEPOCH', '## trainEpoch'],
  ])('npm run hint -- %s %s prints that function\'s section', (id, topic, heading) => {
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/hint.ts', id, topic], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(heading);
  });
});
