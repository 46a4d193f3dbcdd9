/**
 * Contour lines by marching squares over a sampled field: for each level, the segments where the field
 * crosses it, with crossing points placed by linear interpolation along the cell edges.
 */

export interface SampledField {
  /** Sample columns and rows; values are row-major, `cols × rows`. */
  cols: number;
  rows: number;
  values: Float64Array;
  /** Canvas position of sample (i, j). */
  at(i: number, j: number): [number, number];
}

export type Segment = [number, number, number, number];

/** Segments of every level; each cell is visited once and skipped unless a level lies within its corners. */
export function contourSegments(field: SampledField, levels: readonly number[]): Segment[] {
  const { cols, rows, values } = field;
  const segments: Segment[] = [];
  for (let j = 0; j + 1 < rows; j++) {
    for (let i = 0; i + 1 < cols; i++) {
      const p = j * cols + i;
      const a = values[p]!;
      const b = values[p + 1]!;
      const c = values[p + cols + 1]!;
      const d = values[p + cols]!;
      const lo = Math.min(a, b, c, d);
      const hi = Math.max(a, b, c, d);
      // A crossing needs corners on both sides of the level: lo < level ≤ hi.
      for (let k = 0; k < levels.length; k++) {
        const level = levels[k]!;
        if (level > lo && level <= hi) cellSegments(field, i, j, level, segments);
      }
    }
  }
  return segments;
}

/** The one or two segments of `level` in cell (i, j), corners clockwise from top-left: a b / d c. */
function cellSegments(field: SampledField, i: number, j: number, level: number, out: Segment[]): void {
  const v = (ii: number, jj: number): number => field.values[jj * field.cols + ii]!;
  const cross = (i0: number, j0: number, i1: number, j1: number): [number, number] => {
    const [va, vb] = [v(i0, j0), v(i1, j1)];
    const t = (level - va) / (vb - va);
    const [x0, y0] = field.at(i0, j0);
    const [x1, y1] = field.at(i1, j1);
    return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
  };
  const a = v(i, j) >= level;
  const b = v(i + 1, j) >= level;
  const c = v(i + 1, j + 1) >= level;
  const d = v(i, j + 1) >= level;
  const top = a !== b ? cross(i, j, i + 1, j) : undefined;
  const right = b !== c ? cross(i + 1, j, i + 1, j + 1) : undefined;
  const bottom = d !== c ? cross(i, j + 1, i + 1, j + 1) : undefined;
  const left = a !== d ? cross(i, j, i, j + 1) : undefined;
  if (top !== undefined && right !== undefined && bottom !== undefined && left !== undefined) {
    // Saddle: the cell centre's side decides which corners are joined.
    const centre = (v(i, j) + v(i + 1, j) + v(i + 1, j + 1) + v(i, j + 1)) / 4 >= level;
    if (centre === a) out.push([...top, ...right], [...bottom, ...left]);
    else out.push([...left, ...top], [...right, ...bottom]);
    return;
  }
  const [p, q] = [top, right, bottom, left].filter((pt) => pt !== undefined);
  if (p !== undefined && q !== undefined) out.push([...p, ...q]);
}
