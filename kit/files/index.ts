import fs from 'node:fs';
import path from 'node:path';

/** Every file below `dir` (absolute paths, sorted); none when `dir` does not exist. */
export function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** Every file below `dir` as `posixRelative(dir, file)`, sorted: what tests compare a tree with. */
export function relativeFilesBelow(dir: string): string[] {
  return filesBelow(dir).map((f) => posixRelative(dir, f)).sort();
}

/** `file` relative to `root` with forward slashes, the form paths take in manifests, rubrics and zips on every platform. */
export function posixRelative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
