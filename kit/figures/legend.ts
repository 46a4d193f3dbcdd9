import { drawMarker } from './markers.ts';
import type { MarkerShape } from './palette.ts';
import { rect, type Rect } from './rect.ts';
import { drawText, fitText, SIZE, textWidth, type Ctx } from './text.ts';

export interface LegendEntry {
  name: string;
  color: string;
  /** 'line': a stroke (with the series' dash); 'marker': a marker shape; 'swatch': a filled square. */
  kind: 'line' | 'marker' | 'swatch';
  dash?: readonly number[];
  marker?: MarkerShape;
  /** Outline for markers, e.g. a black edge around a white marker. */
  stroke?: string;
}

const SWATCH = 26;
const AFTER_SWATCH = 6;
const BETWEEN = 20;
const ROW = 20;

interface Placed {
  entry: LegendEntry;
  text: string;
  width: number;
}

export interface LegendLayout {
  rows: { items: Placed[]; width: number }[];
  height: number;
}

/** Entries laid out left to right, wrapping into as many centred rows as `maxWidth` needs. */
export function layoutLegend(ctx: Ctx, entries: readonly LegendEntry[], maxWidth: number): LegendLayout {
  const rows: LegendLayout['rows'] = [];
  let row: LegendLayout['rows'][number] = { items: [], width: 0 };
  for (const entry of entries) {
    const text = fitText(ctx, entry.name, SIZE.legend, Math.max(20, maxWidth - SWATCH - AFTER_SWATCH));
    const width = SWATCH + AFTER_SWATCH + textWidth(ctx, text, SIZE.legend);
    const extra = row.items.length === 0 ? width : BETWEEN + width;
    if (row.items.length > 0 && row.width + extra > maxWidth) {
      rows.push(row);
      row = { items: [], width: 0 };
    }
    row.width += row.items.length === 0 ? width : BETWEEN + width;
    row.items.push({ entry, text, width });
  }
  if (row.items.length > 0) rows.push(row);
  return { rows, height: rows.length * ROW };
}

/** Draws the legend centred on `centerX` from `top`; returns the box it covers. */
export function drawLegend(ctx: Ctx, legend: LegendLayout, centerX: number, top: number): Rect {
  let left = Infinity;
  let right = -Infinity;
  legend.rows.forEach((row, r) => {
    let x = Math.round(centerX - row.width / 2);
    left = Math.min(left, x);
    right = Math.max(right, x + row.width);
    const mid = top + r * ROW + ROW / 2;
    for (const { entry, text, width } of row.items) {
      drawSwatch(ctx, entry, x, mid);
      drawText(ctx, text, x + SWATCH + AFTER_SWATCH, mid, { px: SIZE.legend, baseline: 'middle' });
      x += width + BETWEEN;
    }
  });
  return rect(left, top, right - left, legend.height);
}

function drawSwatch(ctx: Ctx, entry: LegendEntry, x: number, mid: number): void {
  const stroke = entry.stroke === undefined ? undefined : { color: entry.stroke, width: 1 };
  if (entry.kind === 'line') {
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2.5;
    ctx.setLineDash([...(entry.dash ?? [])]);
    ctx.beginPath();
    ctx.moveTo(x, mid);
    ctx.lineTo(x + SWATCH, mid);
    ctx.stroke();
    ctx.setLineDash([]);
    if (entry.marker !== undefined) drawMarker(ctx, entry.marker, x + SWATCH / 2, mid, 3.5, entry.color, stroke);
  } else if (entry.kind === 'marker') {
    drawMarker(ctx, entry.marker ?? 'circle', x + SWATCH / 2, mid, 5, entry.color, stroke);
  } else {
    ctx.fillStyle = entry.color;
    ctx.fillRect(x + 4, mid - 7, SWATCH - 8, 14);
    if (stroke !== undefined) {
      ctx.strokeStyle = stroke.color;
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 4.5, mid - 6.5, SWATCH - 9, 13);
    }
  }
}
