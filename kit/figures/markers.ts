import type { MarkerShape } from './palette.ts';
import type { Ctx } from './text.ts';

/** Traces a marker of "radius" r centred on (x, y); the caller fills and/or strokes it. */
export function markerPath(ctx: Ctx, shape: MarkerShape, x: number, y: number, r: number): void {
  ctx.beginPath();
  switch (shape) {
    case 'circle':
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'square':
      ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
      break;
    case 'triangle':
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r * 1.05, y + r * 0.75);
      ctx.lineTo(x - r * 1.05, y + r * 0.75);
      ctx.closePath();
      break;
    case 'diamond':
      ctx.moveTo(x, y - r * 1.25);
      ctx.lineTo(x + r * 1.05, y);
      ctx.lineTo(x, y + r * 1.25);
      ctx.lineTo(x - r * 1.05, y);
      ctx.closePath();
      break;
  }
}

export function drawMarker(
  ctx: Ctx,
  shape: MarkerShape,
  x: number,
  y: number,
  r: number,
  fill: string,
  stroke?: { color: string; width: number },
): void {
  markerPath(ctx, shape, x, y, r);
  ctx.fillStyle = fill;
  ctx.fill();
  if (stroke !== undefined) {
    ctx.strokeStyle = stroke.color;
    ctx.lineWidth = stroke.width;
    ctx.setLineDash([]);
    ctx.stroke();
  }
}
