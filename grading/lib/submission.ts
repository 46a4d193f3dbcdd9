/**
 * Reads a submission — a folder or a .zip — and keeps only the stub files of `exercises/` (the
 * whitelist). Everything else is listed as ignored and never read: a 1 GB file costs one `lstat`.
 * The submission may be a whole clone of the kit, a folder laid out like `exercises/`, either of
 * them wrapped in one more folder (as zips of a folder are), or loose files (a Gradescope upload).
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import { KitError } from '#kit/errors';
import type { StubFile } from './exercises.ts';
import { printableName } from './sanitize.ts';
import { ZipReader } from './zip.ts';

/** A submission that cannot be read at all (not a zip, a damaged zip): its message is for the student. */
export class SubmissionError extends KitError {
  override name = 'SubmissionError';
}

/** Largest stub file accepted: the biggest reference file is a few kB. */
export const MAX_STUB_BYTES = 512 * 1024;
/** Entries looked at in a folder before the rest is only counted. */
const MAX_ENTRIES = 20_000;
/** Folders not descended into (counted as one ignored entry each). */
const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAX_LISTED = 50;
const FOLDER_NOT_READ = 'folder not read';

export interface Ignored {
  path: string;
  why: string;
  /** The stub path this file was probably meant to be (a misnamed folder or file). */
  expected?: string;
}

export interface Submission {
  name: string;
  source: string;
  kind: 'folder' | 'zip';
  /** Stub path (`exercises/NN/x.ts`) → the text found for it, and where it was found. */
  files: Map<string, { from: string; text: string }>;
  /** The first ignored entries that are not the kit's own files, for the report. */
  ignored: Ignored[];
  ignoredCount: number;
  /**
   * Files of a whole clone that are the kit's own (its tests, READMEs, kit/, node_modules/ …): not read,
   * as expected — submitting the whole clone is the documented way — so counted, not listed.
   */
  kitFiles: number;
  /** Things a person should know: a whitelisted file that was refused, and why. */
  problems: string[];
  /** Stub files found but refused (too big, a link, not UTF-8, unreadable): graded as the untouched stub. */
  refused: Array<{ stub: string; why: string }>;
}

