/**
 * `npx tsx bench/figures.ts [--quick]`: milliseconds to render and to PNG-encode each kind of figure the
 * exercises save, median over repeated runs (after a warm-up), plus one atomic save. Timings depend on the
 * machine and on whatever else runs on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { confusionMatrix, contourPlot, imageGrid, lineChart, scatterPlot, type Figure } from '#kit/figures';
import { Rng } from '#kit/rng';
import { fixed, formatTable } from './table.ts';

const quick = process.argv.includes('--quick');
const runs = quick ? 5 : 25;
const rng = new Rng(2024);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function time(make: () => Figure): { render: number; encode: number; bytes: number } {
  make().png();
  const render: number[] = [];
  const encode: number[] = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const fig = make();
    const t1 = performance.now();
    bytes = fig.png().length;
    const t2 = performance.now();
    render.push(t1 - t0);
    encode.push(t2 - t1);
  }
  return { render: median(render), encode: median(encode), bytes };
}

const losses = (n: number, seed: number): Float64Array => {
  const r = new Rng(seed);
  return Float64Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / (n / 4)) + 0.2 + 0.05 * r.uniforms(1)[0]!);
};
const digit = (): Float32Array => Float32Array.from(rng.uniforms(784));
const n = 61;
const grid = Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
const surface = grid.map((y) => grid.map((x) => x * x + 3 * y * y + 0.2 * Math.sin(5 * x)));
const sgd = { x: Array.from({ length: 200 }, (_, i) => 0.9 * Math.exp(-i / 50)), y: Array.from({ length: 200 }, (_, i) => 0.8 * Math.exp(-i / 30) * Math.cos(i / 5)), label: 'SGD' };
const classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const cases: [string, () => Figure][] = [
  ['lineChart: 1 series × 20 (04 loss)', () => lineChart({ title: 'last 20 losses', xLabel: 'batch', yLabel: 'loss', series: [{ name: 'loss', y: losses(20, 1) }] })],
  ['lineChart: 4 series × 30, logY (06 curves)', () => lineChart({ title: 'curves', xLabel: 'epoch', yLabel: 'loss', logY: true, series: [1, 2, 3, 4].map((s) => ({ name: `s${s}`, y: losses(30, s) })) })],
  ['lineChart: 2 series × 10 000', () => lineChart({ title: 'per-batch loss', xLabel: 'step', yLabel: 'loss', series: [1, 2].map((s) => ({ name: `s${s}`, y: losses(10_000, s) })) })],
  ['imageGrid: 2 × 10 of 28 × 28 (05/07)', () => imageGrid({ title: 'originals / reconstructions', columns: 10, images: Array.from({ length: 20 }, (_, i) => ({ pixels: digit(), rows: 28, cols: 28, label: `#${i}` })), rowLabels: ['original', 'reconstruction'] })],
  ['contourPlot: 61 × 61, 200-step path (08)', () => contourPlot({ title: 'loss surface', xLabel: 'α', yLabel: 'β', x: grid, y: grid, z: surface, path: sgd })],
  ['scatterPlot: 2 × 1000', () => scatterPlot({ title: 'classes', xLabel: 'x₁', yLabel: 'x₂', series: [0, 1].map((s) => ({ name: `class ${s}`, x: rng.normals(1000).map((v) => v + 2 * s), y: rng.normals(1000) })) })],
  ['confusionMatrix: 10 classes', () => confusionMatrix({ title: 'confusion', labels: classes, counts: classes.map((_, t) => classes.map((_, p) => (t === p ? 900 : 11 * ((t + p) % 4)))) })],
];

const rows = cases.map(([name, make]) => {
  const t = time(make);
  return [name, fixed(t.render, 1), fixed(t.encode, 1), fixed(t.render + t.encode, 1), fixed(t.bytes / 1024, 0)];
});
console.log(formatTable(`#kit/figures: median of ${runs} runs, ms (node ${process.version}, ${os.cpus().length} cores)`, ['figure', 'render', 'PNG encode', 'total', 'KiB'], rows));

const dir = mkdtempSync(path.join(os.tmpdir(), 'dlkit-bench-figures-'));
const fig = cases[0]![1]();
const saves: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  await fig.save(path.join(dir, 'nested', 'loss.png'));
  saves.push(performance.now() - t0);
}
rmSync(dir, { recursive: true, force: true });
console.log(`\nsave() of the first figure (encoded once, then temp file + rename): median ${fixed(median(saves), 2)} ms`);
console.log(`peak RSS ${fixed(process.resourceUsage().maxRSS / 1024, 0)} MiB`);
