/**
 * The exercise folders (`exercises/NN-name/`): how they are named, listed and found from what a person
 * types (`01`, `1`, `mlp`, `exercises/02-mlp/`). Shared by the student commands (progress, hint), which
 * ship in the release, and the grader, which does not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { KitError } from '#kit/errors';

export const EXERCISE_ID = /^\d\d-[a-z0-9-]+$/;

/** The exercise ids under `root/exercises`, sorted; none when the folder does not exist. */
export function exerciseIds(root: string): string[] {
  const dir = path.join(root, 'exercises');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && EXERCISE_ID.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** The exercise a query names: its id, its number (`1`, `01`), its name without the number, or a part of it. */
export function resolveExerciseId(ids: readonly string[], query: string): string | undefined {
  const q = query.trim().replace(/\/$/, '').replace(/^exercises\//, '');
  if (ids.includes(q)) return q;
  if (/^\d{1,2}$/.test(q)) return ids.find((id) => id.startsWith(`${q.padStart(2, '0')}-`));
  return ids.find((id) => id.slice(3) === q) ?? ids.find((id) => id.includes(q));
}

/** The exercises a comma-separated option names (`--only 02,03,04`), each resolved as above. */
export function resolveExerciseList(ids: readonly string[], csv: string, option = '--only'): string[] {
  return csv.split(',').map((q) => {
    const id = resolveExerciseId(ids, q);
    if (id === undefined) {
      throw new KitError(`${option} ${q}: no such exercise. The kit has ${ids.join(', ')}; give one or more of them, separated by commas (e.g. ${option} 02,03,04).`);
    }
    return id;
  });
}
