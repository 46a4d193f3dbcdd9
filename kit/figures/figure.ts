import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Canvas } from '@napi-rs/canvas';
import { ArgumentError, KitError } from '#kit/errors';
import { given } from './validate.ts';

/** A rendered figure. Rendering happens when the figure function is called; these only encode and write. */
export interface Figure {
  readonly width: number;
  readonly height: number;
  /** The PNG file's bytes. */
  png(): Buffer;
  /**
   * Writes the PNG to `file` (which must end in `.png`), creating missing folders. The bytes go to a
   * temporary file in the same folder that is then renamed over `file`, so a reader never sees a
   * half-written image and an interrupted save leaves the old file intact. Resolves to the absolute path.
   */
  save(file: string): Promise<string>;
}

/** A figure plus where its parts were drawn (plot area, axes, cells, …), for tests and for overlays. */
export interface FigureWith<Layout> extends Figure {
  readonly layout: Layout;
}

export class RenderedFigure<Layout> implements FigureWith<Layout> {
  readonly width: number;
  readonly height: number;
  readonly layout: Layout;
  readonly #canvas: Canvas;
  #png: Buffer | undefined;

  constructor(canvas: Canvas, layout: Layout) {
    this.#canvas = canvas;
    this.width = canvas.width;
    this.height = canvas.height;
    this.layout = layout;
  }

  png(): Buffer {
    this.#png ??= this.#canvas.encodeSync('png');
    return this.#png;
  }

  save(file: string): Promise<string> {
    return saveAtomically(file, this.png());
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function saveAtomically(file: string, bytes: Buffer): Promise<string> {
  if (typeof file !== 'string' || file === '') {
    throw new ArgumentError(`save: file must be a path ending in .png, but got ${given(file)}.`);
  }
  const target = path.resolve(file);
  if (path.extname(target).toLowerCase() !== '.png') {
    throw new ArgumentError(
      `save: ${JSON.stringify(file)} does not end in .png, but a figure is always a PNG image; ` +
        `name the file e.g. ${JSON.stringify(`${file.replace(/\.[^./\\]*$/, '')}.png`)} (figurePath(exercise, name) builds one).`,
    );
  }
  const dir = path.dirname(target);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new KitError(`Could not create the folder ${dir} to save the figure ${target}: ${reason(err)}. Pick another location (KIT_OUT_DIR moves every figure).`);
  }
  // Same folder as the target, so the rename stays on one filesystem and is atomic.
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new KitError(`Could not save the figure to ${target}: ${reason(err)}. Nothing was written there; check that the path is a writable file location (not a folder).`);
  }
  return target;
}
