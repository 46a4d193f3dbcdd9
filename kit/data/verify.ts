import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { KitError } from '#kit/errors';
import { isGzip } from './gzip.ts';
import type { ManifestFile } from './manifest.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function md5Hex(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** Which check vouched for a file: the strongest one its manifest record allows. */
export type CheckKind = 'sha256' | 'archive-sha256' | 'archive-md5' | 'size' | 'none';

/** The check that applies to a file whose bytes on disk are `raw` (gzip or not). */
export function checkKind(spec: ManifestFile, raw: Uint8Array): CheckKind {
  if (spec.sha256 !== undefined) return 'sha256';
  // Archive checksums describe the .gz as distributed; a gunzipped copy can only be checked by size.
  if (isGzip(raw) && spec.archiveSha256 !== undefined) return 'archive-sha256';
  if (isGzip(raw) && spec.archiveMd5 !== undefined) return 'archive-md5';
  return spec.bytes !== undefined ? 'size' : 'none';
}

/** A file whose bytes do not match the manifest; `detail` is the short reason (expected vs found). */
export class ChecksumError extends KitError {
  override name = 'ChecksumError';
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

/**
 * What is wrong with a file by its manifest record, or undefined if nothing. `raw` is the file as stored,
 * `content` its decompressed bytes (the same array when it is not compressed).
 */
export function checkProblem(spec: ManifestFile, raw: Uint8Array, content: Uint8Array): { kind: CheckKind; problem?: string } {
  const kind = checkKind(spec, raw);
  let problem: string | undefined;
  if (kind === 'sha256') {
    const actual = sha256Hex(content);
    if (actual !== spec.sha256 || (spec.bytes !== undefined && content.length !== spec.bytes)) {
      const size = spec.bytes === undefined ? '' : ` (${String(spec.bytes)} bytes)`;
      problem = `expected SHA-256 ${String(spec.sha256)}${size} of the decompressed bytes but found ${actual} (${String(content.length)} bytes)`;
    }
  } else if (kind === 'archive-sha256') {
    const actual = sha256Hex(raw);
    if (actual !== spec.archiveSha256) {
      problem = `expected SHA-256 ${String(spec.archiveSha256)} of the compressed file but found ${actual} (${String(raw.length)} bytes)`;
    }
  } else if (kind === 'archive-md5') {
    const actual = md5Hex(raw);
    if (actual !== spec.archiveMd5) {
      problem = `expected MD5 ${String(spec.archiveMd5)} of the compressed file but found ${actual} (${String(raw.length)} bytes)`;
    }
  } else if (kind === 'size' && content.length !== spec.bytes) {
    problem =
      `expected ${String(spec.bytes)} bytes${isGzip(raw) ? ' after decompression' : ''} but found ${String(content.length)} ` +
      '(no published checksum for this file, so only its size can be checked)';
  }
  return problem === undefined ? { kind } : { kind, problem };
}

/** Checks a file against its manifest record and returns the check that passed; a ChecksumError naming the file, expected and actual values and `fix` otherwise. */
export function verifyContent(spec: ManifestFile, file: string, raw: Uint8Array, content: Uint8Array, fix: string): CheckKind {
  const { kind, problem } = checkProblem(spec, raw, content);
  if (problem !== undefined) {
    throw new ChecksumError(
      `Checksum mismatch for ${file}: ${problem}. The file is damaged or is not the official ${spec.name}. ${fix}`,
      problem,
    );
  }
  return kind;
}

// Files already verified in this process, keyed by identity and modification, so loading the same split
// twice hashes once; a file rewritten since (new mtime, size or inode) is verified again.
const verified = new Map<string, CheckKind>();

function identity(file: string, stat: Stats): string {
  return `${file}\0${String(stat.size)}\0${String(stat.mtimeMs)}\0${String(stat.ino)}`;
}

/** The check that already passed for this exact file version in this process, if any. */
export function cachedCheck(file: string, stat: Stats): CheckKind | undefined {
  return verified.get(identity(file, stat));
}

export function rememberCheck(file: string, stat: Stats, kind: CheckKind): void {
  verified.set(identity(file, stat), kind);
}

/** Forgets every verification; for tests that rewrite files in place. */
export function clearVerificationCache(): void {
  verified.clear();
}
