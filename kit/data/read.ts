import { closeSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { reportDatasetRead } from './audit.ts';
import { gunzipIfNeeded } from './gzip.ts';
import { fixFor, locateFile, type LocateOptions } from './locate.ts';
import { datasetSpec, fileSpec, readManifest } from './manifest.ts';
import { cachedCheck, rememberCheck, verifyContent, type CheckKind } from './verify.ts';

export interface DatasetFile {
  /** Where the file was found. */
  path: string;
  /** Its decompressed bytes. */
  content: Uint8Array;
  /** The manifest check it passed. */
  check: CheckKind;
  /** What to tell a person to do if the content later turns out to be malformed. */
  fix: string;
}

export interface ReadOptions extends LocateOptions {
  /** Manifest to use instead of data/manifest.json (tests). */
  manifestPath?: string;
}

/**
 * Finds `fileName` of dataset `name` on the search path, reads it once, decompresses it once and
 * verifies it against the manifest (skipped when this process already verified the same file version).
 */
export function readDatasetFile(name: string, fileName: string, options: ReadOptions = {}): DatasetFile {
  const manifest = readManifest(options.manifestPath);
  const debianPackage = datasetSpec(name, manifest).debianPackage;
  const spec = fileSpec(name, fileName, manifest);
  const file = locateFile(name, fileName, options, debianPackage);
  const fix = fixFor(name, file, debianPackage);
  // Stat and read through one descriptor so the cache key describes exactly the bytes that were read.
  reportDatasetRead(name, file);
  const fd = openSync(file, 'r');
  let raw: Buffer;
  let stat: Stats;
  try {
    stat = fstatSync(fd);
    raw = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const content = gunzipIfNeeded(raw, file, fix);
  const check = cachedCheck(file, stat) ?? verifyContent(spec, file, raw, content, fix);
  rememberCheck(file, stat, check);
  return { path: file, content, check, fix };
}
