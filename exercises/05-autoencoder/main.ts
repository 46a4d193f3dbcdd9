/**
 * The homework run of exercise 05, once your functions pass their tests:
 *
 *     npm run autoencoder                    # 20 epochs, as in the homework
 *     npm run autoencoder -- --epochs 2      # a quick look
 *
 * Prints the model summary ("parameters: 218,192"), trains on the 60,000 training images with the test
 * MSE after every epoch, and saves two figures to out/figures/05-autoencoder/: reconstructions.png (two
 * test images with their reconstructions directly below) and loss.png (the curves).
 */
import { parseArgs } from 'node:util';
import { loadFashionMnist } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { figurePath, lineChart } from '#kit/figures';
import { runMain } from '#kit/report';
import { summary } from '#kit/summary';
import { ready } from '#kit/tf';
import { buildAutoencoder, prepareData, trainAutoencoder } from './autoencoder.ts';
import { reconstructionPanel, saveReconstructionFigure } from './reconstructions.ts';

function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`--${name} must be a whole number ≥ 1, got "${value}".`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { epochs: { type: 'string' }, seed: { type: 'string' } } });
  const epochs = integerOption(values.epochs, 'epochs', 20);
  const seed = integerOption(values.seed, 'seed', 1);
  await ready();

  const train = prepareData(loadFashionMnist('train'));
  const test = prepareData(loadFashionMnist('test'));
  console.log(`Data: ${String(train.count)} training and ${String(test.count)} test images of ${String(train.features)} pixels in [0, 1].\n`);

  const ae = buildAutoencoder({ seed });
  summary(ae.model, { title: 'Dense autoencoder 784-128-64-128-784' });
  console.log();

  const history = trainAutoencoder(ae.model, train, { epochs, seed, validation: test });
  console.log(`\nAfter ${String(epochs)} epoch(s): training MSE ${history.loss.at(-1)!.toFixed(4)}, test MSE ${history.valLoss.at(-1)!.toFixed(4)}.`);

  const curves = lineChart({
    title: 'Dense autoencoder on Fashion-MNIST',
    xLabel: 'epoch',
    yLabel: 'MSE',
    series: [
      { name: 'training (mean over the epoch)', y: history.loss, x: history.loss.map((_, i) => i + 1) },
      { name: 'test (after the epoch)', y: history.valLoss, x: history.valLoss.map((_, i) => i + 1) },
    ],
  });
  console.log(`Saved ${await curves.save(figurePath('05-autoencoder', 'loss'))}`);
  console.log(`Saved ${await saveReconstructionFigure(reconstructionPanel(ae.model, test, [0, 1]))}`);
}

await runMain(main);