interface Entry {
  /** For matching and display: not valid UTF-8 bytes show as U+FFFD, control characters as \u escapes. */
  path: string;
  size: number;
  type: 'file' | 'dir' | 'symlink' | 'other';
  unsafe?: boolean;
  /** Its name (or a folder's above it) is not valid UTF-8. */
  badName?: boolean;
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
  let seen = 0;
  // Names are handled as bytes: a name that is not valid UTF-8 has no string that reaches the file again
  // (decoding replaces its bad bytes), so the file is reached through its raw path.
  const stack: Array<{ shown: string; raw: Buffer; bad: boolean }> = [{ shown: '', raw: Buffer.from(root), bad: false }];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: Array<fs.Dirent<Buffer>>;
    try {
      names = fs.readdirSync(dir.raw, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      skipped.push({ path: dir.shown || '.', why: `could not be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    names.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const d of names) {
      const name = printableName(d.name.toString('utf8'));
      const p = dir.shown === '' ? name : `${dir.shown}/${name}`;
      // Folders count too: a million empty folders must not keep the walk going either.
      if (++seen > MAX_ENTRIES) {
        truncated++;
        continue;
      }
      const raw = Buffer.concat([dir.raw, Buffer.from('/'), d.name]);
      const bad = dir.bad || !isUtf8(d.name);
      if (d.isDirectory()) {
        if (SKIPPED_DIRS.has(name)) skipped.push({ path: `${p}/`, why: FOLDER_NOT_READ });
        else stack.push({ shown: p, raw, bad });
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.lstatSync(raw);
      } catch (err) {
        // Gone or unreadable since it was listed: not the submission's fault, and not a reason to stop.
        skipped.push({ path: p, why: `could not be looked at (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        continue;
      }
      const type = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
      entries.push({ path: p, size: st.size, type, ...(bad ? { badName: true } : {}), read: () => fs.readFileSync(raw) });
    }
  }
  return { entries, skipped, truncated };
}

function zipEntries(file: string): { entries: Entry[]; close: () => void } {
  let zip: ZipReader;
  try {
    zip = ZipReader.open(file);
  } catch (err) {
    // Its own reasons (no directory, damaged, ZIP64) are about the upload: the student should read them.
    if (err instanceof KitError) throw new SubmissionError(err.message);
    throw err;
  }
  const entries = zip.members
    .filter((m) => !m.directory)
    .map((m): Entry => ({
      path: printableName(m.name),
      size: m.size,
      type: m.symlink ? 'symlink' : 'file',
      unsafe: m.unsafe,
      ...(m.badName ? { badName: true } : {}),
      read: () => zip.read(m, MAX_STUB_BYTES),
    }));
  return { entries, close: () => { zip.close(); } };
}

/**
 * Why a stub file's bytes cannot be graded as TypeScript source, if they cannot: an editor that saved it
 * as UTF-16 (a byte-order mark, or a NUL byte beside every ASCII character) or a binary file. The
 * compiler would only say "TS1490: File appears to be binary".
 */
function encodingProblem(bytes: Buffer): string | undefined {
  const bom = bytes.length >= 2 ? bytes.readUInt16BE(0) : 0;
  if (bom === 0xfffe || bom === 0xfeff) return 'is saved as UTF-16 text';
  let nul = 0;
  for (const b of bytes) if (b === 0) nul++;
  if (nul > 0 && nul >= bytes.length / 10) return 'is not UTF-8 text (it is full of NUL bytes: UTF-16 or UTF-32 text, or a binary file)';
  return undefined;
}

const SAVE_AS_UTF8 = 'save it as UTF-8 (in VS Code: click the encoding in the status bar, "Save with Encoding", "UTF-8") and hand it in again';

/** Edit distance (insertions, deletions, substitutions), for "did you mean" hints. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** A file name without its extensions and a download's copy marker: `He-Init (1).ts.txt` → `he-init`. */
function stem(name: string): string {
  return name.toLowerCase().replace(/(\.(ts|tsx|mts|js|mjs|txt))+$/, '').replace(/\s*(\(\d+\)|-? ?copy)$/, '');
}

/**
 * The stub file an ignored file was probably meant to be: one whose name is within two edits of the
 * file's (ignoring case, a `.js`/`.txt` extension, a " (1)" copy marker) and whose folder is within a
 * few edits of the file's folder (`01-he_init/he-init.ts`, `Exercises/01-He-Init/He-Init.ts`,
 * `01-he-init/he_init.ts`, `he-init.ts.txt`), or failing that one with the same name in the closest
 * folder (`homework1/he-init.ts`).
 */
function expectedStub(entryPath: string, stubs: readonly StubFile[]): string | undefined {
  if (!/\.(ts|tsx|mts|js|mjs|txt)$/i.test(entryPath) || /\.(test|spec|d)\.[mc]?[tj]s$/i.test(entryPath)) return undefined;
  const [file = '', folder] = entryPath.toLowerCase().split('/').reverse();
  let best: { stub: string; score: number } | undefined;
  for (const s of stubs) {
    const [stubFile = '', stubFolder = ''] = s.path.split('/').reverse();
    const fileD = distance(stem(file), stem(stubFile));
    const folderD = folder === undefined ? 0 : distance(folder, stubFolder);
    const close = fileD <= 2 && folderD <= Math.max(2, Math.floor(stubFolder.length / 4));
    if (!close && fileD !== 0) continue;
    const score = close ? fileD + folderD : 1000 + folderD;
    if (best === undefined || score < best.score) best = { stub: s.path, score };
  }
  return best?.stub;
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${n} B`;
}

/**
 * Where the clone of the kit starts inside the submission, judging by where its stub files were found
 * (`alice/exercises/01-he-init/he-init.ts` → `alice/`; a folder laid out like exercises/ counts as the
 * clone's `exercises/`): each prefix with what to put before the rest of a path to make it kit-relative.
 */
function cloneRoots(chosen: ReadonlyMap<string, { entry: Entry; rank: number }>): Array<{ prefix: string; as: string }> {
  const roots = new Map<string, string>();
  for (const [stub, { entry, rank }] of chosen) {
    if (rank <= 1) roots.set(entry.path.slice(0, entry.path.length - stub.length), '');
    else if (rank <= 3) roots.set(entry.path.slice(0, entry.path.length - (stub.length - 'exercises/'.length)), 'exercises/');
  }
  // The longest prefix first: a path is judged against the innermost clone that holds it.
  return [...roots].map(([prefix, as]) => ({ prefix, as })).sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * Which kit-relative paths are the kit's own files, judged against the kit at `root`: a file of an
 * exercise folder that the kit has (a test, a README, hints), any other folder or top-level file of
 * the kit, and what npm, git, the kit's commands and the student release leave in a clone.
 */
export function kitFilesOf(root: string): (rel: string) => boolean {
  const LEFT_IN_A_CLONE = new Set(['node_modules', '.git', 'out', 'exercises/points.json']);
  return (rel) => {
    const clean = rel.replace(/\/$/, '');
    const top = clean.split('/')[0]!;
    if (LEFT_IN_A_CLONE.has(top) || LEFT_IN_A_CLONE.has(clean)) return true;
    if (top === 'exercises') return fs.existsSync(path.join(root, clean));
    return top !== '' && fs.existsSync(path.join(root, top));
  };
}

export interface LoadOptions {
  /** Is this kit-relative path one of the kit's own files (see `kitFilesOf`)? By default nothing is. */
  isKitFile?: (rel: string) => boolean;
}

/** Opens `source` and picks out the stub files named by `stubs`. */
export function loadSubmission(source: string, stubs: readonly StubFile[], options: LoadOptions = {}): Submission {
  if (!fs.existsSync(source)) {
    throw new SubmissionError(`The submission ${source} does not exist. Give a folder (a clone of the kit, or a folder laid out like exercises/) or a .zip of one.`);
  }
  const st = fs.statSync(source);
  const kind = st.isDirectory() ? 'folder' : 'zip';
  if (kind === 'zip' && !/\.zip$/i.test(source)) {
    throw new SubmissionError(`The submission ${source} is a file but not a .zip. Give a folder or a .zip archive of one.`);
  }
  const sub: Submission = { name: submissionName(source), source, kind, files: new Map(), ignored: [], ignoredCount: 0, kitFiles: 0, problems: [], refused: [] };
  let entries: Entry[];
  let close = (): void => undefined;
  let roots: Array<{ prefix: string; as: string }> = [];
  const isKitFile = (p: string): boolean => {
    if (options.isKitFile === undefined) return false;
    const root = roots.find((r) => p.startsWith(r.prefix));
    return root !== undefined && options.isKitFile(root.as + p.slice(root.prefix.length));
  };
  /** `worthALook`: a link, an unsafe or unreadable name, a near miss of a stub path — listed wherever it sits. */
  const ignore = (p: string, why: string, worthALook: boolean, expected?: string): void => {
    if (!worthALook && isKitFile(p)) {
      sub.kitFiles++;
      return;
    }
    sub.ignoredCount++;
    if (sub.ignored.length < MAX_LISTED) sub.ignored.push({ path: p, why, ...(expected === undefined ? {} : { expected }) });
  };
  const refuse = (stub: string, why: string): void => {
    sub.problems.push(why);
    sub.refused.push({ stub, why });
  };
  let skipped: Ignored[] = [];
  if (kind === 'folder') {
    const walked = walkFolder(source);
    entries = walked.entries;
    skipped = walked.skipped;
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
      const untouched = `${stubPath} is graded as the untouched stub`;
      if (entry.type !== 'file') {
        refuse(stubPath, `${entry.path} is a ${entry.type === 'symlink' ? 'symbolic link' : 'special file'}, not a file: ignored, ${untouched}`);
        continue;
      }
      if (entry.size > MAX_STUB_BYTES) {
        refuse(stubPath, `${entry.path} is ${fmtBytes(entry.size)}, more than the ${fmtBytes(MAX_STUB_BYTES)} a stub file may have (too big): ignored, ${untouched}`);
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = entry.read();
      } catch (err) {
        refuse(stubPath, `${entry.path} could not be read (${(err as Error).message}): ${untouched}`);
        continue;
      }
      const encoding = encodingProblem(bytes);
      if (encoding !== undefined) {
        refuse(stubPath, `${entry.path} ${encoding}: ${SAVE_AS_UTF8}; until then ${untouched}`);
        continue;
      }
      sub.files.set(stubPath, { from: entry.path, text: bytes.toString('utf8') });
    }
    roots = cloneRoots(chosen);
    for (const k of skipped) ignore(k.path, k.why, k.why !== FOLDER_NOT_READ);
    // Hints point only at stub files the submission lacks: a second copy of a file it has is just ignored.
    const missing = stubs.filter((s) => !chosen.has(s.path));
    for (const e of entries) {
      if (used.has(e)) continue;
      // Only listed entries get a hint (the edit distances are not free on 20,000 long names).
      const listed = sub.ignored.length < MAX_LISTED && e.path.length <= 300;
      const expected = !listed || e.unsafe === true || e.type === 'symlink' ? undefined : expectedStub(e.path, missing);
      const why = e.unsafe === true
        ? 'unsafe name (absolute or with ..), not used'
        : e.type === 'symlink' ? 'symbolic link, not followed'
          : e.badName === true ? `its name is not valid UTF-8 (${fmtBytes(e.size)}): rename it`
            : expected !== undefined ? `not at an exercise file's path (${fmtBytes(e.size)}): did you mean ${expected}?`
              : `not a stub file (${fmtBytes(e.size)})`;
      ignore(e.path, why, e.unsafe === true || e.type === 'symlink' || e.badName === true || expected !== undefined, expected);
    }
  } finally {
    close();
  }
  return sub;
}

/**
 * Why nothing in the submission can be graded, when that is so: none of `expected` (the stub files of
 * the exercises being graded) was found, not even a refused copy. The untouched stubs' NotImplemented
 * errors would only mislead, so this is what the student reads instead; it names the paths the grader
 * looks for, and the listed files that look like misplaced ones.
 */
export function nothingFound(sub: Submission, expected: readonly StubFile[]): string | undefined {
  const paths = expected.map((s) => s.path);
  if (paths.length === 0 || paths.some((p) => sub.files.has(p) || sub.refused.some((r) => r.stub === p))) return undefined;
  const hints = sub.ignored
    .filter((i) => i.expected !== undefined && paths.includes(i.expected))
    .slice(0, 3)
    .map((i) => `; ${i.path} is not graded: did you mean ${i.expected!}?`);
  const others = sub.ignoredCount + sub.kitFiles;
  const found = others === 0 ? 'the submission holds no files' : `the submission holds ${others} other file(s)`;
  return `no exercise file found — expected paths like ${paths.slice(0, 2).join(', ')} (${found})${hints.join('')}`;
}
