import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { ensureFont } from './font.ts';
import type { Ctx } from './text.ts';

export function newCanvas(width: number, height: number): { canvas: Canvas; ctx: Ctx } {
  ensureFont();
  const canvas = createCanvas(width, height);
  return { canvas, ctx: canvas.getContext('2d') };
}
