import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#kit/errors';
import { exerciseIds, resolveExerciseList } from './index.ts';

describe('the exercise folders', () => {
  it('lists the kit\'s exercises in order', () => {
    const ids = exerciseIds(REPO_ROOT);
    expect(ids[0]).toBe('01-he-init');
    expect(ids).toEqual([...ids].sort());
    expect(exerciseIds('/nonexistent')).toEqual([]);
  });

  it('resolves a comma-separated --only list, and names the one it cannot find', () => {
    const ids = ['01-he-init', '02-mlp', '03-hyperparam-tuning'];
    expect(resolveExerciseList(ids, '2, 03,he-init')).toEqual(['02-mlp', '03-hyperparam-tuning', '01-he-init']);
    expect(() => resolveExerciseList(ids, '02,09')).toThrow(/--only 09: no such exercise\. The kit has 01-he-init, 02-mlp, 03-hyperparam-tuning/);
  });
});
