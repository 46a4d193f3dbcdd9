import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '#kit/rng';
import { installWasmPoolFix, isWasmPoolFixInstalled, selectBackend, tf, uninstallWasmPoolFix } from './index.ts';

/**
 * MaxPoolGrad routes each dy value to its window's first maximum (row-major; NaN never wins; nothing
 * for a window with no value above −∞), as the cpu backend does. dx entries are sums of the dy values
 * routed to them, exact in float64; overlapping windows may sum them in another order, within
 * γ_T·Σ|terms| (T = windows per pixel). A value sent to the wrong pixel is off by a whole dy value.
 */
const U = 2 ** -24;
const gamma = (t: number): number => (t * U) / (1 - t * U);

interface Case {
  n: number;
  h: number;
  w: number;
  c: number;
  filter: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid' | number;
  /** How x is drawn: normals, all negative, small integers (many ties), with −∞ and NaN. */
  values: 'normal' | 'negative' | 'ties' | 'special';
}

const CASES: Case[] = [
  { n: 2, h: 8, w: 8, c: 3, filter: [2, 2], strides: [2, 2], pad: 'valid', values: 'normal' },
  { n: 2, h: 7, w: 9, c: 4, filter: [2, 2], strides: [2, 2], pad: 'valid', values: 'negative' },
  { n: 2, h: 7, w: 7, c: 2, filter: [2, 2], strides: [2, 2], pad: 'same', values: 'negative' },
  { n: 1, h: 9, w: 8, c: 5, filter: [3, 3], strides: [2, 2], pad: 'same', values: 'normal' },
  { n: 2, h: 6, w: 6, c: 3, filter: [3, 3], strides: [1, 1], pad: 'same', values: 'ties' },
  { n: 3, h: 6, w: 7, c: 2, filter: [2, 3], strides: [1, 2], pad: 'valid', values: 'ties' },
  { n: 2, h: 8, w: 8, c: 4, filter: [3, 3], strides: [3, 3], pad: 'valid', values: 'special' },
  { n: 2, h: 8, w: 8, c: 2, filter: [3, 3], strides: [2, 2], pad: 1, values: 'negative' },
  { n: 4, h: 12, w: 12, c: 16, filter: [2, 2], strides: [2, 2], pad: 'valid', values: 'normal' },
];

const rng = new Rng(20261204);

function draw(c: Case): Float32Array {
  const size = c.n * c.h * c.w * c.c;
  switch (c.values) {
    case 'normal':
      return Float32Array.from(rng.normals(size));
    case 'negative':
      return Float32Array.from(rng.normals(size), (v) => -1 - Math.abs(v));
    case 'ties':
      return Float32Array.from({ length: size }, () => rng.int(0, 3));
    case 'special':
      return Float32Array.from(rng.normals(size), (v, i) => (i % 7 === 0 ? NaN : i % 5 === 0 ? -Infinity : v));
  }
}

function poolInfo(c: Case): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo([c.n, c.h, c.w, c.c], c.filter, c.strides, 1, c.pad, c.pad === 1 ? 'floor' : undefined);
}

function reference(c: Case, x: Float32Array, dy: Float32Array): { value: Float64Array; absSum: Float64Array; windows: number } {
  const info = poolInfo(c);
  const value = new Float64Array(x.length);
  const absSum = new Float64Array(x.length);
  for (let n = 0; n < c.n; n++) {
    for (let oh = 0; oh < info.outHeight; oh++) {
      for (let ow = 0; ow < info.outWidth; ow++) {
        for (let k = 0; k < c.c; k++) {
          let best = -Infinity;
          let where = -1;
          for (let i = 0; i < c.filter[0]; i++) {
            const h = oh * c.strides[0] - info.padInfo.top + i;
            if (h < 0 || h >= c.h) continue;
            for (let j = 0; j < c.filter[1]; j++) {
              const w = ow * c.strides[1] - info.padInfo.left + j;
              if (w < 0 || w >= c.w) continue;
              const p = ((n * c.h + h) * c.w + w) * c.c + k;
              if (x[p]! > best) {
                best = x[p]!;
                where = p;
              }
            }
          }
          if (where < 0) continue;
          const g = dy[((n * info.outHeight + oh) * info.outWidth + ow) * c.c + k]!;
          value[where]! += g;
          absSum[where]! += Math.abs(g);
        }
      }
    }
  }
  const windows = Math.ceil(c.filter[0] / c.strides[0]) * Math.ceil(c.filter[1] / c.strides[1]);
  return { value, absSum, windows };
}

