/**
 * The grader's side of the run's channels: records are read with bounds and checked for their shape,
 * verdicts count only with the signature of the key the grader gave that file, and a run's leftovers
 * (a tree thousands of levels deep) never stop the cleanup.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, MAX_RECORD_BYTES, RecordReader, verifyRecords } from '../lib/records.ts';
import { removeTree } from '../lib/run.ts';
import { cleanText } from '../lib/sanitize.ts';
import { signedMessage, type RawRecord } from '../runner/protocol.ts';

const line = (v: unknown): Buffer => Buffer.from(`${JSON.stringify(v)}\n`);
const FILE = 'exercises/01-he-init/he-init.test.ts';
const ROOT = '/tmp/run';

function signed(key: Buffer, title: string[], verdict = 'pass', integrity = 'ok'): RawRecord {
  const mac = crypto.createHmac('sha256', key).update(signedMessage(path.join(ROOT, FILE), title, verdict, integrity)).digest('hex');
  return { type: 'test', file: FILE, title, state: 'passed', seconds: 1, sentinel: { verdict, integrity, mac } };
}

describe('RecordReader', () => {
  it('keeps well-formed records, whole or split across chunks, and drops malformed ones', () => {
    const r = new RecordReader(cleanText);
    const good = line({ type: 'begin', file: FILE, title: ['a', 'b'] });
    r.feed(good.subarray(0, 10));
    r.feed(Buffer.concat([good.subarray(10), Buffer.from('not json\n'), line({ type: 'test', file: FILE, title: 'x', state: 'passed' })]));
    r.feed(line({ type: 'begin', file: '../../etc/passwd', title: ['a'] }));
    r.feed(line({ type: 'begin', file: '/abs/file.ts', title: ['a'] }));
    r.feed(line({ type: 'test', file: FILE, title: ['a'], state: 'won', seconds: 1 }));
    r.feed(line({ type: 'done', unhandled: [{ message: 'x' }] }));
    r.feed(line({ type: 'unknown' }));
    expect(r.records).toEqual([{ type: 'begin', file: FILE, title: ['a', 'b'] }]);
  });

  it('drops a line longer than a record can be, and the lines after it still count', () => {
    const r = new RecordReader(cleanText);
    r.feed(Buffer.alloc(MAX_LINE_BYTES * 3, 0x61));
    r.feed(Buffer.from('still the same line\n'));
    r.feed(line({ type: 'done', unhandled: [] }));
    expect(r.records).toEqual([{ type: 'done', unhandled: [] }]);
    expect(r.overflow).toBe(false);
  });

  it('stops reading past the byte budget and says so (the run is then ended)', () => {
    const r = new RecordReader(cleanText);
    const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line({ type: 'done', unhandled: ['x'.repeat(1000)] })));
    let fed = 0;
    while (!r.overflow && fed < 2 * MAX_RECORD_BYTES) {
      r.feed(chunk);
      fed += chunk.length;
    }
    expect(r.overflow).toBe(true);
    expect(fed).toBeLessThanOrEqual(MAX_RECORD_BYTES + chunk.length);
  });

  it('removes terminal control sequences from every text a run wrote', () => {
    const r = new RecordReader(cleanText);
    r.feed(line({ type: 'test', file: FILE, title: ['t'], state: 'failed', seconds: 0, reason: '\u001b[2J\u001b[1;1Hscore: 15/15\r' }));
    expect(r.records[0]).toMatchObject({ reason: 'score: 15/15' });
  });
});

describe('verifyRecords', () => {
  const key = crypto.randomBytes(32);
  const keyOf = (f: string): Buffer | undefined => (f === path.join(ROOT, FILE) ? key : undefined);

  it('counts a verdict signed with the file\'s key, and nothing else', () => {
    const ok = signed(key, ['a']);
    const otherKey = signed(crypto.randomBytes(32), ['b']);
    const unsigned: RawRecord = { type: 'test', file: FILE, title: ['c'], state: 'passed', seconds: 0 };
    const retitled = { ...signed(key, ['d']), title: ['e'] };
    const otherFile = { ...signed(key, ['f']), file: 'grading/01-he-init/he-init.hidden.test.ts' };
    const out = verifyRecords([ok, otherKey, unsigned, retitled, otherFile], ROOT, keyOf, []);
    expect(out.map((r) => (r.type === 'test' ? r.signed : r.type))).toEqual(['pass', 'bad-signature', 'missing', 'bad-signature', 'missing']);
  });

  it('keeps the integrity finding the sentinel signed, and marks everything when the key service saw someone ask in a worker\'s name', () => {
    const [tampered] = verifyRecords([signed(key, ['a'], 'fail', 'Object.is was replaced')], ROOT, keyOf, []);
    expect(tampered).toMatchObject({ signed: 'fail', integrity: 'Object.is was replaced' });
    const [flagged] = verifyRecords([signed(key, ['a'])], ROOT, keyOf, ['a second key was asked for he-init.test.ts']);
    expect(flagged).toMatchObject({ signed: 'pass', integrity: expect.stringMatching(/second key/) as unknown });
  });
});

describe('removeTree', () => {
  it('removes a directory tree 3,000 levels deep, with folders that have no write permission', () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'dlkit-deep-'));
    let dir = top;
    // Built with relative paths from inside (an absolute path that deep is longer than PATH_MAX).
    const cwd = process.cwd();
    try {
      for (let i = 0; i < 3000; i++) {
        process.chdir(dir);
        dir = 'd';
        fs.mkdirSync(dir);
      }
      fs.writeFileSync(path.join(dir, 'f'), 'x');
      fs.chmodSync(dir, 0o500);
    } finally {
      process.chdir(cwd);
    }
    removeTree(top);
    expect(fs.existsSync(top)).toBe(false);
  });
});
