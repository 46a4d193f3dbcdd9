/**
 * Exercise 10, part 1 — how big is the output of a convolution or a pooling layer?
 *
 * A window of `kernel` taps, `dilation` apart, spans d·(k − 1) + 1 input positions. Slid over an input
 * of n positions padded with p on each side, in steps of s, it fits
 *
 *     ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1
 *
 * times (PyTorch's formula for nn.Conv2d and nn.MaxPool2d). tfjs knows only two paddings: 'valid'
 * (p = 0) and 'same' (padding chosen so that the output has ⌈n / s⌉ positions whatever the kernel).
 * PyTorch's explicit p = 1 or p = 2 is a `tf.layers.zeroPadding2d` in front of a 'valid' layer.
 */
import { ArgumentError } from '#kit/errors';
import { tf } from '#kit/tf';

/** Explicit zero padding on each side (PyTorch's `padding=p`), or tfjs's 'same' / 'valid'. */
export type Padding = number | 'same' | 'valid';

function checkWhole(fn: string, name: string, value: unknown, min: number, meaning: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${fn}: ${name} (${meaning}) must be a whole number ≥ ${String(min)}, got ${String(value)}.`);
  }
}

function checkPadding(fn: string, padding: unknown): asserts padding is Padding {
  if (padding === 'same' || padding === 'valid') return;
  checkWhole(fn, 'padding', padding, 0, "zeros added on each side, or 'same' / 'valid'");
}

function checkSizes(fn: string, n: unknown, kernel: unknown, stride: unknown, padding: unknown, dilation: unknown): void {
  checkWhole(fn, 'n', n, 1, 'input positions along one axis');
  checkWhole(fn, 'kernel', kernel, 1, 'window size');
  checkWhole(fn, 'stride', stride, 1, 'step between windows');
  checkPadding(fn, padding);
  checkWhole(fn, 'dilation', dilation, 1, 'spacing of the window taps; 1 is an ordinary window');
}

/**
 * Output positions along one axis of a convolution over `n` input positions.
 *
 * - `padding` a number p: ⌊(n + 2p − d·(k − 1) − 1) / s⌋ + 1 (PyTorch's nn.Conv2d);
 * - 'valid' is p = 0;
 * - 'same' (tfjs, TensorFlow): ⌈n / s⌉, whatever the kernel and dilation.
 *
 * Throws an ArgumentError, saying so, when the window (d·(k − 1) + 1 positions) is wider than the padded
 * input n + 2p: there is no position where it fits. Also for arguments that are not whole numbers
 * (n, kernel, stride, dilation ≥ 1; p ≥ 0).
 */
export function convOutputSize(n: number, kernel: number, stride: number, padding: Padding, dilation = 1): number {
  checkSizes('convOutputSize', n, kernel, stride, padding, dilation);
  // BEGIN SOLUTION
  if (padding === 'same') return Math.ceil(n / stride);
  const p = padding === 'valid' ? 0 : padding;
  const span = dilation * (kernel - 1) + 1;
  if (span > n + 2 * p) {
    throw new ArgumentError(
      `convOutputSize: a window of ${String(kernel)} taps with dilation ${String(dilation)} spans ${String(span)} positions, ` +
        `more than the ${String(n + 2 * p)} of the padded input (n = ${String(n)}, padding ${String(p)} on each side); ` +
        'use a smaller kernel or more padding.',
    );
  }
  return Math.floor((n + 2 * p - span) / stride) + 1;
  // END SOLUTION
}

/**
 * Output positions along one axis of a pooling layer: the same arithmetic as a convolution (a pooling
 * window is a window), but the stride defaults to the window size, as in PyTorch's nn.MaxPool2d and
 * tfjs's maxPooling2d, and the padding to 0. Same errors as `convOutputSize`.
 */
export function poolOutputSize(n: number, kernel: number, stride: number = kernel, padding: Padding = 0, dilation = 1): number {
  checkSizes('poolOutputSize', n, kernel, stride, padding, dilation);
  // BEGIN SOLUTION
  return convOutputSize(n, kernel, stride, padding, dilation);
  // END SOLUTION
}

/** One of the homework's PyTorch layers: nn.Conv2d(channels, filters, kernel, stride, padding) or nn.MaxPool2d. */
export interface TorchLayerSpec {
  kind: 'conv' | 'maxPool';
  kernel: number;
  /** Default: 1 for 'conv', `kernel` for 'maxPool' (PyTorch's defaults). */
  stride?: number;
  /** Zeros on each side (PyTorch's `padding`), default 0. */
  padding?: number;
  /** Output channels of a 'conv' layer, default 1 (ignored by 'maxPool'). */
  filters?: number;
}

/**
 * A tfjs model that computes what the PyTorch layer `spec` computes on an input of `inputShape`
 * ([height, width, channels], channels last), in output shape: a `tf.layers.zeroPadding2d({ padding })`
 * when padding > 0, then the layer itself with `padding: 'valid'` (`tf.layers.conv2d` with `filters`,
 * `kernelSize`, `strides`; or `tf.layers.maxPooling2d` with `poolSize`, `strides`). The first layer takes
 * `inputShape`. No other layers.
 *
 * (The values of a padded max-pool differ from PyTorch's at the border when inputs are negative:
 * PyTorch pads a max-pool with −∞, zeroPadding2d with 0. After a ReLU the inputs are ≥ 0 and the two agree.)
 */
export function torchLikeLayer(spec: TorchLayerSpec, inputShape: readonly [number, number, number]): tf.Sequential {
  if (spec.kind !== 'conv' && spec.kind !== 'maxPool') {
    throw new ArgumentError(`torchLikeLayer: kind must be 'conv' or 'maxPool', got ${JSON.stringify(spec.kind)}.`);
  }
  const stride = spec.stride ?? (spec.kind === 'conv' ? 1 : spec.kernel);
  const padding = spec.padding ?? 0;
  const filters = spec.filters ?? 1;
  checkWhole('torchLikeLayer', 'filters', filters, 1, 'output channels');
  inputShape.forEach((d, i) => {
    checkWhole('torchLikeLayer', `inputShape[${String(i)}]`, d, 1, '[height, width, channels]');
  });
  // Both sizes must be valid: this throws the clear error for a window that does not fit.
  convOutputSize(inputShape[0], spec.kernel, stride, padding);
  convOutputSize(inputShape[1], spec.kernel, stride, padding);
  // BEGIN SOLUTION
  const model = tf.sequential();
  const first = { inputShape: [...inputShape] };
  if (padding > 0) model.add(tf.layers.zeroPadding2d({ ...first, padding }));
  const input = padding > 0 ? {} : first;
  model.add(
    spec.kind === 'conv'
      ? tf.layers.conv2d({ ...input, filters, kernelSize: spec.kernel, strides: stride, padding: 'valid' })
      : tf.layers.maxPooling2d({ ...input, poolSize: spec.kernel, strides: stride, padding: 'valid' }),
  );
  return model;
  // END SOLUTION
}
