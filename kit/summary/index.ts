/**
 * `summary(model)`: a model's layers, output shapes and parameter counts as a table, with the total
 * written the way the course prints it ("parameters: 218,192"). Works for any tfjs `LayersModel`
 * (Sequential or functional, nested models, shared layers, custom layers) and for anything else that
 * can list its own rows (`Summarizable`).
 *
 * Why not tfjs's own `model.summary()`: it prints totals without thousands separators, counts a weight
 * once per layer that reports it (a shared or tied kernel would be counted twice), and has no way to
 * say that a layer reuses another layer's kernel.
 */
import { ArgumentError } from '#kit/errors';
import { tf } from '#kit/tf';

/** One line of the table. */
export interface SummaryRow {
  /** Layer name; nested models' layers are indented under their model. */
  name: string;
  /** Layer class, e.g. `Dense`. */
  type: string;
  /** e.g. `[batch, 128]`; `multiple` when the layer is used on inputs of different shapes. */
  outputShape: string;
  /** Parameters this layer owns (a shared kernel counts where it is owned, not where it is reused). */
  params: number;
  /** Extra information, e.g. `kernel: transpose of dense_1's`. */
  note?: string;
  /** Nesting depth (0 for the model's own layers). */
  depth?: number;
}

/** Parameter totals over distinct weights: a weight used by several layers counts once. */
export interface ParameterCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

/** Anything that is not a tfjs LayersModel but can describe itself (e.g. a hand-built model of variables). */
export interface Summarizable {
  readonly name?: string;
  summaryRows(): SummaryRow[];
  parameterCounts(): ParameterCounts;
}

/**
 * A layer may explain itself in the summary by defining `summaryNote()` (the kit's tied layer says which
 * kernel it borrows). Duck-typed so custom layers need no kit import.
 */
interface SelfDescribing {
  summaryNote?: () => string | undefined;
}

export interface SummaryOptions {
  /** Heading; defaults to the model's name. */
  title?: string;
  /** Where each line goes; defaults to console.log. Pass `() => {}` to only get the text back. */
  print?: (line: string) => void;
  /** Expand nested models into their layers (default true). */
  expand?: boolean;
}

/** `218192` → `"218,192"`: digits grouped by three with commas, independent of the machine's locale. */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ArgumentError(
      `formatCount: expected a whole number of parameters ≥ 0 (a safe integer), got ${String(n)}. ` +
        `Pass a count such as model.countParams().`,
    );
  }
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

function isLayersModel(x: unknown): x is tf.LayersModel {
  return x instanceof tf.LayersModel;
}

function isSummarizable(x: unknown): x is Summarizable {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Summarizable).summaryRows === 'function' &&
    typeof (x as Summarizable).parameterCounts === 'function'
  );
}

function shapeText(layer: tf.layers.Layer): string {
  let shape: unknown;
  try {
    shape = layer.outputShape;
  } catch {
    // tfjs throws when a layer was called on inputs of different shapes.
    return 'multiple';
  }
  const one = (s: unknown): string =>
    Array.isArray(s) ? `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]` : String(s);
  if (Array.isArray(shape) && shape.some((s) => Array.isArray(s))) return shape.map(one).join(', ');
  return one(shape);
}

function noteOf(layer: tf.layers.Layer): string | undefined {
  const describe = (layer as unknown as SelfDescribing).summaryNote;
  return typeof describe === 'function' ? describe.call(layer) : undefined;
}

function layerRows(model: tf.LayersModel, expand: boolean, depth: number): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const layer of model.layers) {
    const nested = isLayersModel(layer);
    const note = noteOf(layer);
    rows.push({
      name: layer.name,
      type: nested ? `${layer.getClassName()} (${String(layer.layers.length)} layers)` : layer.getClassName(),
      outputShape: shapeText(layer),
      // A nested model's own count; its distinct weights, so a layer shared inside it counts once.
      params: nested ? parameterCounts(layer).total : layer.countParams(),
      ...(note === undefined ? {} : { note }),
      depth,
    });
    if (nested && expand) rows.push(...layerRows(layer, expand, depth + 1));
  }
  return rows;
}

/** The table's rows for a tfjs model or a `Summarizable`. */
export function summaryRows(model: tf.LayersModel | Summarizable, options: { expand?: boolean } = {}): SummaryRow[] {
  if (isLayersModel(model)) return layerRows(model, options.expand ?? true, 0);
  if (isSummarizable(model)) return model.summaryRows();
  throw notAModel('summaryRows', model);
}

/** Totals over distinct weights (by identity), so shared and tied weights count once. */
export function parameterCounts(model: tf.LayersModel | Summarizable): ParameterCounts {
  if (isSummarizable(model) && !isLayersModel(model)) return model.parameterCounts();
  if (!isLayersModel(model)) throw notAModel('parameterCounts', model);
  const seen = new Set<number>();
  const counts: ParameterCounts = { total: 0, trainable: 0, nonTrainable: 0 };
  const visit = (layer: tf.layers.Layer): void => {
    for (const w of layer.weights) {
      if (seen.has(w.id)) continue;
      seen.add(w.id);
      const size = w.shape.reduce((a: number, b) => a * (b ?? 0), 1);
      counts.total += size;
      if (w.trainable && layer.trainable) counts.trainable += size;
      else counts.nonTrainable += size;
    }
  };
  for (const layer of model.layers) visit(layer);
  return counts;
}

function notAModel(fn: string, model: unknown): ArgumentError {
  const what = model === null ? 'null' : typeof model === 'object' ? (model.constructor?.name ?? 'an object') : typeof model;
  return new ArgumentError(
    `${fn}: expected a tfjs LayersModel (from tf.sequential(), tf.model() or tf.loadLayersModel()) or an object ` +
      `with summaryRows() and parameterCounts(), got ${what}. If you hold a layer, wrap it in a model; if you hold ` +
      `a tensor or an optimizer, pass the model instead.`,
  );
}

/** The summary as text (no printing). */
export function formatSummary(model: tf.LayersModel | Summarizable, options: Omit<SummaryOptions, 'print'> = {}): string {
  const rows = summaryRows(model, options);
  const counts = parameterCounts(model);
  const title = options.title ?? (model.name === undefined ? 'Model' : `Model: ${model.name}`);
  const table = [
    ['layer (type)', 'output shape', 'params', ''],
    ...rows.map((r) => [
      `${'  '.repeat(r.depth ?? 0)}${r.name} (${r.type})`,
      r.outputShape,
      formatCount(r.params),
      r.note ?? '',
    ]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    [
      (row[0] ?? '').padEnd(widths[0]!),
      (row[1] ?? '').padEnd(widths[1]!),
      (row[2] ?? '').padStart(widths[2]!),
      row[3] ?? '',
    ]
      .join('  ')
      .trimEnd();
  const rule = '─'.repeat(widths[0]! + widths[1]! + widths[2]! + 4);
  const out = [title, line(table[0]!), rule, ...table.slice(1).map(line), rule, `parameters: ${formatCount(counts.total)}`];
  if (counts.nonTrainable > 0) {
    out.push(`  trainable: ${formatCount(counts.trainable)}, non-trainable: ${formatCount(counts.nonTrainable)}`);
  }
  return out.join('\n');
}

/**
 * Prints the model's layers, output shapes and parameter counts, ending with e.g. `parameters: 218,192`,
 * and returns the same text.
 */
export function summary(model: tf.LayersModel | Summarizable, options: SummaryOptions = {}): string {
  const text = formatSummary(model, options);
  const print = options.print ?? ((l: string): void => {
    console.log(l);
  });
  for (const l of text.split('\n')) print(l);
  return text;
}
