import { describe, expect, it } from 'vitest';
import { formatDuration, progress, progressMode, type ProgressStream } from './index.ts';

/** A stream that records what was written, and a clock the test moves by hand. */
function fakeTerminal(isTTY: boolean): ProgressStream & { text: string } {
  const s = {
    text: '',
    isTTY,
    columns: 200,
    write(chunk: string): boolean {
      s.text += chunk;
      return true;
    },
  };
  return s;
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('progressMode', () => {
  it('is a live line at a terminal, plain lines in pipes, CI and vitest, and off with KIT_PROGRESS=0', () => {
    const tty = fakeTerminal(true);
    expect(progressMode(tty, {})).toBe('tty');
    expect(progressMode(fakeTerminal(false), {})).toBe('lines');
    expect(progressMode(tty, { CI: 'true' })).toBe('lines');
    expect(progressMode(tty, { VITEST: 'true' })).toBe('lines');
    expect(progressMode(tty, { KIT_PROGRESS: '0' })).toBe('off');
    expect(progressMode(fakeTerminal(false), { KIT_PROGRESS: 'tty' })).toBe('tty');
    expect(progressMode(tty, { KIT_PROGRESS: 'lines' })).toBe('lines');
  });
});

describe('progress', () => {
  it('writes one plain line per epoch when not at a terminal, with running means, validation numbers and seconds', () => {
    const out = fakeTerminal(false);
    const c = clock();
    const p = progress({ title: '02-mlp', epochs: 2, batchesPerEpoch: 3, stream: out, now: c.now });
    expect(p.mode).toBe('lines');
    for (const loss of [1, 2, 3]) {
      c.advance(500);
      p.batch({ loss, acc: 0.5 });
    }
    expect(out.text).toBe('');
    p.epoch({ valAcc: 0.875, valLoss: 0.4 });
    p.batch({ loss: 0.5 });
    p.epoch({ loss: 0.25, acc: 0.9 });
    p.done();
    expect(out.text.split('\n')).toEqual([
      '02-mlp  epoch 1/2: loss 2.000, acc 50.0 %, val_loss 0.4000, val_acc 87.5 %, 1.5 s',
      '02-mlp  epoch 2/2: loss 0.2500, acc 90.0 %, 0.0 s',
      '',
    ]);
  });

  it('at a terminal redraws one line at most every 100 ms with epoch, batch, loss, accuracy and ETA', () => {
    const out = fakeTerminal(true);
    const c = clock();
    const p = progress({ title: 'run', epochs: 2, batchesPerEpoch: 4, stream: out, now: c.now, env: {} });
    expect(p.mode).toBe('tty');
    p.batch({ loss: 2, acc: 0.25 }); // t = 0: first draw
    c.advance(10);
    p.batch({ loss: 1, acc: 0.75 }); // 10 ms later: no redraw
    expect(out.text.split('\r').length).toBe(2);
    c.advance(190);
    p.batch({ loss: 0 }); // 3 of 8 batches after 200 ms: 5 left at 66.7 ms each ≈ 0.33 s
    const last = out.text.split('\r').at(-1)!;
    expect(last).toContain('run  epoch 1/2');
    expect(last).toContain('3/4');
    expect(last).toContain('loss 1.000');
    expect(last).toContain('acc 50.0 %');
    expect(last).toContain('ETA 0:00');
    p.batch({ loss: 0 });
    p.epoch({ valAcc: 0.5 });
    expect(out.text).toContain('\rrun  epoch 1/2: loss 0.7500, acc 50.0 %, val_acc 50.0 %, 0.2 s');
    p.done();
    p.done();
    expect(out.text.endsWith('\n')).toBe(true);
  });

  it('writes nothing when off', () => {
    const out = fakeTerminal(true);
    const p = progress({ title: 'x', epochs: 1, batchesPerEpoch: 1, stream: out, env: { KIT_PROGRESS: '0' } });
    p.batch({ loss: 1 });
    p.epoch();
    p.done();
    expect(out.text).toBe('');
  });

  it('formats durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(5)).toBe('0:05');
    expect(formatDuration(125)).toBe('2:05');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
