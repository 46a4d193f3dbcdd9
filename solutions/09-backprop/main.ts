/**
 * The figures of exercise 09, once your functions pass their tests:
 *
 *     npm run backprop
 *
 * Saves to out/figures/09-backprop/: sign-step.png (the cost C(vₜ) along the path of `signStep` on
 * C(v) = (v − 1)², log scale: steps of ε down, then the zig-zag across the minimum) and
 * variance-vs-batch-size.png (E‖ĝ − ∇C‖² from `gradientVarianceByBatchSize` against m on log–log
 * axes, logistic regression on T-shirt/top vs shirt, with σ²/m and σ²/m·(n − m)/(n − 1)).
 */
import { loadFashionMnist } from '#kit/data';
import { figurePath, lineChart, scatterPlot } from '#kit/figures';
import { runMain } from '#kit/report';
import { Rng } from '#kit/rng';
import { gradientVarianceByBatchSize, perExampleGradients, type GradientTable, type LogisticData } from './minibatch.ts';
import { signStep } from './steps.ts';

/** Two Fashion-MNIST classes, 100 test images each, average-pooled to 7 × 7 features in [0, 1]. */
function fashionPair(c0: number, c1: number, perClass: number): LogisticData {
  const ds = loadFashionMnist('test');
  const picked: number[] = [];
  const seen = [0, 0];
  for (let i = 0; i < ds.count && picked.length < 2 * perClass; i++) {
    const k = ds.labels[i] === c0 ? 0 : ds.labels[i] === c1 ? 1 : -1;
    if (k >= 0 && ++seen[k]! <= perClass) picked.push(i);
  }
  const d = 49;
  const x = new Float64Array(picked.length * d);
  const y = Float64Array.from(picked, (idx) => (ds.labels[idx] === c1 ? 1 : 0));
  picked.forEach((idx, r) => {
    for (let a = 0; a < 28; a++) {
      for (let b = 0; b < 28; b++) x[r * d + Math.floor(a / 4) * 7 + Math.floor(b / 4)]! += ds.images[idx * 784 + a * 28 + b]! / (255 * 16);
    }
  });
  return { x, y, n: picked.length, d };
}

const columnMeans = (t: GradientTable): Float64Array => {
  const g = new Float64Array(t.p);
  for (let i = 0; i < t.n; i++) for (let c = 0; c < t.p; c++) g[c]! += t.values[i * t.p + c]! / t.n;
  return g;
};

async function signStepFigure(): Promise<void> {
  const cost = (v: number): number => (v - 1) ** 2;
  const eps = 0.1;
  const path = [3.02];
  for (let t = 0; t < 30; t++) path.push(signStep(path.at(-1)!, 2 * (path.at(-1)! - 1), eps));
  const chart = lineChart({
    title: `signStep on C(v) = (v − 1)² from v = ${path[0]}, ε = ${eps}: 20 steps down, then a zig-zag 1.02 ↔ 0.92`,
    xLabel: 'step t',
    yLabel: 'C(vₜ)',
    series: [{ name: 'C(vₜ)', x: path.map((_, t) => t), y: path.map(cost) }],
    logY: true,
    markers: true,
  });
  console.log(`Saved ${await chart.save(figurePath('09-backprop', 'sign-step'))}`);
}

async function varianceFigure(): Promise<void> {
  const data = fashionPair(0, 6, 100);
  // A partly trained model: 20 full-gradient steps of size 1 from zero.
  const w = new Float64Array(data.d);
  let b = 0;
  for (let s = 0; s < 20; s++) {
    const g = columnMeans(perExampleGradients(data, { w, b }));
    for (let j = 0; j < data.d; j++) w[j]! -= g[j]!;
    b -= g[data.d]!;
  }
  const table = perExampleGradients(data, { w, b });
  const full = columnMeans(table);
  let sigma2 = 0;
  for (let i = 0; i < table.n; i++) for (let c = 0; c < table.p; c++) sigma2 += (table.values[i * table.p + c]! - full[c]!) ** 2 / table.n;
  const n = table.n;
  const sizes = [1, 2, 3, 5, 10, 20, 30, 50, 75, 100, 125, 150, 175, 190, 198];
  const measured = gradientVarianceByBatchSize(table, sizes, 500, new Rng(1));
  const ms = Array.from({ length: n - 1 }, (_, k) => k + 1);
  const chart = scatterPlot({
    title: `Mini-batch gradient noise, logistic regression on T-shirt/top vs shirt (n = ${n})`,
    xLabel: 'batch size m',
    yLabel: 'E‖ĝ − ∇C‖²',
    logX: true,
    logY: true,
    series: [
      { name: 'measured (500 batches per m)', x: sizes, y: measured },
      { name: 'σ²/m (with replacement)', x: ms, y: ms.map((m) => sigma2 / m) },
      { name: 'σ²/m·(n − m)/(n − 1) (without)', x: ms, y: ms.map((m) => ((sigma2 / m) * (n - m)) / (n - 1)) },
    ],
  });
  console.log(`Saved ${await chart.save(figurePath('09-backprop', 'variance-vs-batch-size'))}`);
  sizes.forEach((m, k) => {
    console.log(`m = ${String(m).padStart(3)}: measured ${measured[k]!.toExponential(3)}, σ²/m·(n − m)/(n − 1) = ${((sigma2 / m) * (n - m) / (n - 1)).toExponential(3)}`);
  });
}

async function main(): Promise<void> {
  await signStepFigure();
  await varianceFigure();
}

await runMain(main);
