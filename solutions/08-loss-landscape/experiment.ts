/**
 * Exercise 08 from start to finish — written for you; it runs your functions (and buildMlp from 02):
 *
 *   npm run landscape                       # your code in exercises/
 *   KIT_TARGET=<folder> npm run landscape   # the code in another folder laid out like exercises/
 *
 * trains the MLP of exercise 02 with SGD on 2,500 Fashion-MNIST training images, recording its
 * parameters a few times per epoch, finds the plane of the trajectory by PCA, evaluates the training
 * loss on a 25 × 25 grid in that plane, and writes out/figures/08-loss-landscape/landscape.html (rotate
 * it in a browser; it works offline) and landscape.png (a contour map for your report).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFashionMnist, take } from '#kit/data';
import { figurePath } from '#kit/figures';
import { pagePath } from '#kit/plotly';
import { ready, tf } from '#kit/tf';
import { toExamples, type Examples } from '#kit/train';
import { buildMlp, computeLoss } from '../02-mlp/mlp.ts';
import { lossLandscape, type Landscape } from './landscape.ts';
import { plotPath, type PlotPathFiles } from './plot.ts';
import { recordTrajectory, type Trajectory, type TrajectoryOptions } from './trajectory.ts';

export interface ExperimentConfig extends TrajectoryOptions {
  /** Training images used both to train and to evaluate f_CE (a seeded subset of the training split). */
  examples: number;
  /** Hidden layers and units per layer of 02's buildMlp. */
  layers: number;
  hiddenUnits: number;
  /** Grid points per axis and margin (fraction of the path's extent). */
  steps: number;
  margin: number;
}

/** The homework's setting: a 2,500-image subset; a 784-64-10 network (50,890 parameters); 10 epochs of SGD; 4 snapshots per epoch. */
export const EXPERIMENT: ExperimentConfig = {
  examples: 2500,
  layers: 1,
  hiddenUnits: 64,
  epochs: 10,
  batchSize: 64,
  learningRate: 0.05,
  snapshotsPerEpoch: 4,
  seed: 8,
  steps: 25,
  margin: 0.2,
};

export interface ExperimentResult {
  config: ExperimentConfig;
  data: Examples;
  trajectory: Trajectory;
  landscape: Landscape;
  files: PlotPathFiles;
  /** Losses of the untrained and trained network on the subset (computeLoss from 02). */
  lossBefore: number;
  lossAfter: number;
  seconds: { data: number; train: number; pca: number; grid: number; path: number; figures: number };
}

export function defaultFiles(): PlotPathFiles {
  return { png: figurePath('08-loss-landscape', 'landscape'), html: pagePath('08-loss-landscape', 'landscape') };
}

/** The whole exercise; the model is disposed at the end. */
export async function runExperiment(config: ExperimentConfig = EXPERIMENT, files: PlotPathFiles = defaultFiles()): Promise<ExperimentResult> {
  await ready();
  const t0 = performance.now();
  const data = toExamples(take(loadFashionMnist('train'), config.examples, config.seed), { scale: 'centered' });
  const t1 = performance.now();
  const model = buildMlp(data.features, config.layers, config.hiddenUnits, 10, { seed: config.seed });
  try {
    const lossBefore = computeLoss(model, data);
    const trajectory = recordTrajectory(model, data, config);
    const lossAfter = computeLoss(model, data);
    const t2 = performance.now();
    const landscape = lossLandscape(model, trajectory.snapshots, data, { steps: config.steps, margin: config.margin });
    const t3 = performance.now();
    const ratio = landscape.pca.explainedVarianceRatio;
    const written = await plotPath(landscape.grid, landscape.path, files, {
      title: `Loss landscape of a 784-${String(config.hiddenUnits)}-10 MLP along its SGD trajectory`,
      explained: ratio,
      caption:
        `Training cross-entropy f_CE on ${config.examples.toLocaleString('en-US')} Fashion-MNIST training images, over the plane ` +
        `through the mean of ${String(trajectory.snapshots.length)} parameter snapshots spanned by their two principal ` +
        `components (${(100 * (ratio[0]! + ratio[1]!)).toFixed(1)} % of the trajectory's variance). ` +
        `SGD, learning rate ${String(config.learningRate)}, batch ${String(config.batchSize)}, ${String(config.epochs)} epochs, ` +
        `${String(config.snapshotsPerEpoch)} snapshots per epoch; the dots are the snapshots, projected onto the plane.`,
    });
    const t4 = performance.now();
    return {
      config,
      data,
      trajectory,
      landscape,
      files: written,
      lossBefore,
      lossAfter,
      seconds: {
        data: (t1 - t0) / 1000,
        train: (t2 - t1) / 1000,
        pca: landscape.seconds.pca,
        grid: landscape.seconds.grid,
        path: landscape.seconds.path,
        figures: (t4 - t3) / 1000,
      },
    };
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const r = await runExperiment();
  const s = r.seconds;
  const ratio = r.landscape.pca.explainedVarianceRatio;
  console.log(
    `08-loss-landscape: f_CE ${r.lossBefore.toFixed(3)} → ${r.lossAfter.toFixed(3)} after ${String(r.config.epochs)} epochs; ` +
      `${String(r.trajectory.snapshots.length)} snapshots of ${String(r.trajectory.snapshots[0]!.length)} parameters; ` +
      `components explain ${(100 * ratio[0]!).toFixed(1)} % + ${(100 * ratio[1]!).toFixed(1)} %.`,
  );
  console.log(
    `time: data ${s.data.toFixed(1)} s, training ${s.train.toFixed(1)} s, PCA ${s.pca.toFixed(2)} s, ` +
      `${String(r.config.steps ** 2)} grid losses ${s.grid.toFixed(1)} s, path ${s.path.toFixed(1)} s, figures ${s.figures.toFixed(1)} s (${tf.getBackend()}).`,
  );
  console.log(`wrote ${path.relative(process.cwd(), r.files.html)} (open it in a browser) and ${path.relative(process.cwd(), r.files.png)}`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
