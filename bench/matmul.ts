import { installWasmMatMulFix, tf, uninstallWasmMatMulFix } from '#kit/tf';
import { Rng } from '#kit/rng';

/** C[m×n] = op(A)·op(B) with inner size k; `mode` says which operands are transposed (N or T, A then B). */
export interface MatMulCase {
  label: string;
  m: number;
  k: number;
  n: number;
  mode: Mode;
}

export type Mode = 'NN' | 'TN' | 'NT' | 'TT';
export const MODES: readonly Mode[] = ['NN', 'TN', 'NT', 'TT'];

export interface MatMulResult extends MatMulCase {
  stock: number;
  fixed: number;
}

/**
 * Median rate over `chunks` timed chunks after a warm-up. The median rather than the best or the mean,
 * because on a shared 2-core machine a chunk now and then loses its core to another process.
 */
function gflops(c: MatMulCase, seconds: number, rng: Rng, chunks = 5): number {
  const aShape = c.mode[0] === 'T' ? [c.k, c.m] : [c.m, c.k];
  const bShape = c.mode[1] === 'T' ? [c.n, c.k] : [c.k, c.n];
  const a = tf.tensor2d(Float32Array.from(rng.normals(c.m * c.k)), aShape as [number, number]);
  const b = tf.tensor2d(Float32Array.from(rng.normals(c.k * c.n)), bShape as [number, number]);
  const run = (): void => {
    tf.matMul(a, b, c.mode[0] === 'T', c.mode[1] === 'T').dispose();
  };
  const warmup = performance.now();
  let calls = 0;
  do {
    run();
    calls++;
  } while (calls < 2 || performance.now() - warmup < seconds / (2 * chunks));
  const perCall = (performance.now() - warmup) / calls;
  const callsPerChunk = Math.max(1, Math.round((seconds * 1000) / chunks / perCall));
  const rates: number[] = [];
  for (let i = 0; i < chunks; i++) {
    const start = performance.now();
    for (let j = 0; j < callsPerChunk; j++) run();
    const elapsed = (performance.now() - start) / 1000;
    rates.push((2 * c.m * c.k * c.n * callsPerChunk) / elapsed / 1e9);
  }
  tf.dispose([a, b]);
  rates.sort((x, y) => x - y);
  return rates[Math.floor(rates.length / 2)]!;
}

/** Each case with the stock wasm kernels, then with the fix. Leaves the fix installed. Expects wasm active. */
export function benchMatMul(cases: readonly MatMulCase[], secondsPerCell: number): MatMulResult[] {
  const rng = new Rng(1);
  const results: MatMulResult[] = [];
  for (const c of cases) {
    uninstallWasmMatMulFix();
    const stock = gflops(c, secondsPerCell, rng);
    installWasmMatMulFix();
    const fixed = gflops(c, secondsPerCell, rng);
    results.push({ ...c, stock, fixed });
  }
  return results;
}

/** 512×784 · 784×256 in all four transpose modes. */
export function squareishCases(): MatMulCase[] {
  return MODES.map((mode) => ({ label: '512×784 · 784×256', m: 512, k: 784, n: 256, mode }));
}

/**
 * The products one training step of a 784-256-128-10 MLP at batch 128 computes, in the mode it uses:
 * forward y = x·W (NN), backward dx = dy·Wᵀ (NT) and dW = xᵀ·dy (TN).
 */
export function mlpCases(): MatMulCase[] {
  const layers = [
    [784, 256],
    [256, 128],
    [128, 10],
  ] as const;
  const batch = 128;
  const cases: MatMulCase[] = [];
  for (const [fanIn, fanOut] of layers) {
    const tag = `${fanIn}→${fanOut}`;
    cases.push({ label: `fwd  x·W      ${tag}`, m: batch, k: fanIn, n: fanOut, mode: 'NN' });
    cases.push({ label: `bwd  dy·Wᵀ    ${tag}`, m: batch, k: fanOut, n: fanIn, mode: 'NT' });
    cases.push({ label: `bwd  xᵀ·dy    ${tag}`, m: fanIn, k: batch, n: fanOut, mode: 'TN' });
  }
  return cases;
}
