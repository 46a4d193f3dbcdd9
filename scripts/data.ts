/**
 * `npm run data -- <name>`: makes a dataset available (ARCHITECTURE.md contract 5). Files already present
 * and valid are kept; missing ones are downloaded from the official URLs in data/manifest.json, mirrors
 * in order, verified and renamed into place atomically. `npm run data -- --list` shows what is where.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { KitError, REPO_ROOT } from '#kit/errors';
import { datasetListNote, downloadDataset, findFile, fixFor, readManifest, verifyFileOnDisk, type DatasetDownloadOptions } from '#kit/data';

const USAGE = `usage: npm run data -- <name> [--dir <folder>]   download a dataset (checksums verified)
       npm run data -- --list                     show the known datasets and where they are

Files go to $KIT_DATA_DIR/<name>/ if KIT_DATA_DIR is set, else data/<name>/, unless --dir says otherwise.`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Passed through to the downloader (tests point it at a local server). */
  download?: Omit<DatasetDownloadOptions, 'dest' | 'log'>;
  env?: Record<string, string | undefined>;
}

const rel = (p: string): string => (p.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, p) : p);

function list(io: CliIo): number {
  const manifest = readManifest(io.download?.manifestPath);
  const env = io.env ?? process.env;
  for (const [name, spec] of Object.entries(manifest.datasets)) {
    const required = spec.files.filter((f) => f.optional !== true);
    const found = required.map((f) => findFile(name, f.name, { env }));
    const where = [...new Set(found.filter((p) => p !== undefined).map((p) => rel(path.dirname(p))))];
    // Present is not enough: a file that fails its checksum is named, with its fix.
    const corrupt = required.flatMap((f, i) => {
      const p = found[i];
      if (p === undefined) return [];
      try {
        verifyFileOnDisk(f, p);
        return [];
      } catch {
        return [p];
      }
    });
    const status =
      corrupt.length > 0
        ? `CORRUPT: ${corrupt.map(rel).join(', ')} ${corrupt.length === 1 ? 'fails its' : 'fail their'} checksum. ${fixFor(name, corrupt[0]!, spec.debianPackage)}`
        : found.every((p) => p !== undefined)
        ? `present in ${where.join(', ')}`
        : found.some((p) => p !== undefined)
          ? `incomplete (${String(found.filter((p) => p !== undefined).length)} of ${String(required.length)} files in ${where.join(', ')}): npm run data -- ${name}`
          : `not present: npm run data -- ${name}`;
    io.out(`${name.padEnd(14)} ${status}`);
    io.out(`${''.padEnd(14)} ${spec.title}`);
    const note = datasetListNote(name, { env, ...(io.download?.manifestPath === undefined ? {} : { manifestPath: io.download.manifestPath }) });
    if (note !== undefined) io.out(`${''.padEnd(14)} ${note}`);
  }
  return 0;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runDataCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  if (argv.includes('--list')) return list(io);
  let dest: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--dir') dest = argv[++i];
    else if (a.startsWith('--dir=')) dest = a.slice('--dir='.length);
    else if (a.startsWith('-')) {
      io.err(`unknown option ${a}\n${USAGE}`);
      return 2;
    } else names.push(a);
  }
  if (names.length !== 1 || (argv.includes('--dir') && dest === undefined)) {
    io.err(USAGE);
    return 2;
  }
  const name = names[0] ?? '';
  try {
    const result = await downloadDataset(name, {
      ...io.download,
      ...(io.env === undefined ? {} : { env: io.env }),
      ...(dest === undefined ? {} : { dest }),
      log: io.out,
    });
    const fetched = result.files.filter((f) => f.status === 'downloaded');
    if (fetched.length === 0) {
      const dirs = [...new Set(result.files.map((f) => rel(path.dirname(f.path))))].join(', ');
      io.out(`${name} is already present and valid in ${dirs}; nothing to download.`);
    } else {
      io.out(`${name}: downloaded ${fetched.map((f) => f.name).join(', ')} into ${rel(result.dest)} (checksums verified).`);
    }
    const sizeOnly = result.files.filter((f) => f.check === 'size' || f.check === 'none');
    if (sizeOnly.length > 0) {
      io.out(`note: ${sizeOnly.map((f) => f.name).join(', ')} checked by size only (no published checksum; see data/manifest.json).`);
    }
    return 0;
  } catch (err) {
    if (err instanceof KitError) {
      io.err(err.message);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const code = await runDataCli(process.argv.slice(2), { out: (l) => { console.log(l); }, err: (l) => { console.error(l); } });
  process.exitCode = code;
}
