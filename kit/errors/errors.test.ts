import { describe, expect, it } from 'vitest';
import { isNotImplemented, KitError, NotImplemented } from '#kit/errors';

function stubbed(): number {
  throw new NotImplemented('stubbed');
}

describe('NotImplemented', () => {
  it('names the function and the repo-relative file that threw it, in one line', () => {
    let caught: unknown;
    try {
      stubbed();
    } catch (err) {
      caught = err;
    }
    expect(isNotImplemented(caught)).toBe(true);
    expect(caught).toBeInstanceOf(KitError);
    expect((caught as Error).message).toBe('kit/errors/errors.test.ts: implement stubbed()');
    // No frames: a stub still to write is a to-do item, not a crash to debug.
    expect((caught as Error).stack?.split('\n')).toHaveLength(1);
  });

  it('is recognised across realms by name', () => {
    const foreign = Object.assign(new Error('x'), { name: 'NotImplemented' });
    expect(isNotImplemented(foreign)).toBe(true);
    expect(isNotImplemented(new Error('x'))).toBe(false);
  });
});
