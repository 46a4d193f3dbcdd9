import { ArgumentError } from '#kit/errors';

/**
 * Argument checks shared by the training helpers and the exercises that build on them. Each throws an
 * ArgumentError that names the argument, the value it got, the allowed range and what to pass instead.
 */

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** An integer in [min, max] (max defaults to unbounded). `what` says what the number counts. */
export function checkInteger(name: string, value: number, min: number, what: string, max = Infinity): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return;
  const range = max === Infinity ? `an integer ≥ ${String(min)}` : `an integer in ${String(min)}..${String(max)}`;
  throw new ArgumentError(
    `${name} = ${show(value)} is not allowed: ${name} (${what}) must be ${range}. ` +
      `Pass a whole number in that range, e.g. ${String(Math.min(max, Math.max(min, 1)))}.`,
  );
}

/** A finite number > 0, e.g. a learning rate. */
export function checkPositive(name: string, value: number, what: string, example: string): void {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return;
  throw new ArgumentError(
    `${name} = ${show(value)} is not allowed: ${name} (${what}) must be a finite number > 0, e.g. ${example}.`,
  );
}

/** A finite number ≥ 0, e.g. an L2 strength. */
export function checkNonNegative(name: string, value: number, what: string, example: string): void {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return;
  throw new ArgumentError(
    `${name} = ${show(value)} is not allowed: ${name} (${what}) must be a finite number ≥ 0 (0 turns it off), ` +
      `e.g. ${example}.`,
  );
}

/** A number in [0, 1), e.g. a dropout rate. */
export function checkFraction(name: string, value: number, what: string): void {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1) return;
  throw new ArgumentError(
    `${name} = ${show(value)} is not allowed: ${name} (${what}) must be a number in [0, 1), e.g. 0.2 (0 turns it off).`,
  );
}

/** One of `allowed`. */
export function checkOneOf<T extends string>(name: string, value: string, allowed: readonly T[]): asserts value is T {
  if ((allowed as readonly string[]).includes(value)) return;
  throw new ArgumentError(
    `${name} = ${show(value)} is not allowed: choose one of ${allowed.map((a) => `'${a}'`).join(', ')}.`,
  );
}
