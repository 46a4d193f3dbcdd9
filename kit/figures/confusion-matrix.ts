import { newCanvas } from './canvas.ts';
import { colorBarWidth, drawColorBar } from './color-bar.ts';
import { RenderedFigure, type FigureWith } from './figure.ts';
import { clamp, drawBackground } from './frame.ts';
import { blues, luminance, rgbCss, type Rgb } from './palette.ts';
import { rect, type Rect } from './rect.ts';
import { drawText, drawTitle, fitText, MUTED, SIZE, textWidth } from './text.ts';
import { checkInt, checkNumbers, checkObject, checkString, fail, given, isArrayLike } from './validate.ts';

export interface ConfusionMatrixOptions {
  title: string;
  /** Class names, in the order of counts' rows and columns. */
  labels: string[];
  /** counts[t][p]: how many examples of true class t were predicted as class p. */
  counts: ArrayLike<number>[];
  /** Axis titles; default 'predicted class' and 'true class'. */
  xLabel?: string;
  yLabel?: string;
  /** Pixels per cell; default fits about 520 px. */
  cellSize?: number;
}

export interface ConfusionMatrixLayout {
  title: Rect;
  /** cells[t][p], the box of true class t predicted as p. */
  cells: Rect[][];
  /** counts[t][p] / (row t's total): what the cell colour shows. */
  shares: number[][];
  cellColors: Rgb[][];
  colorBar: Rect;
  /** Diagonal total / total (NaN when there are no counts). */
  accuracy: number;
}

const FN = 'confusionMatrix';
const PAD = 14;

function checkCounts(value: unknown, n: number): ArrayLike<number>[] {
  const shape = `counts[t][p] is how many examples of true class t were predicted as p: a ${n} × ${n} square, one row and one column per label`;
  if (!Array.isArray(value)) fail(FN, `counts must be an array of rows, but got ${given(value)}; ${shape}.`);
  if (value.length !== n) fail(FN, `counts has ${value.length} rows but labels has ${n} classes; ${shape}.`);
  return value.map((row: unknown, t) => {
    if (!isArrayLike(row)) fail(FN, `counts[${t}] is ${given(row)}, not an array of numbers; ${shape}.`);
    const r = checkNumbers(FN, `counts[${t}]`, row);
    if (r.length !== n) fail(FN, `counts[${t}] has ${r.length} values but labels has ${n} classes; ${shape}.`);
    for (let p = 0; p < n; p++) {
      if (!Number.isFinite(r[p]!) || r[p]! < 0) fail(FN, `counts[${t}][${p}] is ${given(r[p])}; counts must be finite and ≥ 0.`);
    }
    return r;
  });
}

const formatCount = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1));

/**
 * A confusion matrix: counts in the cells, each cell coloured by its share of the row (so a rare class's
 * errors are as visible as a common one's), class names on both axes and the overall accuracy under the title.
 */
