/**
 * The homework run of exercise 06, once your functions pass their tests:
 *
 *     npm run svm                                            # CIFAR-10 frog/horse if installed, else Fashion-MNIST pullover/coat
 *     npm run svm -- --dataset fashion-mnist
 *
 * Trains the linear SVM with the homework's setting (C 1, SGD lr 0.1, weight decay 0.5, batch 64, 50
 * epochs) and with your improvedConfig(), prints the final accuracies, and saves the curves to
 * out/figures/06-svm/{homework,improved}-{loss,accuracy}.png.
 */
import { parseArgs } from 'node:util';
import { CIFAR10_CLASSES, cifar10Installed, FASHION_MNIST_CLASSES, loadCifar10, loadFashionMnist, type ImageDataset } from '#kit/data';
import { ArgumentError } from '#kit/errors';
import { figurePath, lineChart } from '#kit/figures';
import { runMain } from '#kit/report';
import { summary } from '#kit/summary';
import { ready } from '#kit/tf';
import { FROG_HORSE, prepareSvmData, PULLOVER_COAT, type ClassPair } from './svm.ts';
import { buildSvm, evaluate, HOMEWORK_CONFIG, improvedConfig, trainSvm, type SvmConfig, type SvmHistory } from './train.ts';

function loadPair(choice: string): { train: ImageDataset; test: ImageDataset; classes: ClassPair; names: string[]; dataset: string } {
  const cifar = choice === 'cifar-10' || (choice === 'auto' && cifar10Installed());
  if (cifar) {
    return { train: loadCifar10('train'), test: loadCifar10('test'), classes: FROG_HORSE, names: FROG_HORSE.map((c) => CIFAR10_CLASSES[c]!), dataset: 'CIFAR-10' };
  }
  if (choice === 'auto') console.log('CIFAR-10 not found (`npm run data -- cifar-10` installs it): using Fashion-MNIST pullover vs coat instead.\n');
  return {
    train: loadFashionMnist('train'),
    test: loadFashionMnist('test'),
    classes: PULLOVER_COAT,
    names: PULLOVER_COAT.map((c) => FASHION_MNIST_CLASSES[c]!),
    dataset: 'Fashion-MNIST',
  };
}

async function plot(name: string, title: string, h: SvmHistory): Promise<void> {
  const x = h.trainLoss.map((_, i) => i + 1);
  const loss = lineChart({
    title: `${title}: hinge loss`,
    xLabel: 'epoch',
    yLabel: 'C · mean hinge',
    series: [
      { name: 'training (mean over the epoch)', x, y: h.trainLoss },
      { name: 'validation (after the epoch)', x, y: h.valLoss },
    ],
  });
  const acc = lineChart({
    title: `${title}: accuracy`,
    xLabel: 'epoch',
    yLabel: 'accuracy',
    series: [
      { name: 'training', x, y: h.trainAcc },
      { name: 'validation', x, y: h.valAcc },
    ],
  });
  console.log(`Saved ${await loss.save(figurePath('06-svm', `${name}-loss`))}`);
  console.log(`Saved ${await acc.save(figurePath('06-svm', `${name}-accuracy`))}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dataset: { type: 'string', default: 'auto' }, seed: { type: 'string', default: '1' } } });
  const choice = values.dataset;
  if (!['auto', 'cifar-10', 'fashion-mnist'].includes(choice)) {
    throw new ArgumentError(`--dataset must be auto, cifar-10 or fashion-mnist, got "${choice}".`);
  }
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new ArgumentError(`--seed must be an integer, got "${values.seed}".`);
  await ready();

  const pair = loadPair(choice);
  const data = prepareSvmData(pair.train, pair.test, { seed, classes: pair.classes });
  console.log(
    `${pair.dataset}: ${pair.names[0]!} → −1, ${pair.names[1]!} → +1; ${String(data.train.count)} training, ` +
      `${String(data.val.count)} validation, ${String(data.test.count)} test images of ${String(data.train.features)} features.`,
  );
  console.log(`Channel statistics of the training part (before normalising): mean ${data.stats.mean.map((m) => m.toFixed(3)).join(', ')}, std ${data.stats.std.map((s) => s.toFixed(3)).join(', ')}.\n`);

  const runs: [string, string, SvmConfig][] = [
    ['homework', 'Homework setting', { ...HOMEWORK_CONFIG }],
    ['improved', 'Improved setting', improvedConfig()],
  ];
  for (const [name, title, config] of runs) {
    const model = buildSvm(data.train.features, seed);
    if (name === 'homework') summary(model, { title: 'Linear SVM' });
    console.log(`\n${title}: ${JSON.stringify(config)}`);
    const history = trainSvm(model, data, config, { seed, progress: `06-svm ${name}` });
    const test = evaluate(model, data.test, data.classes, config.C);
    console.log(
      `${title}: training accuracy ${history.trainAcc.at(-1)!.toFixed(4)}, validation ${history.valAcc.at(-1)!.toFixed(4)}, ` +
        `test ${test.accuracy.toFixed(4)}`,
    );
    await plot(name, `${title}, ${pair.dataset} ${pair.names.join(' vs ')}`, history);
    model.dispose();
  }
}

await runMain(main);
