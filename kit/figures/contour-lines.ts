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

export function contourSegments(field: SampledField, level: number): Segment[] {
  const { cols, rows, values } = field;
  const segments: Segment[] = [];
  const v = (i: number, j: number): number => values[j * cols + i]!;
  const cross = (i0: number, j0: number, i1: number, j1: number): [number, number] => {
    const [a, b] = [v(i0, j0), v(i1, j1)];
    const t = a === b ? 0.5 : (level - a) / (b - a);
    const [x0, y0] = field.at(i0, j0);
    const [x1, y1] = field.at(i1, j1);
    return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
  };
  for (let j = 0; j + 1 < rows; j++) {
    for (let i = 0; i + 1 < cols; i++) {
      // Corners clockwise from top-left: a b / d c.
      const a = v(i, j) >= level;
      const b = v(i + 1, j) >= level;
      const c = v(i + 1, j + 1) >= level;
      const d = v(i, j + 1) >= level;
      if (a === b && b === c && c === d) continue;
      const top = a !== b ? cross(i, j, i + 1, j) : undefined;
      const right = b !== c ? cross(i + 1, j, i + 1, j + 1) : undefined;
      const bottom = d !== c ? cross(i, j + 1, i + 1, j + 1) : undefined;
      const left = a !== d ? cross(i, j, i, j + 1) : undefined;
      const points = [top, right, bottom, left].filter((p) => p !== undefined);
      if (points.length === 2) {
        segments.push([...points[0]!, ...points[1]!]);
      } else if (top !== undefined && right !== undefined && bottom !== undefined && left !== undefined) {
        // Saddle: the cell centre's side decides which corners are joined.
        const centre = (v(i, j) + v(i + 1, j) + v(i + 1, j + 1) + v(i, j + 1)) / 4 >= level;
        if (centre === a) segments.push([...top, ...right], [...bottom, ...left]);
        else segments.push([...left, ...top], [...right, ...bottom]);
      }
    }
  }
  return segments;
}