export function confusionMatrix(options: ConfusionMatrixOptions): FigureWith<ConfusionMatrixLayout> {
  const o = checkObject(FN, 'the argument', options);
  const title = checkString(FN, 'title', o.title)!;
  const xLabel = checkString(FN, 'xLabel', o.xLabel, true) ?? 'predicted class';
  const yLabel = checkString(FN, 'yLabel', o.yLabel, true) ?? 'true class';
  if (!Array.isArray(o.labels) || o.labels.length === 0 || o.labels.length > 100 || o.labels.some((l) => typeof l !== 'string')) {
    fail(FN, `labels is ${given(o.labels)}; it must be an array of 1 to 100 class names (strings), one per row and column of counts.`);
  }
  const labels = o.labels as string[];
  const n = labels.length;
  const counts = checkCounts(o.counts, n);
  const cell = checkInt(FN, 'cellSize', o.cellSize, 16, 200, clamp(Math.floor(520 / n), 28, 72));

  const rowTotals = counts.map((r) => Array.from(r).reduce((a, b) => a + b, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const correct = counts.reduce((a, r, t) => a + r[t]!, 0);
  const accuracy = total > 0 ? correct / total : NaN;
  const shares = counts.map((r, t) => Array.from(r, (v) => (rowTotals[t]! > 0 ? v / rowTotals[t]! : 0)));
  const cellColors = shares.map((r) => r.map((s) => blues(s)));

  const measure = newCanvas(1, 1).ctx;
  const rowLabelW = Math.ceil(Math.max(...labels.map((l) => textWidth(measure, l, SIZE.tick))));
  const colLabelW = rowLabelW;
  const rotate = colLabelW > cell - 4;
  const colLabelH = rotate ? Math.ceil(colLabelW * Math.SQRT1_2 + 14) : 18;
  const barLabels = ['0 %', '25 %', '50 %', '75 %', '100 %'];
  const left = PAD + 18 + 10 + rowLabelW + 8;
  const top = PAD + 22 + 18 + 12;
  const side = n * cell;
  const width = Math.max(left + side + colorBarWidth(measure, barLabels, 'share of row') + PAD, textWidth(measure, title, SIZE.title) + 2 * PAD, 300);
  const height = top + side + 6 + colLabelH + 22 + PAD;
  const { canvas, ctx } = newCanvas(Math.ceil(width), Math.ceil(height));
  drawBackground(ctx, canvas.width, canvas.height);
  drawTitle(ctx, title, canvas.width / 2, PAD, canvas.width - 2 * PAD);
  const summary = Number.isNaN(accuracy)
    ? 'no examples counted'
    : `accuracy ${(100 * accuracy).toFixed(1)} % (${formatCount(correct)} of ${formatCount(total)})`;
  drawText(ctx, fitText(ctx, summary, SIZE.note + 1, canvas.width - 2 * PAD), canvas.width / 2, PAD + 24, { px: SIZE.note + 1, align: 'center', baseline: 'top', color: MUTED });

  const countPx = Math.max(8, Math.min(14, Math.floor(cell * 0.3)));
  const cells: Rect[][] = [];
  counts.forEach((r, t) => {
    const row: Rect[] = [];
    for (let p = 0; p < n; p++) {
      const box = rect(left + p * cell, top + t * cell, cell, cell);
      const color = cellColors[t]![p]!;
      ctx.fillStyle = rgbCss(color);
      ctx.fillRect(box.x, box.y, box.width, box.height);
      const text = fitText(ctx, formatCount(r[p]!), countPx, cell - 4);
      drawText(ctx, text, box.x + cell / 2, box.y + cell / 2, {
        px: countPx, align: 'center', baseline: 'middle', color: luminance(color) < 0.35 ? '#FFFFFF' : '#222222',
      });
      row.push(box);
    }
    cells.push(row);
  });
  ctx.strokeStyle = '#333333';
  ctx.lineWidth = 1;
  ctx.strokeRect(left - 0.5, top - 0.5, side + 1, side + 1);

  labels.forEach((label, k) => {
    drawText(ctx, label, left - 8, top + k * cell + cell / 2, { px: SIZE.tick, align: 'right', baseline: 'middle' });
    const cx = left + k * cell + cell / 2;
    if (rotate) {
      ctx.save();
      ctx.translate(cx + 4, top + side + 6);
      ctx.rotate(-Math.PI / 4);
      drawText(ctx, label, 0, 0, { px: SIZE.tick, align: 'right', baseline: 'middle' });
      ctx.restore();
    } else {
      drawText(ctx, label, cx, top + side + 6, { px: SIZE.tick, align: 'center', baseline: 'top' });
    }
  });
  drawText(ctx, xLabel, left + side / 2, top + side + 6 + colLabelH + 4, { px: SIZE.label, align: 'center', baseline: 'top' });
  ctx.save();
  ctx.translate(PAD + 9, top + side / 2);
  ctx.rotate(-Math.PI / 2);
  drawText(ctx, yLabel, 0, 0, { px: SIZE.label, align: 'center', baseline: 'middle' });
  ctx.restore();

  const steps = 64;
  const boundaries = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const colorBar = drawColorBar(ctx, {
    plot: rect(left, top, side, side),
    boundaries,
    colors: Array.from({ length: steps }, (_, k) => rgbCss(blues((k + 0.5) / steps))),
    labels: [],
    ticks: barLabels.map((label, k) => ({ value: k / 4, label })),
    log: false,
    zLabel: 'share of row',
  });
  return new RenderedFigure(canvas, { title: rect(0, PAD, canvas.width, 22), cells, shares, cellColors, colorBar, accuracy });
}
