import type { SKRSContext2D } from '@napi-rs/canvas';
import { font } from './font.ts';

export type Ctx = SKRSContext2D;

export const TEXT = '#222222';
export const MUTED = '#666666';

/** Font sizes in pixels. */
export const SIZE = { title: 18, label: 14, tick: 12, legend: 13, note: 11 } as const;

export function setFont(ctx: Ctx, px: number): void {
  ctx.font = font(px);
}

export function textWidth(ctx: Ctx, text: string, px: number): number {
  setFont(ctx, px);
  return ctx.measureText(text).width;
}

/** `text` cut to fit `maxWidth` pixels, ending in "…" when cut. */
export function fitText(ctx: Ctx, text: string, px: number, maxWidth: number): string {
  if (textWidth(ctx, text, px) <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(ctx, `${text.slice(0, mid)}…`, px) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${text.slice(0, lo)}…`;
}

/** A title that fits the width: the font shrinks down to 11 px, then the text is cut. */
export function drawTitle(ctx: Ctx, text: string, centerX: number, top: number, maxWidth: number): void {
  let px: number = SIZE.title;
  while (px > 11 && textWidth(ctx, text, px) > maxWidth) px--;
  const shown = fitText(ctx, text, px, maxWidth);
  setFont(ctx, px);
  ctx.fillStyle = TEXT;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillText(shown, centerX, top);
}

export function drawText(
  ctx: Ctx,
  text: string,
  x: number,
  y: number,
  options: { px: number; align?: Ctx['textAlign']; baseline?: Ctx['textBaseline']; color?: string },
): void {
  setFont(ctx, options.px);
  ctx.fillStyle = options.color ?? TEXT;
  ctx.textAlign = options.align ?? 'left';
  ctx.textBaseline = options.baseline ?? 'alphabetic';
  ctx.fillText(text, x, y);
}
