/**
 * Axis domains and tick marks at round numbers (1, 2 or 5 × 10^k), with labels free of float noise
 * ("0.3", never "0.30000000000000004").
 */

export interface Axis {
  /** [low, high] in data units; what the plot area's edges stand for. */
  domain: [number, number];
  log: boolean;
  /** Tick positions in data units, inside the domain, increasing. */
  ticks: number[];
  labels: string[];
}

const MINUS = '\u2212';
const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
};

/** The round step (1, 2 or 5 × 10^k) closest to `rough`. */
export function niceStep(rough: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const f = rough / magnitude;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
}

/** Drops float noise from k × step. */
const clean = (v: number): number => (v === 0 ? 0 : Number.parseFloat(v.toPrecision(12)));
const minus = (s: string): string => s.replace('-', MINUS);
const EPS = 1e-9;

/** Labels for evenly spaced ticks: as many decimals as the step needs, exponents for huge or tiny values. */
export function formatLinear(values: readonly number[], step: number): string[] {
  const maxAbs = Math.max(...values.map(Math.abs));
  const stepExp = Math.floor(Math.log10(step) + EPS);
  if (maxAbs >= 1e6 || (stepExp < -4 && maxAbs < 1e-2)) {
    // Each label with the digits it needs: 1e−7, 1.5e−7, 2e−7.
    const digits = (v: number): number => Math.max(0, Math.floor(Math.log10(Math.abs(v)) + EPS) - stepExp);
    return values.map((v) => (v === 0 ? '0' : minus(v.toExponential(digits(v)).replace('e+', 'e').replace(/\.?0+e/, 'e'))));
  }
  const decimals = Math.max(0, -stepExp);
  return values.map((v) => minus(v.toFixed(decimals)));
}

const decade = (v: number): number => Math.floor(Math.log10(v) + EPS);

/**
 * Labels for log-axis ticks: plain numbers (0.001, 0.02, 300) while every tick is between 10⁻⁴ and 10⁵,
 * otherwise all in powers of ten (10⁻⁹, 2×10⁻⁷, 10⁰) so one axis never mixes the two styles.
 */
export function formatLogTicks(values: readonly number[]): string[] {
  const powers = values.some((v) => decade(v) < -4 || decade(v) > 5);
  return values.map((v) => {
    const k = decade(v);
    const m = Math.round(v / 10 ** k);
    if (Math.abs(clean(m * 10 ** k) - v) > 1e-9 * v) return formatLinear([v], 10 ** (k - 1))[0]!;
    if (!powers) return v.toFixed(Math.max(0, -k));
    const power = `10${String(k).replace(/[-0-9]/g, (c) => SUPERSCRIPT[c] ?? c)}`;
    return m === 1 ? power : `${m}×${power}`;
  });
}

/** Widens an empty range (all values equal) so it can still be drawn. */
function widen(min: number, max: number): [number, number] {
  if (max > min) return [min, max];
  const d = min === 0 ? 1 : Math.abs(min) * 0.1;
  return [min - d, max + d];
}

/**
 * About `count` ticks over [min, max]. By default the domain grows to the enclosing ticks, so the data
 * sits between two labelled round numbers; `tight` keeps the domain and labels the round numbers inside.
 * `integer` is for counts (epochs, steps): a tick every whole number at least, so a short run reads
 * 0, 1, 2 rather than 0.90 … 1.10 (a one-epoch chart) or 1.0, 1.2 … 2.0 (two epochs) at points no run has.
 */
export function linearAxis(min: number, max: number, count: number, tight = false, integer = false): Axis {
  [min, max] = integer && !(max > min) ? [min - 1, max + 1] : widen(min, max);
  const step = Math.max(integer ? 1 : 0, niceStep((max - min) / Math.max(1, count)));
  const first = tight ? Math.ceil(min / step - EPS) : Math.floor(min / step + EPS);
  const last = tight ? Math.floor(max / step + EPS) : Math.ceil(max / step - EPS);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(clean(k * step));
  const domain: [number, number] = tight ? [min, max] : [ticks[0]!, ticks[ticks.length - 1]!];
  return { domain, log: false, ticks, labels: formatLinear(ticks, step) };
}

