/**
 * Training progress for people (tfjs in Node has no progress bar without tfjs-node's ProgbarLogger).
 *
 * At a terminal: one live line, redrawn at most ~10 times a second, with epoch, batch, running loss,
 * accuracy and ETA. Elsewhere (a pipe, a CI log, inside vitest): one plain line per epoch. Set
 * `KIT_PROGRESS=0` to silence it, `KIT_PROGRESS=lines` or `KIT_PROGRESS=tty` to force a style.
 *
 * ```ts
 * const p = progress({ title: '02-mlp', epochs: 5, batchesPerEpoch: 469 });
 * p.batch({ loss });                            // cheap; call it every step
 * p.epoch({ loss, acc, valLoss, valAcc });      // all optional numbers
 * p.done();
 * ```
 */

export type ProgressMode = 'tty' | 'lines' | 'off';

export interface ProgressOptions {
  title: string;
  epochs: number;
  batchesPerEpoch: number;
  /** Where to write (default process.stderr, so stdout stays clean for results). */
  stream?: ProgressStream;
  /** Overrides the choice made from the stream and the environment. */
  mode?: ProgressMode;
  env?: NodeJS.ProcessEnv;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** The part of a Node stream progress needs. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface BatchMetrics {
  loss?: number;
  acc?: number;
}

export interface EpochMetrics {
  loss?: number;
  acc?: number;
  valLoss?: number;
  valAcc?: number;
}

export interface Progress {
  readonly mode: ProgressMode;
  /** After each mini-batch: its loss (and accuracy); the display shows running means over the epoch. */
  batch(metrics?: BatchMetrics): void;
  /** After each epoch; numbers not given fall back to the running means of the epoch's batches. */
  epoch(metrics?: EpochMetrics): void;
  /** Ends the display (the live line stays, followed by a newline). Idempotent. */
  done(): void;
}

/** How progress is shown for `stream` under `env`: the rules in the module comment. */
export function progressMode(stream: ProgressStream, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  const setting = env.KIT_PROGRESS?.trim().toLowerCase();
  if (setting === '0' || setting === 'off' || setting === 'false') return 'off';
  if (setting === 'lines') return 'lines';
  if (setting === 'tty') return 'tty';
  if (env.VITEST !== undefined || env.CI !== undefined) return 'lines';
  return stream.isTTY === true ? 'tty' : 'lines';
}

/** m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${String(h)}:${String(m).padStart(2, '0')}:${ss}` : `${String(m)}:${ss}`;
}

const num = (x: number): string => (Math.abs(x) >= 1000 ? x.toFixed(0) : x.toPrecision(4));
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? (filled === width ? '=' : '>') : ''}${' '.repeat(width - filled)}]`;
}

/** Starts a progress display for a run of `epochs` × `batchesPerEpoch` mini-batches. */
export function progress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const mode = options.mode ?? progressMode(stream, options.env);
  const now = options.now ?? ((): number => performance.now());
  const { title } = options;
  const epochs = Math.max(1, Math.floor(options.epochs));
  const perEpoch = Math.max(1, Math.floor(options.batchesPerEpoch));
  const start = now();
  let epochStart = start;
  let epoch = 0; // completed epochs
  let batchInEpoch = 0;
  let lossSum = 0;
  let lossN = 0;
  let accSum = 0;
  let accN = 0;
  let lastDraw = -Infinity;
  let drawnWidth = 0;
  let finished = false;

  const eta = (): number => {
    const done = epoch * perEpoch + batchInEpoch;
    if (done === 0) return NaN;
    return ((now() - start) / done) * (epochs * perEpoch - done) / 1000;
  };

  const liveLine = (): string => {
    const parts = [
      `${title}  epoch ${String(Math.min(epoch + 1, epochs))}/${String(epochs)}`,
      `${bar(batchInEpoch / perEpoch, 20)} ${String(batchInEpoch)}/${String(perEpoch)}`,
    ];
    if (lossN > 0) parts.push(`loss ${num(lossSum / lossN)}`);
    if (accN > 0) parts.push(`acc ${pct(accSum / accN)}`);
    parts.push(`ETA ${formatDuration(eta())}`);
    const line = parts.join('  ');
    const columns = stream.columns ?? 120;
    return line.length >= columns ? line.slice(0, Math.max(0, columns - 1)) : line;
  };

  const draw = (): void => {
    const line = liveLine();
    stream.write(`\r${line}${' '.repeat(Math.max(0, drawnWidth - line.length))}`);
    drawnWidth = line.length;
    lastDraw = now();
  };

  return {
    mode,
    batch(metrics: BatchMetrics = {}): void {
      if (finished) return;
      batchInEpoch++;
      if (metrics.loss !== undefined && Number.isFinite(metrics.loss)) {
        lossSum += metrics.loss;
        lossN++;
      }
      if (metrics.acc !== undefined && Number.isFinite(metrics.acc)) {
        accSum += metrics.acc;
        accN++;
      }
      if (mode === 'tty' && now() - lastDraw >= 100) draw();
    },
    epoch(metrics: EpochMetrics = {}): void {
      if (finished) return;
      const loss = metrics.loss ?? (lossN > 0 ? lossSum / lossN : undefined);
      const acc = metrics.acc ?? (accN > 0 ? accSum / accN : undefined);
      const seconds = (now() - epochStart) / 1000;
      epoch++;
      const parts: string[] = [];
      if (loss !== undefined) parts.push(`loss ${num(loss)}`);
      if (acc !== undefined) parts.push(`acc ${pct(acc)}`);
      if (metrics.valLoss !== undefined) parts.push(`val_loss ${num(metrics.valLoss)}`);
      if (metrics.valAcc !== undefined) parts.push(`val_acc ${pct(metrics.valAcc)}`);
      parts.push(`${seconds.toFixed(1)} s`);
      const summary = `${title}  epoch ${String(epoch)}/${String(epochs)}: ${parts.join(', ')}`;
      if (mode === 'lines') stream.write(`${summary}\n`);
      if (mode === 'tty') {
        // Keep a record of each epoch above the live line.
        stream.write(`\r${summary}${' '.repeat(Math.max(0, drawnWidth - summary.length))}\n`);
        drawnWidth = 0;
      }
      batchInEpoch = 0;
      lossSum = lossN = accSum = accN = 0;
      epochStart = now();
      if (mode === 'tty' && epoch < epochs) draw();
    },
    done(): void {
      if (finished) return;
      finished = true;
      if (mode === 'tty' && drawnWidth > 0) stream.write('\n');
    },
  };
}
