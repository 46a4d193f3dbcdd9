/**
 * `npm run final [-- --seed 541 --config '<json>' --bonus]`: exercise 04's final run outside the test
 * budget — your finalConfig() (or --config) trained on all 60,000 training images with a progress
 * display, the last 20 losses as a table and a chart (out/figures/04-final-training/), the test
 * accuracy. With --bonus, also enhancedConfig() trained plain and enhanced. `KIT_TARGET=<folder>
 * npm run final` runs that folder's code (scripts/run.ts; `solutions` is the reference in the instructor's kit).
 */
import { loadFashionMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { figurePath, lineChart } from '#kit/figures';
import { runMain } from '#kit/report';
import { ready } from '#kit/tf';
import { accuracy, toExamples } from '#kit/train';
import * as final from '../exercises/04-final-training/final-training.ts';
import * as tuning from '../exercises/03-hyperparam-tuning/tuning.ts';
import { intOption, stringOption } from './mlp-target.ts';

type Config = ReturnType<typeof final.finalConfig>;

/** `--config '<json>'`: a configuration object as finalConfig() returns it. */
function parseConfig(json: string): Config {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ArgumentError(
      `--config needs a configuration as JSON, as finalConfig() returns it (e.g. --config '{"layers":3,"units":256,"learningRate":0.001,"batchSize":128,"epochs":10,"l2":0}'), ` +
        `but "${json}" is not JSON: ${(err as Error).message}.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArgumentError(`--config needs a JSON object, as finalConfig() returns it, got ${json}.`);
  }
  return value as Config;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seed = intOption(argv, 'seed', 541);
  const json = stringOption(argv, 'config');
  const given = json === undefined ? undefined : parseConfig(json);
  await ready();
  const config = given ?? final.finalConfig();
  const train = toExamples(loadFashionMnist('train'), { scale: 'centered' });
  const test = toExamples(loadFashionMnist('test'), { scale: 'centered' });
  console.log(`final run: ${tuning.describeConfig(config)}, seed ${String(seed)}; estimated ${final.estimateTrainingSeconds(config, train.count).toFixed(0)} s on the reference machine`);
  const run = final.finalTraining(config, train, test, { seed });
  console.log(`\nthe last ${String(run.lastLosses.length)} training losses\n${final.lossTable(run.lastLosses, run.firstIteration)}`);
  const file = await lineChart(final.lossChartOptions(run.lastLosses, run.firstIteration)).save(figurePath('04-final-training', 'last-20-losses'));
  console.log(`\nchart: ${file}`);
  console.log(`test accuracy: ${(100 * run.testAccuracy).toFixed(2)} % on ${String(test.count)} test images`);
  run.model.dispose();
  if (argv.includes('--bonus')) {
    const enhanced = final.enhancedConfig();
    const plain = tuning.trainConfig(enhanced, train, { seed });
    const plainAcc = accuracy(plain.model, test);
    plain.model.dispose();
    const better = final.trainEnhanced(enhanced, train, seed);
    const betterAcc = accuracy(better.model, test);
    better.model.dispose();
    console.log(`bonus (${JSON.stringify(enhanced)}): plain ${(100 * plainAcc).toFixed(2)} %, enhanced ${(100 * betterAcc).toFixed(2)} %`);
  }
}

await runMain(main);
