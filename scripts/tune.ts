/**
 * `npm run tune [-- --max-epochs 10 --max-trials 12 --seed 541 --subset 60000]`: exercise 03's search
 * on the Fashion-MNIST training split, 20 % forked off for validation (your forkValidation), with your
 * hyperparamTuning; prints every trial, best first, and the best configuration to copy into
 * exercise 04's finalConfig(). `KIT_TARGET=<folder> npm run tune` runs that folder's code (scripts/run.ts;
 * `solutions` is the reference in the instructor's kit).
 */
import { loadFashionMnist, take } from '#kit/data';
import { runMain } from '#kit/report';
import { ready } from '#kit/tf';
import { toExamples } from '#kit/train';
import * as tuning from '../exercises/03-hyperparam-tuning/tuning.ts';
import { intOption } from './mlp-target.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seed = intOption(argv, 'seed', 541);
  const maxEpochs = intOption(argv, 'max-epochs', 10);
  const maxTrials = intOption(argv, 'max-trials', 12);
  const subset = intOption(argv, 'subset', 60_000);
  await ready();
  const all = toExamples(take(loadFashionMnist('train'), subset, seed), { scale: 'centered' });
  const { train, val } = tuning.forkValidation(all, 0.2, seed);
  console.log(`searching on ${String(train.count)} training / ${String(val.count)} validation images, ≤ ${String(maxEpochs)} epochs, ≤ ${String(maxTrials)} trials`);
  const { best, trials } = tuning.hyperparamTuning(train, val, { seed, maxEpochs, maxTrials });
  console.log('\nval acc  configuration');
  for (const t of [...trials].sort((a, b) => b.valAccuracy - a.valAccuracy)) {
    console.log(`${(100 * t.valAccuracy).toFixed(2).padStart(6)} %  ${tuning.describeConfig(t.config)}`);
  }
  console.log(`\nbest (for finalConfig() in exercises/04-final-training/final-training.ts):\n${JSON.stringify(best.config)}`);
}

await runMain(main);
