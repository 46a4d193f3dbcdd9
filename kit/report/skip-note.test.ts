import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';

/**
 * A test that skips itself with a reason (ctx.skip(note), e.g. a dataset that is not installed) must
 * say why in what `npm test` prints, not vanish into a skipped count. Run for real in a child vitest.
 */
it('prints the title and the reason of a test skipped with ctx.skip(note)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-skip-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'skip.test.ts'),
      [
        "import { describe, it } from 'vitest';",
        "describe('group', () => {",
        "  it('needs data', (ctx) => { ctx.skip('DATASET not found: run `npm run data -- x`'); });",
        '  it(\'runs\', () => undefined);',
        '});',
      ].join('\n'),
    );
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'vitest'), ['run', '--dir', dir], {
      cwd: REPO_ROOT,
      env: { ...process.env, CI: '1' },
      encoding: 'utf8',
    });
    const out = stripVTControlCharacters(`${r.stdout}${r.stderr}`);
    expect(out).toMatch(/1\/1 passed, 1 skipped/);
    expect(out).toContain('↷ group › needs data');
    expect(out).toContain('skipped: DATASET not found: run `npm run data -- x`');
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
