/**
 * Exercise 10, part 3 — where does the classifier go wrong?
 *
 * The confusion matrix C has one row per true class and one column per predicted class: C[t][p] counts
 * the examples of class t that the model called p. Its diagonal holds the correct answers, so its trace
 * is the number right and row t sums to the number of examples of class t. Everything off the diagonal
 * is a mistake, and the largest off-diagonal cells say which digits look alike to the model.
 */
import { ArgumentError, NotImplemented } from '#kit/errors';
import { confusionMatrix as confusionMatrixFigure, figurePath, imageGrid, type Figure, type GridImage } from '#kit/figures';
import type { Examples } from '#kit/train';

function checkClasses(fn: string, classes: unknown): asserts classes is number {
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 1) {
    throw new ArgumentError(`${fn}: classes must be a whole number ≥ 1 (10 for digits), got ${String(classes)}.`);
  }
}

/**
 * The `classes` × `classes` confusion matrix of `predictions` against `labels`: an array of `classes`
 * rows, each a plain array of `classes` counts, `m[t][p]` = how many i have labels[i] = t and
 * predictions[i] = p.
 *
 * Throws an ArgumentError when the two have different lengths, or a label or prediction is not a
 * whole number in 0..classes − 1 (say which and where).
 */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, classes: number): number[][] {
  checkClasses('confusionMatrix', classes);
  if (labels.length !== predictions.length) {
    throw new ArgumentError(
      `confusionMatrix: ${String(labels.length)} labels but ${String(predictions.length)} predictions; pass one prediction per example.`,
    );
  }
  // YOUR CODE HERE
  throw new NotImplemented('confusionMatrix');
}

/** Two classes the model mixes up, in either direction. */
export interface ConfusedPair {
  /** The smaller class index. */
  a: number;
  /** The larger class index. */
  b: number;
  /** Mistakes between the two: aAsB + bAsA. */
  count: number;
  /** Examples of a predicted as b: m[a][b]. */
  aAsB: number;
  /** Examples of b predicted as a: m[b][a]. */
  bAsA: number;
}

function isSquareCounts(matrix: readonly ArrayLike<number>[]): boolean {
  if (!Array.isArray(matrix)) return false;
  const n = matrix.length;
  return matrix.every((row: ArrayLike<number> | undefined) => {
    if (row === undefined || row === null || row.length !== n) return false;
    for (let j = 0; j < n; j++) if (typeof row[j] !== 'number' || !Number.isFinite(row[j]) || row[j]! < 0) return false;
    return true;
  });
}

/**
 * The `k` pairs of classes a < b with the most mistakes between them, m[a][b] + m[b][a], largest first;
 * ties in order of a, then b. Pairs with no mistakes are left out, so fewer than k may come back.
 *
 * Throws an ArgumentError unless `matrix` is square (n rows of n finite counts ≥ 0) and k is a whole
 * number ≥ 0.
 */
export function mostConfusedPairs(matrix: readonly ArrayLike<number>[], k: number): ConfusedPair[] {
  if (!isSquareCounts(matrix)) {
    throw new ArgumentError('mostConfusedPairs: matrix must be square, n rows of n counts ≥ 0 (what confusionMatrix returns).');
  }
  if (!Number.isInteger(k) || k < 0) throw new ArgumentError(`mostConfusedPairs: k must be a whole number ≥ 0, got ${String(k)}.`);
  // YOUR CODE HERE
  throw new NotImplemented('mostConfusedPairs');
}

/** Everything `imageGrid` (#kit/figures) needs for the misclassified digits, and which examples they are. */
export interface MisclassifiedPanel {
  title: string;
  columns: number;
  images: GridImage[];
  range: [number, number];
  /** The example index of each image, in order. */
  indices: number[];
}

/**
 * The first `max` misclassified examples (in the examples' order, those with predictions[i] ≠ labels[i])
 * as a grid: `columns` = min(columns, shown) images per row (at least 1), `range` [0, 1], each image
 * side × side pixels (a copy of its row of `ex.x`; side = √features) labelled exactly
 * `true ${label}, pred ${prediction}`, and `indices` the example indices shown. `ex` must have labels.
 */
export function misclassifiedPanel(ex: Examples, predictions: ArrayLike<number>, max = 24, columns = 8): MisclassifiedPanel {
  if (ex.labels === undefined) throw new ArgumentError('misclassifiedPanel: the examples have no labels.');
  if (predictions.length !== ex.count) {
    throw new ArgumentError(`misclassifiedPanel: ${String(predictions.length)} predictions for ${String(ex.count)} examples; pass one per example.`);
  }
  if (!Number.isInteger(max) || max < 1 || !Number.isInteger(columns) || columns < 1) {
    throw new ArgumentError(`misclassifiedPanel: max and columns must be whole numbers ≥ 1, got ${String(max)} and ${String(columns)}.`);
  }
  const side = Math.round(Math.sqrt(ex.features));
  if (side * side !== ex.features) throw new ArgumentError(`misclassifiedPanel: ${String(ex.features)} pixels per image is not a square grayscale image.`);
  // YOUR CODE HERE
  throw new NotImplemented('misclassifiedPanel');
}

/** The confusion matrix as a figure (#kit/figures' renderer), classes named by their digit. */
export function confusionFigure(matrix: number[][], title = 'CNN on MNIST: confusion matrix of the test digits'): Figure {
  return confusionMatrixFigure({ title, labels: matrix.map((_, i) => String(i)), counts: matrix });
}

/** Saves both figures to out/figures/10-cnn/ (confusion-matrix.png, misclassified.png) and returns their paths. */
export async function saveFigures(matrix: number[][], panel: MisclassifiedPanel): Promise<string[]> {
  return [
    await confusionFigure(matrix).save(figurePath('10-cnn', 'confusion-matrix')),
    await imageGrid({ title: panel.title, columns: panel.columns, images: panel.images, range: panel.range }).save(figurePath('10-cnn', 'misclassified')),
  ];
}
