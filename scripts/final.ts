/**
 * `npm run final [-- --seed 541 --config '<json>' --bonus]`: exercise 04's final run outside the test
 * budget — your finalConfig() (or --config) trained on all 60,000 training images with a progress
 * display, the last 20 losses as a table and a chart (out/figures/04-final-training/), the test
 * accuracy. With --bonus, also enhancedConfig() trained plain and enhanced. `KIT_TARGET=solutions
 * npm run final` runs the reference.
 */
import { loadFashionMnist } from '#kit/data';
import { figurePath, lineChart } from '#kit/figures';
import { runMain } from '#kit/report';
import { ready } from '#kit/tf';
import { accuracy, toExamples } from '#kit/train';
import { intOption, loadTarget, stringOption, type FinalModule, type TuningModule } from './mlp-target.ts';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const seed = intOption(argv, 'seed', 541);
  await ready();
  const final = await loadTarget<FinalModule>('04-final-training', 'final-training.ts');
  const tuning = await loadTarget<TuningModule>('03-hyperparam-tuning', 'tuning.ts');
  const json = stringOption(argv, 'config');
  const config = json === undefined ? final.finalConfig() : (JSON.parse(json) as ReturnType<FinalModule['finalConfig']>);
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
