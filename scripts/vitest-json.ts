import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';

export interface TestOutcome {
  file: string;
  title: string;
  status: 'passed' | 'failed' | 'skipped';
  messages: string[];
}

interface JsonAssertion {
  ancestorTitles?: string[];
  title?: string;
  status?: string;
  failureMessages?: string[];
}

interface JsonFile {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: JsonAssertion[];
}

/**
 * Reads vitest's `--reporter=json` output (Jest-compatible format). A file that failed to load
 * has no assertions; it counts as one failed outcome so it can never vanish from the totals.
 */
export function readVitestJson(file: string): TestOutcome[] {
  if (!fs.existsSync(file)) return [];
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { testResults?: JsonFile[] };
  const outcomes: TestOutcome[] = [];
  for (const f of data.testResults ?? []) {
    const rel = path.relative(REPO_ROOT, f.name ?? '');
    const tests = f.assertionResults ?? [];
    if (tests.length === 0 && f.status === 'failed') {
      outcomes.push({ file: rel, title: '(file failed to load)', status: 'failed', messages: [f.message ?? ''] });
    }
    for (const t of tests) {
      const status = t.status === 'passed' ? 'passed' : t.status === 'failed' ? 'failed' : 'skipped';
      outcomes.push({
        file: rel,
        title: [...(t.ancestorTitles ?? []), t.title ?? ''].join(' › '),
        status,
        messages: t.failureMessages ?? [],
      });
    }
  }
  return outcomes;
}