/** Mantissas per decade, sparse to dense, for labelling log axes. */
const LOG_MANTISSAS: readonly (readonly number[])[] = [[1], [1, 2, 5], [1, 2, 3, 5], [1, 2, 3, 4, 5, 6, 8], [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]];

/**
 * A log axis over [min, max] (both > 0). The domain is the data range plus a small margin (growing it to
 * the enclosing decades could waste half the plot); ticks are the densest round numbers (1, 2, 5 × 10^k,
 * then 1, 2, 3, 4, 5, 6, 8 × 10^k, …) that stay about `count` in number without crowding. A range of a
 * few per cent gets evenly spaced round numbers; a very wide one, every k-th decade.
 */
export function logAxis(min: number, max: number, count: number): Axis {
  if (!(max > min)) [min, max] = [min / 2, max * 2];
  const margin = 0.03 * (Math.log10(max) - Math.log10(min));
  const domain: [number, number] = [min / 10 ** margin, max * 10 ** margin];
  const [lo, hi] = [Math.log10(domain[0]), Math.log10(domain[1])];
  const span = hi - lo;
  const inside = (v: number): boolean => v >= domain[0] && v <= domain[1];
  let best: number[] | undefined;
  for (const mantissas of LOG_MANTISSAS) {
    const ticks: number[] = [];
    for (let k = Math.floor(lo) - 1; k <= Math.ceil(hi); k++) for (const m of mantissas) ticks.push(clean(m * 10 ** k));
    const shown = ticks.filter(inside);
    const gaps = shown.slice(1).map((t, i) => Math.log10(t / shown[i]!));
    if (shown.length > count + 1 || Math.min(...gaps) < span / (count + 1) / 2) break;
    best = extendToTicks(domain, ticks);
    if (shown.length >= Math.min(count, 5)) break;
  }
  if (best === undefined) {
    // Too many decades for one label each: every k-th decade.
    const every = Math.max(1, Math.ceil(span / Math.max(1, count)));
    const ticks: number[] = [];
    for (let k = (Math.floor(lo / every) - 1) * every; k <= hi + every; k += every) ticks.push(clean(10 ** k));
    const shown = extendToTicks(domain, ticks);
    return { domain, log: true, ticks: shown, labels: formatLogTicks(shown) };
  }
  if (best.length < 2) {
    // Under a third of a decade the axis is nearly linear: evenly spaced round numbers read best.
    const linear = linearAxis(domain[0], domain[1], count, true);
    return { ...linear, domain, log: true };
  }
  return { domain, log: true, ticks: best, labels: formatLogTicks(best) };
}

/**
 * The candidate ticks inside `domain`, after moving each end of the domain out to the next candidate when
 * that costs under 15 % of the axis: the ends then carry labels (a loss curve's first values are readable).
 * Mutates `domain`.
 */
function extendToTicks(domain: [number, number], candidates: readonly number[]): number[] {
  const span = Math.log10(domain[1] / domain[0]);
  const below = Math.max(...candidates.filter((c) => c <= domain[0]));
  const above = Math.min(...candidates.filter((c) => c >= domain[1]));
  const [lo, hi] = [domain[0], domain[1]];
  if (Number.isFinite(below) && Math.log10(lo / below) < 0.15 * span) domain[0] = below;
  if (Number.isFinite(above) && Math.log10(above / hi) < 0.15 * span) domain[1] = above;
  const shown = candidates.filter((c) => c >= domain[0] && c <= domain[1]);
  // A sparser set tried next must start from the unextended domain.
  if (shown.length < 2) [domain[0], domain[1]] = [lo, hi];
  return shown;
}

/** Where v falls along the axis: 0 at domain[0], 1 at domain[1] (outside for values beyond). */
export function unit(axis: Axis, v: number): number {
  const [a, b] = axis.domain;
  return axis.log ? (Math.log10(v) - Math.log10(a)) / (Math.log10(b) - Math.log10(a)) : (v - a) / (b - a);
}
