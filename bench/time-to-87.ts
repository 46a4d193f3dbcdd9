import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '#kit/errors';
import { loadFashionMnist, take } from '#kit/data';
import { Rng } from '#kit/rng';
import { batches, toExamples, trainStep } from '#kit/train';
import { buildMlp } from '../solutions/02-mlp/mlp.ts';
import { installKernelTimer } from './kernel-timer.ts';
import { CLASSES, makeOptimizer, type MlpConfig } from '../solutions/03-hyperparam-tuning/tuning.ts';
import { finalConfig } from '../solutions/04-final-training/final-training.ts';

export interface EpochEvent {
  epoch: number;
  loss: number;
  accuracy: number;
  trainSeconds: number;
  evalSeconds: number;
  steps: number;
  /** Seconds since the child process started. */
  t: number;
}

export interface TimeTo87Run {
  seed: number;
  /** Wall seconds from spawning the process to the end of the first epoch at ≥ 87 % (undefined: never). */
  secondsTo87: number | undefined;
  /** Process start → backend ready and data loaded. */
  startupSeconds: number;
  epochs: EpochEvent[];
  backend: string;
}

/** Runs time-to-87-child.ts in a fresh process and collects its events. */
export function timeTo87(seed: number, full = false): Promise<TimeTo87Run> {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(REPO_ROOT, 'bench', 'time-to-87-child.ts'), String(seed), ...(full ? ['--full'] : [])],
      { cwd: REPO_ROOT, env: { ...process.env, KIT_BACKEND_QUIET: '1', KIT_PROGRESS: '0' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const run: TimeTo87Run = { seed, secondsTo87: undefined, startupSeconds: NaN, epochs: [], backend: '?' };
    let buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const e = JSON.parse(line) as { event: string; backend?: string } & EpochEvent;
        if (e.event === 'backend') run.backend = e.backend ?? '?';
        if (e.event === 'data') run.startupSeconds = e.t;
        if (e.event === 'epoch') {
          run.epochs.push(e);
          if (e.accuracy >= 0.87 && run.secondsTo87 === undefined) run.secondsTo87 = (performance.now() - spawned) / 1000;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(run);
      else reject(new Error(`time-to-87-child.ts exited with ${String(code)}`));
    });
  });
}

export interface StepBreakdown {
  label: string;
  steps: number;
  msPerStep: number;
  kernelsPerStep: number;
  /** Exclusive kernel time per step by group (ms), from the kernel timer. */
  matmulMs: number;
  transposeMs: number;
  otherKernelMs: number;
  /** Step time minus kernel time: JavaScript in tfjs-layers, autodiff, the engine, batch making. */
  overheadMs: number;
  topKernels: string;
}

/** Times `steps` training steps of `config`, split into kernel groups (exclusive time) and overhead. */
export function stepBreakdown(label: string, config: MlpConfig, steps: number): StepBreakdown {
  const data = toExamples(take(loadFashionMnist('train'), Math.max(config.batchSize * 8, 2048), 1), { scale: 'centered' });
  const rng = new Rng(1);
  const model = buildMlp(784, config.layers, config.units, CLASSES, { seed: rng.seed() });
  const optimizer = makeOptimizer(config);
  const source = batches(data, { batchSize: config.batchSize, seed: 2, oneHot: CLASSES });
  const stepOnce = (): void => {
    for (const b of source) {
      trainStep(model, optimizer, b);
      break;
    }
  };
  for (let i = 0; i < 5; i++) stepOnce(); // warm-up: kernel setup, optimizer slots
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) stepOnce();
  const msPerStep = (performance.now() - t0) / steps;
  const timer = installKernelTimer();
  let byName: Map<string, number>;
  let calls = 0;
  try {
    for (let i = 0; i < steps; i++) stepOnce();
    byName = new Map([...timer.ms].map(([n, ms]) => [n, ms / steps]));
    calls = [...timer.calls.values()].reduce((a, b) => a + b, 0) / steps;
  } finally {
    timer.uninstall();
  }
  const group = (names: string[]): number => names.reduce((s, n) => s + (byName.get(n) ?? 0), 0);
  const matmulMs = group(['BatchMatMul', '_FusedMatMul']);
  const transposeMs = group(['Transpose']);
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  model.dispose();
  optimizer.dispose();
  return {
    label,
    steps,
    msPerStep,
    kernelsPerStep: calls,
    matmulMs,
    transposeMs,
    otherKernelMs: total - matmulMs - transposeMs,
    overheadMs: Math.max(0, msPerStep - total),
    topKernels: [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([n, ms]) => `${n} ${ms.toFixed(2)}`)
      .join(', '),
  };
}

/** The reference configuration, and variants that isolate the per-step overhead. */
export function breakdownCases(): { label: string; config: MlpConfig }[] {
  const ref = finalConfig();
  return [
    { label: `reference: ${String(ref.layers)}×${String(ref.units)}, ${ref.optimizer ?? 'sgd'}, batch ${String(ref.batchSize)}`, config: ref },
    { label: 'same, SGD', config: { ...ref, optimizer: 'sgd', learningRate: 0.05 } },
    { label: 'tiny 1×8, SGD, batch 32 (≈ pure overhead)', config: { ...ref, layers: 1, units: 8, batchSize: 32, optimizer: 'sgd', learningRate: 0.05 } },
    { label: 'tiny 1×8, Adam, batch 32', config: { ...ref, layers: 1, units: 8, batchSize: 32 } },
  ];
}
