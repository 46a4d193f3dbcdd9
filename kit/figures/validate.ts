import { ArgumentError } from '#kit/errors';

/**
 * Argument checks shared by the figure functions. Each failure is one `ArgumentError` paragraph:
 * `<function>: <argument> <what was given>; <what is allowed>.`
 */

/** A short, safe rendering of a bad value for an error message. */
export function given(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

export function fail(fn: string, message: string): never {
  throw new ArgumentError(`${fn}: ${message}`);
}

export function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (typeof value === 'string' || value === null || typeof value !== 'object') return false;
  const length = (value as { length?: unknown }).length;
  return typeof length === 'number' && Number.isInteger(length) && length >= 0;
}

export function checkObject(fn: string, name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(fn, `${name} must be an options object, but got ${given(value)}.`);
  }
  return value as Record<string, unknown>;
}

/**
 * An array or typed array of numbers. NaN and ±Infinity are numbers here: each figure decides what a
 * non-finite value means (a gap in a line, an error in a contour grid).
 */
export function checkNumbers(fn: string, name: string, value: unknown): ArrayLike<number> {
  if (!isArrayLike(value)) {
    fail(fn, `${name} must be an array or typed array of numbers, but got ${given(value)}.`);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (typeof (value as unknown as ArrayLike<unknown>)[0] === 'bigint') {
      fail(fn, `${name} is a ${value.constructor.name}; pass numbers (e.g. a Float32Array or Float64Array).`);
    }
    return value as ArrayLike<number>;
  }
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'number') {
      fail(fn, `${name}[${i}] is ${given(value[i])}, not a number; every entry must be a number (NaN marks a missing value).`);
    }
  }
  return value as ArrayLike<number>;
}

export function checkString(fn: string, name: string, value: unknown, optional = false): string | undefined {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string') fail(fn, `${name} must be a string, but got ${given(value)}.`);
  return value;
}

export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') fail(fn, `${name} must be true or false, but got ${given(value)}.`);
  return value;
}

/** An integer in [min, max], or `fallback` when left out. */
export function checkInt(fn: string, name: string, value: unknown, min: number, max: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(fn, `${name} is ${given(value)}; it must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Canvas width and height in pixels: big enough for axes and labels, small enough to encode quickly. */
export const MIN_SIDE = 200;
export const MAX_SIDE = 4000;

export function checkSize(fn: string, options: Record<string, unknown>, width: number, height: number): { width: number; height: number } {
  return {
    width: checkInt(fn, 'width', options.width, MIN_SIDE, MAX_SIDE, width),
    height: checkInt(fn, 'height', options.height, MIN_SIDE, MAX_SIDE, height),
  };
}
