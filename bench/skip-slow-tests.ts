/**
 * A vitest setup file that `npm run mutate` adds (through `DLKIT_SKIP_TESTS`, see vitest.config.ts) when an
 * exercise's list names `strykerSkipTests`: StrykerJS's vitest runner sets its own test-name filter for
 * every mutant, so tests too slow to run per mutant (a 10-epoch run) are skipped here instead, by name.
 */
import { beforeEach } from 'vitest';

const pattern = process.env['DLKIT_SKIP_TESTS'];
if (pattern !== undefined && pattern !== '') {
  const slow = new RegExp(pattern);
  beforeEach((context) => {
    if (slow.test(context.task.name)) context.skip();
  });
}
