/**
 * Reads a submission — a folder or a .zip — and keeps only the stub files of `exercises/` (the
 * whitelist). Everything else is listed as ignored and never read: a 1 GB file costs one `lstat`.
 * The submission may be a whole clone of the kit, a folder laid out like `exercises/`, either of
 * them wrapped in one more folder (as zips of a folder are), or loose files (a Gradescope upload).
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError } from '#kit/errors';
import type { StubFile } from './exercises.ts';
import { ZipReader } from './zip.ts';

/** Largest stub file accepted: the biggest reference file is a few kB. */
export const MAX_STUB_BYTES = 512 * 1024;
/** Entries looked at in a folder before the rest is only counted. */
const MAX_ENTRIES = 20_000;
/** Folders not descended into (counted as one ignored entry each). */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAX_LISTED = 50;

export interface Ignored {
  path: string;
  why: string;
}

export interface Submission {
  name: string;
  source: string;
  kind: 'folder' | 'zip';
  /** Stub path (`exercises/NN/x.ts`) → the text found for it, and where it was found. */
  files: Map<string, { from: string; text: string }>;
  /** The first ignored entries, for the report. */
  ignored: Ignored[];
  ignoredCount: number;
  /** Things a person should know: a whitelisted file that was refused, and why. */
  problems: string[];
}

interface Entry {
  path: string;
  size: number;
  type: 'file' | 'dir' | 'symlink' | 'other';
  unsafe?: boolean;
  read: () => Buffer;
}

/** Lower is better: where a stub file may sit in a submission. */
function rank(entryPath: string, stub: string, uniqueBase: boolean): number | undefined {
  const inExercises = stub.slice('exercises/'.length); // NN-name/file.ts
  if (entryPath === stub) return 0;
  if (entryPath.endsWith(`/${stub}`)) return 1;
  if (entryPath === inExercises) return 2;
  if (entryPath.endsWith(`/${inExercises}`)) return 3;
  if (uniqueBase && entryPath === path.posix.basename(stub)) return 4;
  return undefined;
}

function submissionName(source: string): string {
  return path.basename(source).replace(/\.zip$/i, '') || 'submission';
}

function walkFolder(root: string): { entries: Entry[]; skipped: Ignored[]; truncated: number } {
  const entries: Entry[] = [];
  const skipped: Ignored[] = [];
  let truncated = 0;
  const stack = [''];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
    } catch (err) {
      skipped.push({ path: dir || '.', why: `could not be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of names) {
      const p = dir === '' ? d.name : `${dir}/${d.name}`;
      if (entries.length >= MAX_ENTRIES) {
        truncated++;
        continue;
      }
      const full = path.join(root, p);
      if (d.isDirectory()) {
        if (SKIPPED_DIRS.has(d.name)) skipped.push({ path: `${p}/`, why: 'folder not read' });
        else stack.push(p);
        continue;
      }
      const st = fs.lstatSync(full);
      const type = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
      entries.push({ path: p, size: st.size, type, read: () => fs.readFileSync(full) });
    }
  }
  return { entries, skipped, truncated };
}

function zipEntries(file: string): { entries: Entry[]; close: () => void } {
  const zip = ZipReader.open(file);
  const entries = zip.members
    .filter((m) => !m.directory)
    .map((m): Entry => ({
      path: m.name,
      size: m.size,
      type: m.symlink ? 'symlink' : 'file',
      unsafe: m.unsafe,
      read: () => zip.read(m, MAX_STUB_BYTES),
    }));
  return { entries, close: () => { zip.close(); } };
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} B`;
}

/** Opens `source` and picks out the stub files named by `stubs`. */
export function loadSubmission(source: string, stubs: readonly StubFile[]): Submission {
  if (!fs.existsSync(source)) {
    throw new KitError(`The submission ${source} does not exist. Give a folder (a clone of the kit, or a folder laid out like exercises/) or a .zip of one.`);
  }
  const st = fs.statSync(source);
  const kind = st.isDirectory() ? 'folder' : 'zip';
  if (kind === 'zip' && !/\.zip$/i.test(source)) {
    throw new KitError(`The submission ${source} is a file but not a .zip. Give a folder or a .zip archive of one.`);
  }
  const sub: Submission = { name: submissionName(source), source, kind, files: new Map(), ignored: [], ignoredCount: 0, problems: [] };
  let entries: Entry[];
  let close = (): void => undefined;
  const ignore = (p: string, why: string): void => {
    sub.ignoredCount++;
    if (sub.ignored.length < MAX_LISTED) sub.ignored.push({ path: p, why });
  };
  if (kind === 'folder') {
    const walked = walkFolder(source);
    entries = walked.entries;
    for (const s of walked.skipped) ignore(s.path, s.why);
    if (walked.truncated > 0) {
      sub.ignoredCount += walked.truncated;
      sub.problems.push(`the submission has more than ${MAX_ENTRIES} files; ${walked.truncated} were not looked at`);
    }
  } else {
    const z = zipEntries(source);
    entries = z.entries;
    close = z.close;
  }
  try {
    const bases = new Map<string, number>();
    for (const s of stubs) bases.set(path.posix.basename(s.path), (bases.get(path.posix.basename(s.path)) ?? 0) + 1);
    const chosen = new Map<string, { entry: Entry; rank: number }>();
    const used = new Set<Entry>();
    for (const s of stubs) {
      for (const e of entries) {
        if (e.unsafe === true) continue;
        const r = rank(e.path, s.path, bases.get(path.posix.basename(s.path)) === 1);
        if (r === undefined) continue;
        const best = chosen.get(s.path);
        const better = best === undefined || r < best.rank || (r === best.rank && e.path.length < best.entry.path.length);
        if (better) chosen.set(s.path, { entry: e, rank: r });
      }
    }
    for (const [stubPath, { entry }] of chosen) {
      used.add(entry);
      if (entry.type !== 'file') {
        sub.problems.push(`${entry.path} is a ${entry.type === 'symlink' ? 'symbolic link' : 'special file'}, not a file: ignored, ${stubPath} is graded as the untouched stub`);
        continue;
      }
      if (entry.size > MAX_STUB_BYTES) {
        sub.problems.push(`${entry.path} is ${fmtBytes(entry.size)}, more than the ${fmtBytes(MAX_STUB_BYTES)} a stub file may have: ignored, ${stubPath} is graded as the untouched stub`);
        continue;
      }
      try {
        sub.files.set(stubPath, { from: entry.path, text: entry.read().toString('utf8') });
      } catch (err) {
        sub.problems.push(`${entry.path} could not be read (${(err as Error).message}): ${stubPath} is graded as the untouched stub`);
      }
    }
    for (const e of entries) {
      if (used.has(e)) continue;
      const why = e.unsafe === true
        ? 'unsafe name (absolute or with ..), not used'
        : e.type === 'symlink' ? 'symbolic link, not followed' : `not a stub file (${fmtBytes(e.size)})`;
      ignore(e.path, why);
    }
  } finally {
    close();
  }
  return sub;
}
