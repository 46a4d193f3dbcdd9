import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '#kit/errors';
import { ready, tf } from '#kit/tf';
import { formatCount, formatSummary, parameterCounts, summary, summaryRows, type Summarizable } from './index.ts';

beforeAll(async () => {
  await ready();
});

const dense = (units: number, inputShape?: number[], name?: string): tf.layers.Layer =>
  tf.layers.dense({
    units,
    ...(inputShape === undefined ? {} : { inputShape }),
    ...(name === undefined ? {} : { name }),
    kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
  });

/** The homework's dense autoencoder: 784-128-64-128-784, 218,192 parameters. */
function denseAutoencoder(): tf.Sequential {
  return tf.sequential({ layers: [dense(128, [784]), dense(64), dense(128), dense(784)], name: 'ae' });
}

/** Decoder layer that borrows another dense layer's kernel, transposed, and owns only its bias. */
class BorrowedKernel extends tf.layers.Layer {
  static readonly className = 'BorrowedKernel';
  readonly #source: tf.layers.Layer;
  #bias: tf.LayerVariable | undefined;

  constructor(source: tf.layers.Layer) {
    super({});
    this.#source = source;
  }

  override build(): void {
    const inputs = this.#source.weights[0]!.shape[0]!;
    this.#bias = this.addWeight('bias', [inputs], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.matMul(x, this.#source.weights[0]!.read(), false, true).add(this.#bias!.read()));
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
    return [s[0] ?? null, this.#source.weights[0]!.shape[0]!];
  }

  summaryNote(): string {
    return `kernel: transpose of ${this.#source.name}'s`;
  }
}

describe('formatCount', () => {
  it('groups digits by three with commas, whatever the locale', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1,000');
    expect(formatCount(218_192)).toBe('218,192');
    expect(formatCount(1_234_567)).toBe('1,234,567');
  });

  it('rejects negative, fractional and non-finite counts with an ArgumentError', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity]) expect(() => formatCount(bad)).toThrow(ArgumentError);
  });
});

describe('summary of a Sequential model', () => {
  it('lists every layer with its output shape and parameters and ends with "parameters: 218,192"', () => {
    const model = denseAutoencoder();
    const lines: string[] = [];
    const text = summary(model, { print: (l) => lines.push(l) });
    expect(lines.join('\n')).toBe(text);
    expect(text.split('\n').at(-1)).toBe('parameters: 218,192');
    expect(text).toMatch(/^Model: ae/);
    const rows = summaryRows(model);
    expect(rows.map((r) => r.outputShape)).toEqual(['[batch, 128]', '[batch, 64]', '[batch, 128]', '[batch, 784]']);
    expect(rows.map((r) => r.params)).toEqual([100_480, 8_256, 8_320, 101_136]);
    expect(rows.every((r) => r.type === 'Dense')).toBe(true);
    expect(text).toContain('100,480');
    expect(text).toContain('101,136');
    model.dispose();
  });

  it('prints to console.log by default and takes a title', () => {
    const model = tf.sequential({ layers: [dense(3, [2])] });
    const logged: string[] = [];
    const original = console.log;
    console.log = (...args: unknown[]): void => {
      logged.push(args.map(String).join(' '));
    };
    try {
      summary(model, { title: 'tiny' });
    } finally {
      console.log = original;
    }
    expect(logged[0]).toBe('tiny');
    expect(logged.at(-1)).toBe('parameters: 9');
    model.dispose();
  });

  it('shows non-trainable parameters separately', () => {
    const model = tf.sequential({ layers: [dense(3, [2]), dense(1)] });
    model.layers[0]!.trainable = false;
    expect(parameterCounts(model)).toEqual({ total: 13, trainable: 4, nonTrainable: 9 });
    expect(formatSummary(model)).toContain('trainable: 4, non-trainable: 9');
    model.dispose();
  });
});

describe('summary of functional, nested and tied models', () => {
  it('expands nested models under their row and counts a layer shared by a nested model and its parent once', () => {
    const shared = dense(4, undefined, 'shared');
    const inner = tf.sequential({ layers: [dense(4, [4], 'first'), shared], name: 'inner' });
    const input = tf.input({ shape: [4] });
    const output = shared.apply(inner.apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output, name: 'outer' });
    const rows = summaryRows(model);
    expect(rows.map((r) => `${'.'.repeat(r.depth ?? 0)}${r.name}`)).toEqual([
      model.layers[0]!.name,
      'inner',
      '.first',
      '.shared',
      'shared',
    ]);
    expect(rows[1]!.params).toBe(40);
    // 20 + 20 distinct parameters; tfjs's own count sees the shared layer twice.
    expect(parameterCounts(model).total).toBe(40);
    expect(model.countParams()).toBe(60);
    expect(formatSummary(model).split('\n').at(-1)).toBe('parameters: 40');
    expect(summaryRows(model, { expand: false })).toHaveLength(3);
    model.dispose();
  });

  it('counts a tied kernel once, where it is owned, and shows the layer\'s note', () => {
    const encoder = dense(3, undefined, 'enc');
    const input = tf.input({ shape: [5] });
    const z = encoder.apply(input) as tf.SymbolicTensor;
    const decoder = new BorrowedKernel(encoder);
    const model = tf.model({ inputs: input, outputs: decoder.apply(z) as tf.SymbolicTensor, name: 'tied' });
    const rows = summaryRows(model);
    expect(rows.map((r) => r.params)).toEqual([0, 18, 5]);
    expect(rows[2]!.note).toBe("kernel: transpose of enc's");
    expect(rows[2]!.outputShape).toBe('[batch, 5]');
    expect(parameterCounts(model).total).toBe(23);
    expect(formatSummary(model)).toContain("kernel: transpose of enc's");
    model.dispose();
  });

  it('takes any object with summaryRows() and parameterCounts()', () => {
    const custom: Summarizable = {
      name: 'by hand',
      summaryRows: () => [{ name: 'w', type: 'Variable', outputShape: '[batch, 2]', params: 1234 }],
      parameterCounts: () => ({ total: 1234, trainable: 1234, nonTrainable: 0 }),
    };
    const text = formatSummary(custom);
    expect(text).toMatch(/^Model: by hand/);
    expect(text).toContain('w (Variable)');
    expect(text.split('\n').at(-1)).toBe('parameters: 1,234');
  });

  it('rejects things that are not models with an ArgumentError naming what was passed', () => {
    const layer = dense(2, [2]);
    expect(() => summary(layer as unknown as tf.LayersModel, { print: () => undefined })).toThrow(/Dense/);
    expect(() => summary(tf.scalar(1) as unknown as tf.LayersModel)).toThrow(ArgumentError);
    expect(() => parameterCounts(null as unknown as tf.LayersModel)).toThrow(ArgumentError);
  });
});
