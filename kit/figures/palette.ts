/**
 * Colours. Series use the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), chosen so that
 * the common forms of colour blindness still tell them apart; yellow comes last because it is faint on
 * white. Filled maps use viridis (van der Walt & Smith, matplotlib), whose lightness rises monotonically,
 * so a grayscale print or a colour-blind reader still reads low and high correctly.
 */

export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** After the eight colours, series repeat them with these dash patterns. */
const DASHES: readonly (readonly number[])[] = [[], [8, 4], [2, 3], [8, 3, 2, 3]];

export interface SeriesStyle {
  color: string;
  dash: readonly number[];
  /** Marker shape for scatter plots: a second cue besides colour. */
  marker: MarkerShape;
}

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';
const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

export function seriesStyle(index: number): SeriesStyle {
  const n = SERIES_COLORS.length;
  return {
    color: SERIES_COLORS[index % n]!,
    dash: DASHES[Math.floor(index / n) % DASHES.length]!,
    // Shifted once per round of colours: with 8 colours and 4 markers, series i and i + 8 would otherwise
    // look the same in a scatter plot (dashes tell lines apart, but markers carry no dash).
    marker: MARKERS[(index + Math.floor(index / n)) % MARKERS.length]!,
  };
}

export type Rgb = readonly [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export const rgbCss = (c: Rgb): string => `rgb(${c[0]},${c[1]},${c[2]})`;

/** viridis sampled at ten evenly spaced points (matplotlib's table, as published by viridisLite). */
const VIRIDIS: readonly Rgb[] = [
  '#440154', '#482878', '#3E4A89', '#31688E', '#26828E', '#1F9E89', '#35B779', '#6DCD59', '#B4DE2C', '#FDE725',
].map(hexToRgb);

/** ColorBrewer's single-hue "Blues", light to dark: counts in a confusion matrix stay readable on it. */
const BLUES: readonly Rgb[] = [
  '#F7FBFF', '#DEEBF7', '#C6DBEF', '#9ECAE1', '#6BAED6', '#4292C6', '#2171B5', '#08519C', '#08306B',
].map(hexToRgb);

function sample(stops: readonly Rgb[], t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  const mix = (c: 0 | 1 | 2): number => Math.round(a[c] + f * (b[c] - a[c]));
  return [mix(0), mix(1), mix(2)];
}

/** viridis at t ∈ [0, 1] (dark purple → yellow). */
export const viridis = (t: number): Rgb => sample(VIRIDIS, t);
/** Blues at t ∈ [0, 1] (near white → dark blue). */
export const blues = (t: number): Rgb => sample(BLUES, t);

/** Relative luminance (sRGB, WCAG), for choosing dark or light text on a filled cell. */
export function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}
