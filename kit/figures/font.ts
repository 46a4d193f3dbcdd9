import { fileURLToPath } from 'node:url';
import { GlobalFonts } from '@napi-rs/canvas';
import { KitError } from '#kit/errors';

/**
 * Every figure draws its text with the DejaVu Sans copy in `fonts/`, under a family name no system font
 * has: a laptop without any font the canvas can find still gets labels, and the pixels are the same on
 * every machine.
 */
export const FONT_FAMILY = 'dlkit DejaVu Sans';
export const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url));

let registered = false;

export function ensureFont(): void {
  if (registered) return;
  const key = GlobalFonts.registerFromPath(FONT_FILE, FONT_FAMILY);
  if (key === null) {
    throw new KitError(
      `The figures font ${FONT_FILE} could not be loaded, so charts would have no text. The file ships with ` +
        'the kit (kit/figures/fonts/); restore it with `git checkout -- kit/figures/fonts` and try again.',
    );
  }
  registered = true;
}

/** A CSS font shorthand for the bundled font at `px` pixels. */
export const font = (px: number): string => `${px}px "${FONT_FAMILY}"`;
