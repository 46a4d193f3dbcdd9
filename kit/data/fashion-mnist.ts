import type { ImageDataset } from './dataset.ts';
import { checkSplit, loadIdxDataset, type LoadOptions, type Split } from './mnist.ts';

/** Fashion-MNIST class names, indexed by label (from the dataset's README). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * Fashion-MNIST: 60,000 train / 10,000 test images of 28×28×1, 10 balanced classes. The files ship in
 * data/fashion-mnist/, so this works offline; the search path (KIT_DATA_DIR, data/, Debian's
 * /usr/share/datasets/) and the checksums come from data/manifest.json.
 */
export function loadFashionMnist(split: Split, options: LoadOptions = {}): ImageDataset {
  checkSplit(split, 'loadFashionMnist');
  return loadIdxDataset('fashion-mnist', split, options);
}
