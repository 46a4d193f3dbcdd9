/**
 * `npx tsx bench/webgpu.ts [--quick]` (or `npm run bench -- --only webgpu`): training steps per second on
 * the webgpu backend against wasm, for exercise 02's MLP (784-256-128-10, Adam, batch 128) and the small
 * CNN of bench/cnn.ts (conv 3×3 32, pool, conv 3×3 64, pool, dense 128, 10; Adam, batch 64), each step
 * reading its loss back as the exercises' loops do; and the largest gradient difference of each against
 * the cpu backend. On a machine without a GPU, webgpu runs on a software adapter (KIT_BACKEND=webgpu
 * semantics: forced), which is what the README's figures for CI show. Raw numbers go to bench/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { backendInfo, selectBackend, tf } from '#kit/tf';
import { releaseWebGpu } from '../kit/tf/webgpu.ts';
import { buildCnn } from './cnn.ts';
import { fixed, formatTable } from './table.ts';

const quick = process.argv.includes('--quick');
/** Timed steps stop after this long (after the warm-up, which compiles the GPU shaders). */
const BUDGET_S = quick ? 3 : 15;
const WARMUP_STEPS = 2;

interface Net {
  name: string;
  batch: number;
  inputShape: number[];
  build: () => tf.LayersModel;
}

const NETS: readonly Net[] = [
  {
    name: '02 MLP 784-256-128-10, batch 128',
    batch: 128,
    inputShape: [784],
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
          tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 2 }) }),
          tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.heNormal({ seed: 3 }) }),
        ],
      }),
  },
  { name: 'CNN conv32-pool-conv64-pool-128-10, batch 64', batch: 64, inputShape: [784], build: () => buildCnn(7) },
];

interface Data {
  x: Float32Array;
  labels: Int32Array;
}

function data(net: Net): Data {
  return tf.tidy(() => ({
    x: tf.randomUniform([net.batch, ...net.inputShape], 0, 1, 'float32', 5).dataSync().slice() as Float32Array,
    labels: tf.randomUniform([net.batch], 0, 10, 'int32', 6).dataSync().slice() as Int32Array,
  }));
}

function lossFn(m: tf.LayersModel, net: Net, d: Data): () => tf.Scalar {
  return () => {
    const x = tf.tensor(d.x, [net.batch, ...net.inputShape]);
    const y = tf.oneHot(tf.tensor1d(d.labels, 'int32'), 10);
    return tf.losses.softmaxCrossEntropy(y, m.apply(x) as tf.Tensor);
  };
}

/** Steps per second of Adam training on the active backend. */
function stepsPerSecond(net: Net, d: Data): { stepsPerS: number; steps: number } {
  const m = net.build();
  const optimizer = tf.train.adam(1e-3);
  const loss = lossFn(m, net, d);
  const step = (): void => {
    const cost = optimizer.minimize(loss, true)!;
    cost.dataSync();
    cost.dispose();
  };
  for (let i = 0; i < WARMUP_STEPS; i++) step();
  const t0 = performance.now();
  let steps = 0;
  while (performance.now() - t0 < BUDGET_S * 1000 || steps < 3) {
    step();
    steps++;
  }
  const seconds = (performance.now() - t0) / 1000;
  optimizer.dispose();
  m.dispose();
  return { stepsPerS: steps / seconds, steps };
}

/** The gradients of the loss for the given starting weights, read back. */
function gradients(net: Net, d: Data, weights: readonly Float32Array[]): Float32Array[] {
  const m = net.build();
  tf.tidy(() => {
    m.setWeights(m.getWeights().map((w, i) => tf.tensor(weights[i]!, w.shape)));
  });
  const out = tf.tidy(() => {
    // Every trainable variable's gradient, keyed by name (a layer weight's and its variable's are one).
    const { grads } = tf.variableGrads(lossFn(m, net, d));
    return m.trainableWeights.map((w) => grads[w.name]!.dataSync().slice() as Float32Array);
  });
  m.dispose();
  return out;
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): { abs: number; scale: number } {
  let abs = 0;
  let scale = 0;
  a.forEach((x, i) => {
    x.forEach((v, k) => {
      abs = Math.max(abs, Math.abs(v - b[i]![k]!));
      scale = Math.max(scale, Math.abs(v));
    });
  });
  return { abs, scale };
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  const raw: Record<string, unknown>[] = [];
  let adapter = '';
  for (const net of NETS) {
    await selectBackend('cpu');
    const d = data(net);
    const init = net.build();
    const weights = init.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    init.dispose();
    const cpuGrads = gradients(net, d, weights);

    await selectBackend('wasm');
    const wasm = stepsPerSecond(net, d);
    await selectBackend('webgpu');
    adapter = backendInfo().note;
    const gpuGrads = gradients(net, d, weights);
    const webgpu = stepsPerSecond(net, d);
    const diff = maxAbsDiff(cpuGrads, gpuGrads);
    rows.push([
      net.name,
      fixed(wasm.stepsPerS, 2),
      fixed(webgpu.stepsPerS, 2),
      `${fixed(webgpu.stepsPerS / wasm.stepsPerS, 2)}×`,
      `${diff.abs.toExponential(1)} (of max |g| ${diff.scale.toExponential(1)})`,
    ]);
    raw.push({ net: net.name, wasm, webgpu, gradientMaxAbsDiff: diff.abs, gradientMaxAbs: diff.scale });
  }
  console.log(
    formatTable(
      `Adam training steps per second, loss read every step (webgpu: ${adapter})`,
      ['network', 'wasm steps/s', 'webgpu steps/s', 'webgpu / wasm', 'max |∂ cpu − ∂ webgpu|'],
      rows,
    ),
  );
  const dir = path.join(REPO_ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `webgpu-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(file, JSON.stringify({ adapter, budgetSeconds: BUDGET_S, results: raw }, null, 2));
  console.log(`raw numbers: ${path.relative(REPO_ROOT, file)}`);
  releaseWebGpu();
}

await main();
