import { describe, expect, it } from 'vitest';
import { relativeFilesBelow } from '#kit/files';
import { atCallSite, concat, differing, expectAllClose, expectAtLeast, expectAtMost, expectClose, expectNear, stderrOf } from '#kit/testing';

/** The error `fn` throws (it must throw). */
function thrown(fn: () => void): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

/** The first stack frame below the message: where vitest's code frame points. */
const firstFrame = (err: Error): string => (err.stack ?? '').split('\n').find((l) => l.trim().startsWith('at ')) ?? '';

describe('numeric assertions', () => {
  it('expectClose passes within tol × max(1, |expected|) and otherwise says got, expected, tolerance and the rule', () => {
    expectClose(1.00005, 1, 1e-4, 'x');
    expectClose(1000.05, 1000, 1e-4, 'relative to |expected| above 1');
    const err = thrown(() => {
      expectClose(0.206, 0.795, 1e-4, 'softmax output', { rule: 'the outputs are logits' });
    });
    expect(err.message).toContain('softmax output: got 0.206, expected 0.795 (tolerance 0.0001)');
    expect(err.message).toContain('Rule: the outputs are logits.');
    expect(err.message).not.toContain('usual mistake');
  });

  it('names the mistake whose value the result is, and only that one', () => {
    const rule = { rule: 'mean over examples', mistakes: [{ name: 'the sum', value: 7.7 }, { name: 'the mean of batch means', value: 1.2 }] };
    const err = thrown(() => {
      expectClose(1.2000001, 1.1, 1e-5, 'loss', rule);
    });
    expect(err.message).toContain('That is the value of a usual mistake: the mean of batch means.');
    expect(err.message).not.toContain('the sum');
    const arrays = thrown(() => {
      expectAllClose([1, 2, 4], [1, 2, 3], 1e-6, 'outputs', { rule: 'r', mistakes: [{ name: 'softmax twice', value: [1, 2, 4] }] });
    });
    expect(arrays.message).toContain('outputs: entry 2 is 4, expected 3');
    expect(arrays.message).toContain('softmax twice');
  });

  it('refuses a value that is not a number, NaN, and arrays of another length', () => {
    expect(() => {
      expectClose('1', 1, 1e-3, 'x');
    }).toThrow(/expected a number/);
    expect(() => {
      expectClose(Number.NaN, 1, 1e-3, 'x');
    }).toThrow(/got NaN/);
    expect(() => {
      expectAllClose([1, Number.NaN], [1, 2], 1e-3, 'v');
    }).toThrow(/entry 1 is NaN/);
    expect(() => {
      expectAllClose([1], [1, 2], 1e-3, 'v');
    }).toThrow(/1 numbers, expected 2/);
  });

  it('expectAtMost / expectAtLeast compare with ≤ / ≥, or strictly', () => {
    expectAtMost(1, 1, 'x');
    expectAtLeast(1, 1, 'x');
    expect(() => {
      expectAtMost(1, 1, 'x', { rule: 'r', strict: true });
    }).toThrow(/x: got 1, expected < 1/);
    expect(() => {
      expectAtLeast(0, 1, 'x', { rule: 'r' });
    }).toThrow(/x: got 0, expected ≥ 1\nRule: r\./);
  });

  it('expectNear takes a number or an array', () => {
    expectNear(1, 1, 0, 'n');
    expectNear([1, 2], [1, 2], 0, 'a');
    expect(() => {
      expectNear([1, 3], [1, 2], 0, 'a');
    }).toThrow(/entry 1/);
  });

  it('a failure points at the line that called the shared helper, not at the helper', () => {
    const err = thrown(() => {
      expectClose(2, 1, 1e-9, 'x'); // this line
    });
    expect(firstFrame(err)).toMatch(/testing\.test\.ts:\d+/);
    const line = Number(/testing\.test\.ts:(\d+)/.exec(firstFrame(err))?.[1]);
    // A helper built on another wrapped helper reports its own caller's line too.
    const outer = atCallSite((v: number) => {
      expectClose(v, 0, 0, 'v');
    });
    const nested = thrown(() => {
      outer(1);
    });
    expect(firstFrame(nested)).toMatch(/testing\.test\.ts/);
    expect(Number(/testing\.test\.ts:(\d+)/.exec(firstFrame(nested))?.[1])).toBeGreaterThan(line);
  });
});

describe('array helpers', () => {
  it('concat joins arrays into one Float32Array; differing counts unequal positions (the longer length for other lengths)', () => {
    expect(concat([Float32Array.of(1, 2), [3]])).toEqual(Float32Array.of(1, 2, 3));
    expect(differing([1, 2, 3], [1, 0, 3])).toBe(1);
    expect(differing([1, 2], [1, 2, 3])).toBe(3);
  });

  it('relativeFilesBelow lists a tree as sorted forward-slash paths (none for a missing folder)', () => {
    expect(relativeFilesBelow('/nonexistent-dlkit-folder')).toEqual([]);
    expect(relativeFilesBelow(new URL('.', import.meta.url).pathname)).toContain('testing.test.ts');
  });
});

describe('stderrOf', () => {
  it('returns what the function wrote to stderr under the mode given, and restores stderr and KIT_PROGRESS, also when it throws', () => {
    const saved = process.env['KIT_PROGRESS'];
    const write = Object.getOwnPropertyDescriptor(process.stderr, 'write');
    let seen: string | undefined;
    expect(stderrOf('tty', () => {
      seen = process.env['KIT_PROGRESS'];
      process.stderr.write('epoch 1/2');
      process.stderr.write(Buffer.from(': loss 0.5\n'));
    })).toBe('epoch 1/2: loss 0.5\n');
    expect(seen).toBe('tty');
    expect(() => stderrOf('lines', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(process.env['KIT_PROGRESS']).toBe(saved);
    expect(Object.getOwnPropertyDescriptor(process.stderr, 'write')).toEqual(write);
  });
});
