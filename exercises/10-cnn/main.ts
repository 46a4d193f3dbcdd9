/**
 * The homework run of exercise 10, once your functions pass their tests:
 *
 *     npm run cnn                      # the exercise's training run (6 epochs), then the figures
 *     npm run cnn -- --epochs 2        # a quick look
 *
 * Prints which MNIST it uses and the model summary, trains with the test accuracy after every epoch,
 * prints the confusion matrix and the most confused pairs, and saves two figures to
 * out/figures/10-cnn/: confusion-matrix.png and misclassified.png (test digits the model got wrong,
 * each with its true and predicted class).
 */
import { parseArgs } from 'node:util';
import { loadMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { runMain } from '#kit/report';
import { summary } from '#kit/summary';
import { ready } from '#kit/tf';
import { toExamples } from '#kit/train';
import { accuracyOf, buildCnn, predictClasses, trainCnn } from './cnn.ts';
import { confusionMatrix, misclassifiedPanel, mostConfusedPairs, saveFigures } from './confusion.ts';

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`--${name} must be a whole number ≥ 1, got "${value}".`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string' }, seed: { type: 'string' } } });
  const epochs = integerOption(values.epochs, 'epochs', 6);
  const seed = integerOption(values.seed, 'seed', 1);
  await ready();

  const trainSet = loadMnist('train');
  const testSet = loadMnist('test');
  console.log(`Data: ${trainSet.description}.\n`);
  const train = toExamples(trainSet, { scale: 'unit' });
  const test = toExamples(testSet, { scale: 'unit' });

  const model = buildCnn({ seed });
  summary(model, { title: 'CNN: conv 3×3 16, pool 2, conv 3×3 32, pool 2, dense 10' });
  console.log();

  const history = trainCnn(model, train, { seed, epochs, validation: test });
  const predicted = predictClasses(model, test);
  console.log(`\nAfter ${String(epochs)} epoch(s): training loss ${history.loss.at(-1)!.toFixed(4)}, test accuracy ${(100 * accuracyOf(predicted, test.labels!)).toFixed(2)} % on ${String(test.count)} digits.`);

  const matrix = confusionMatrix(test.labels!, predicted, 10);
  console.log('\nConfusion matrix (rows: true digit, columns: predicted):');
  console.log(`      ${matrix.map((_, p) => String(p).padStart(5)).join('')}`);
  matrix.forEach((row, t) => {
    console.log(`  ${String(t).padStart(2)}  ${row.map((v) => String(v).padStart(5)).join('')}`);
  });
  console.log('\nMost confused pairs:');
  for (const p of mostConfusedPairs(matrix, 5)) {
    console.log(`  ${String(p.a)} and ${String(p.b)}: ${String(p.count)} mistakes (${String(p.a)} as ${String(p.b)}: ${String(p.aAsB)}, ${String(p.b)} as ${String(p.a)}: ${String(p.bAsA)})`);
  }
  for (const file of await saveFigures(matrix, misclassifiedPanel(test, predicted, 32, 8))) console.log(`Saved ${file}`);
  model.dispose();
}

await runMain(main);
