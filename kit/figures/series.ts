import { checkNumbers, checkObject, checkString, fail, given } from './validate.ts';

/** One checked x–y series: x and y of equal length. */
export interface CheckedSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

const indexes = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

/** `series` of `{ name, y, x? }` (x defaults to 0, 1, 2, … unless `xRequired`). */
export function checkSeries(fn: string, value: unknown, xRequired: boolean): CheckedSeries[] {
  const shape = xRequired ? '{ name, x, y }' : '{ name, y, x? }';
  if (!Array.isArray(value)) fail(fn, `series must be an array of ${shape} objects, but got ${given(value)}.`);
  if (value.length === 0) fail(fn, `series is empty, so there is nothing to draw; pass at least one ${shape} series.`);
  return value.map((raw, s) => {
    const where = `series[${s}]`;
    const o = checkObject(fn, where, raw);
    const name = checkString(fn, `${where}.name`, o.name)!;
    const y = checkNumbers(fn, `${where}.y`, o.y);
    if (o.x === undefined && !xRequired) return { name, x: indexes(y.length), y };
    const x = checkNumbers(fn, `${where}.x`, o.x);
    if (x.length !== y.length) {
      fail(
        fn,
        `${where} (${JSON.stringify(name)}) has ${x.length} x values but ${y.length} y values; x and y must have the ` +
          `same length (one x per y)${xRequired ? '' : ', or leave x out to plot y against 0, 1, 2, …'}.`,
      );
    }
    return { name, x, y };
  });
}

export interface Extent {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** A note on the points left out, or undefined when every point is drawn. */
  footnote: string | undefined;
}

/**
 * The range of the drawable points. A point with a NaN or ±Infinity coordinate (or a value ≤ 0 on a log
 * axis) is left out and counted; if nothing is left, the chart would be empty: that is an error.
 */
export function extent(fn: string, series: readonly CheckedSeries[], logX: boolean, logY: boolean): Extent {
  const e = { xMin: Infinity, xMax: -Infinity, yMin: Infinity, yMax: -Infinity };
  let nonFinite = 0;
  let nonPositive = 0;
  for (const { x, y } of series) {
    for (let i = 0; i < y.length; i++) {
      const [xi, yi] = [x[i]!, y[i]!];
      if (!Number.isFinite(xi) || !Number.isFinite(yi)) nonFinite++;
      else if ((logX && xi <= 0) || (logY && yi <= 0)) nonPositive++;
      else {
        e.xMin = Math.min(e.xMin, xi);
        e.xMax = Math.max(e.xMax, xi);
        e.yMin = Math.min(e.yMin, yi);
        e.yMax = Math.max(e.yMax, yi);
      }
    }
  }
  if (e.xMin > e.xMax) {
    const total = series.reduce((n, s) => n + s.y.length, 0);
    const log = logX || logY ? ` or a value ≤ 0, which a log axis (${logX ? 'logX' : 'logY'}) cannot show` : '';
    fail(
      fn,
      total === 0
        ? 'every series is empty, so the chart would be empty; pass at least one point.'
        : `none of the ${total} points can be drawn: every one has a NaN or ±Infinity coordinate${log}. ` +
            'Check the values you pass (a loss that became NaN means training diverged).',
    );
  }
  const plural = (n: number): string => (n === 1 ? '' : 's');
  const parts = [
    nonFinite > 0 ? `${nonFinite} NaN/±∞ point${plural(nonFinite)}` : '',
    nonPositive > 0 ? `${nonPositive} point${plural(nonPositive)} ≤ 0 on a log axis` : '',
  ].filter((s) => s !== '');
  return { ...e, footnote: parts.length === 0 ? undefined : `not drawn: ${parts.join(', ')}` };
}

/** Whether point (x, y) can be placed on the axes. */
export const drawable = (x: number, y: number, logX: boolean, logY: boolean): boolean =>
  Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);
