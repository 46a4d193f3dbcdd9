/**
 * One time-to-87 % run in a fresh process (spawned by time-to-87.ts): default backend, Fashion-MNIST
 * centred, the reference `finalConfig()` trained with the reference `buildMlp` / `trainEpoch`, test
 * accuracy after every epoch. Prints one JSON line per event on stdout; times are seconds since this
 * process started (performance.now() counts from the process's time origin).
 *
 *   tsx bench/time-to-87-child.ts <seed> [--full]      (--full: keep training after 87 %)
 */
import { loadFashionMnist } from '#kit/data';
import { Rng } from '#kit/rng';
import { ready } from '#kit/tf';
import { batches, evaluateClassifier, toExamples } from '#kit/train';
import { buildMlp, trainEpoch } from '../solutions/02-mlp/mlp.ts';
import { CLASSES, makeOptimizer } from '../solutions/03-hyperparam-tuning/tuning.ts';
import { finalConfig } from '../solutions/04-final-training/final-training.ts';

const seed = Number(process.argv[2] ?? '1');
const full = process.argv.includes('--full');
const now = (): number => performance.now() / 1000;
const emit = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...event, t: now() })}\n`);
};

const info = await ready();
emit({ event: 'backend', backend: info.name });
const train = toExamples(loadFashionMnist('train'), { scale: 'centered' });
const test = toExamples(loadFashionMnist('test'), { scale: 'centered' });
emit({ event: 'data' });

// The same seed derivation as trainConfig (exercise 03), so the run matches what the test trains.
const config = finalConfig();
const rng = new Rng(seed);
const model = buildMlp(train.features, config.layers, config.units, CLASSES, { seed: rng.seed() });
const optimizer = makeOptimizer(config);
const source = batches(train, { batchSize: config.batchSize, seed: rng.seed(), oneHot: CLASSES });
for (let epoch = 1; epoch <= config.epochs; epoch++) {
  const t0 = now();
  const { loss } = trainEpoch(model, source, optimizer);
  const trainSeconds = now() - t0;
  const { accuracy } = evaluateClassifier(model, test);
  emit({ event: 'epoch', epoch, loss, accuracy, trainSeconds, evalSeconds: now() - t0 - trainSeconds, steps: source.length });
  if (accuracy >= 0.87 && !full) break;
}
emit({ event: 'done' });
