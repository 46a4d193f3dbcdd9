import { styleText } from 'node:util';
import { isNotImplemented, KitError } from '#kit/errors';

export function isKitError(err: unknown): err is KitError {
  return err instanceof KitError || (err instanceof Error && /^(KitError|ArgumentError|NotImplemented)$/.test(err.name));
}

type Style = Parameters<typeof styleText>[0];

/** Colour only for people at a terminal; CI logs and pipes get plain text. */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  const plain = !stream.isTTY || process.env['NO_COLOR'] !== undefined || process.env['CI'] !== undefined;
  return plain ? text : styleText(style, text);
}

/** Prints a kit error as the paragraph it is, without a stack trace. */
export function printKitError(err: KitError): void {
  const label = isNotImplemented(err) ? 'to do' : 'error';
  console.error(`${paint(['bold', 'red'], `${label}:`, process.stderr)} ${err.message}`);
}
