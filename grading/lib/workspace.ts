/**
 * The folders a run sees: the workspace laid out like the kit (the instructor's tests and kit/, the
 * submission's stub files), and the kit's paths the sandbox must hide from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { filesBelow } from '#kit/files';
import type { Exercise } from './exercises.ts';

/** Lays out a workspace like the kit: kit/, tests, support files, and the stub files (submitted or untouched). */
export function buildWorkspace(root: string, exercises: readonly Exercise[], files: ReadonlyMap<string, string>, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const f of filesBelow(path.join(root, 'kit'))) {
    const rel = path.relative(root, f);
    if (/\.(test|spec)\.ts$/.test(rel) || rel.split(path.sep).includes('fixtures')) continue;
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(f, path.join(dir, rel));
  }
  for (const e of exercises) {
    for (const rel of [...e.publicTests, ...e.publicSupport, ...e.hiddenTests, ...e.hiddenSupport]) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.copyFileSync(path.join(root, rel), path.join(dir, rel));
    }
    for (const s of e.stubs) {
      fs.mkdirSync(path.dirname(path.join(dir, s.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, s.path), files.get(s.path) ?? s.text);
    }
  }
  for (const link of ['node_modules', 'data']) {
    const target = path.join(root, link);
    if (fs.existsSync(target)) fs.symlinkSync(fs.realpathSync(target), path.join(dir, link));
  }
}

/**
 * The real paths a run must not see: the kit's solutions, grading/, out/ and .git, and `extra` (the
 * submissions) — except a folder that holds something the run needs (`runsDir`, node_modules, the
 * data, node itself), which hiding would break.
 */
export function pathsToHide(root: string, runsDir: string, extra: readonly string[]): string[] {
  const dataDir = process.env['KIT_DATA_DIR'];
  const needed = [runsDir, path.join(root, 'node_modules'), path.join(root, 'data'), process.execPath, ...(dataDir ? [path.resolve(dataDir)] : [])]
    .filter((p) => fs.existsSync(p))
    .map((p) => fs.realpathSync(p));
  const candidates = [path.join(root, 'solutions'), path.join(root, 'grading'), path.join(root, 'out'), path.join(root, '.git'), ...extra];
  const out = new Set<string>();
  for (const c of candidates) {
    if (!fs.existsSync(c)) continue;
    const real = fs.realpathSync(c);
    const holdsNeeded = needed.some((n) => n === real || n.startsWith(real + path.sep));
    if (!holdsNeeded) out.add(real);
  }
  return [...out];
}
