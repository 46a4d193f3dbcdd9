import type { Rect } from './rect.ts';
import { rect } from './rect.ts';
import { drawText, SIZE, textWidth, type Ctx } from './text.ts';

const GAP = 18;
const BAR = 18;
const TICK = 4;

/** Pixels a colour bar with these labels needs at the right of the plot. */
export function colorBarWidth(ctx: Ctx, labels: readonly string[], zLabel: string): number {
  const widest = Math.max(...labels.map((l) => textWidth(ctx, l, SIZE.tick)));
  return Math.ceil(GAP + BAR + TICK + 4 + widest + (zLabel === '' ? 0 : 10 + 18));
}

export interface ColorBarSpec {
  plot: Rect;
  /** Band edges, increasing; band k spans boundaries[k]..boundaries[k + 1] with colour colors[k]. */
  boundaries: readonly number[];
  colors: readonly string[];
  labels: readonly string[];
  log: boolean;
  zLabel: string;
  /** Labelled positions instead of every band edge (a smooth ramp has too many edges to label). */
  ticks?: readonly { value: number; label: string }[];
}

/** A vertical bar beside the plot, low values at the bottom, labelled at the band edges. */
export function drawColorBar(ctx: Ctx, spec: ColorBarSpec): Rect {
  const { plot, boundaries, colors, labels } = spec;
  const box = rect(plot.x + plot.width + GAP, plot.y, BAR, plot.height);
  const f = (v: number): number => (spec.log ? Math.log10(v) : v);
  const [lo, hi] = [f(boundaries[0]!), f(boundaries[boundaries.length - 1]!)];
  const yOf = (v: number): number => box.y + box.height * (1 - (f(v) - lo) / (hi - lo));
  colors.forEach((color, k) => {
    const [top, bottom] = [Math.round(yOf(boundaries[k + 1]!)), Math.round(yOf(boundaries[k]!))];
    ctx.fillStyle = color;
    ctx.fillRect(box.x, top, box.width, bottom - top);
  });
  ctx.strokeStyle = '#333333';
  ctx.lineWidth = 1;
  ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.width + 1, box.height + 1);
  // Label every k-th edge so labels keep 16 px apart.
  const every = Math.max(1, Math.ceil((16 * (boundaries.length - 1)) / box.height));
  const ticks = spec.ticks ?? boundaries.map((value, k) => ({ value, label: labels[k]! })).filter((_, k) => k % every === 0);
  ctx.beginPath();
  for (const { value, label } of ticks) {
    const y = Math.round(yOf(value)) + 0.5;
    ctx.moveTo(box.x + box.width, y);
    ctx.lineTo(box.x + box.width + TICK, y);
    drawText(ctx, label, box.x + box.width + TICK + 4, y, { px: SIZE.tick, baseline: 'middle' });
  }
  ctx.stroke();
  if (spec.zLabel !== '') {
    const widest = Math.max(...labels.map((l) => textWidth(ctx, l, SIZE.tick)));
    ctx.save();
    ctx.translate(box.x + box.width + TICK + 4 + widest + 10 + 9, box.y + box.height / 2);
    ctx.rotate(-Math.PI / 2);
    drawText(ctx, spec.zLabel, 0, 0, { px: SIZE.label, align: 'center', baseline: 'middle' });
    ctx.restore();
  }
  return box;
}