function maxPoolGrad(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  const info = poolInfo(c);
  return tf.tidy(() => {
    const input = tf.tensor4d(x, [c.n, c.h, c.w, c.c]);
    const attrs = { filterSize: c.filter, strides: c.strides, pad: c.pad, dimRoundingMode: c.pad === 1 ? 'floor' : undefined };
    const output = tf.engine().runKernel<tf.Tensor>(tf.MaxPool, { x: input }, attrs as unknown as tf.NamedAttrMap);
    const dyT = tf.tensor4d(dy, [c.n, info.outHeight, info.outWidth, c.c]);
    const dx = tf.engine().runKernel<tf.Tensor>(tf.MaxPoolGrad, { dy: dyT, input, output }, attrs as unknown as tf.NamedAttrMap);
    expect(dx.shape).toEqual(input.shape);
    return dx.dataSync() as Float32Array;
  });
}

function expectClose(got: Float32Array, want: ReturnType<typeof reference>, what: string): void {
  for (let i = 0; i < got.length; i++) {
    const tolerance = gamma(want.windows) * want.absSum[i]!;
    if (!(Math.abs(got[i]! - want.value[i]!) <= tolerance)) {
      expect.fail(`${what} element ${i}: got ${got[i]}, want ${want.value[i]} ± ${tolerance}`);
    }
  }
}

const backendTensors = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

const label = (c: Case): string =>
  `x ${c.n}×${c.h}×${c.w}×${c.c} (${c.values}), pool ${c.filter.join('×')}, strides ${c.strides.join('×')}, pad ${String(c.pad)}`;

beforeAll(async () => {
  await selectBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
  installWasmPoolFix();
});

describe('the max-pool fix is installed by selecting wasm and can be toggled', () => {
  it('install and uninstall are idempotent, and the stock kernel it replaces loses windows ≤ 0', () => {
    expect(isWasmPoolFixInstalled()).toBe(true);
    installWasmPoolFix();
    expect(isWasmPoolFixInstalled()).toBe(true);
    uninstallWasmPoolFix();
    uninstallWasmPoolFix();
    expect(isWasmPoolFixInstalled()).toBe(false);
    // Why it is replaced: stock wasm starts each maximum at the smallest positive float, so a window of
    // negative values never finds one and its gradient vanishes (tfjs-backend-wasm 4.22.0; should a
    // later release fix it, this fails and the kit's kernel can go).
    const c = CASES[1]!;
    const info = poolInfo(c);
    const x = draw(c);
    const dy = Float32Array.from({ length: c.n * info.outHeight * info.outWidth * c.c }, () => 1);
    const stockTotal = maxPoolGrad(c, x, dy).reduce((a, b) => a + b, 0);
    expect(stockTotal).toBeLessThan(0.1 * dy.length);
    installWasmPoolFix();
    expect(isWasmPoolFixInstalled()).toBe(true);
    expect(maxPoolGrad(c, x, dy).reduce((a, b) => a + b, 0)).toBe(dy.length);
  });
});

describe('MaxPoolGrad on wasm routes dy to the first maximum, as the cpu backend does', () => {
  it.each(CASES)('$#: %s', (c) => {
    const info = poolInfo(c);
    const x = draw(c);
    const dy = Float32Array.from(rng.normals(c.n * info.outHeight * info.outWidth * c.c));
    const want = reference(c, x, dy);
    const before = backendTensors();
    expectClose(maxPoolGrad(c, x, dy), want, `${label(c)}: wasm`);
    expect(backendTensors()).toBe(before);
  });

  it('the cpu backend gives the same on the same cases (the reference means what tfjs means)', async () => {
    const checkRng = new Rng(3);
    await tf.setBackend('cpu');
    try {
      for (const c of CASES) {
        const info = poolInfo(c);
        const x = draw(c);
        const dy = Float32Array.from(checkRng.normals(c.n * info.outHeight * info.outWidth * c.c));
        expectClose(maxPoolGrad(c, x, dy), reference(c, x, dy), `${label(c)}: cpu`);
      }
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('tf.grad through tf.layers.maxPooling2d of negative values matches the cpu backend', async () => {
    const xValues = Float32Array.from(rng.normals(2 * 6 * 6 * 3), (v) => v - 3);
    const run = (): Float32Array =>
      tf.tidy(() => {
        const layer = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 });
        return tf.grad((x: tf.Tensor) => tf.sum(tf.square(layer.apply(x) as tf.Tensor)))(tf.tensor4d(xValues, [2, 6, 6, 3])).dataSync() as Float32Array;
      });
    const onWasm = run();
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    expect(onWasm.filter((v) => v !== 0).length).toBe(2 * 3 * 3 * 3);
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });
});
