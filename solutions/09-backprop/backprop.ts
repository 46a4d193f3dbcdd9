/**
 * Exercise 09, parts 3 and 4 — back-propagation by hand, with plain arrays (no tfjs, no autodiff).
 *
 * Part 3 is the seed's two-layer network: z² = W²x + b², a² = f(z²) with a hidden activation f
 * (sigmoid in the homework), z³ = W³a² + b³, a³ = σ(z³), and the binary cross-entropy summed over the
 * outputs, C = −Σₖ [yₖ ln a³ₖ + (1 − yₖ) ln(1 − a³ₖ)]. Matrices are arrays of rows: W[j][k] is the
 * weight from input k to unit j, so W has one row per unit of its layer.
 *
 * Part 4: the softmax output layer's δ, and a network of identity activations.
 */
import { ArgumentError } from '#kit/errors';

export type Vector = number[];
export type Matrix = number[][];

/** A hidden activation f and its derivative f′, both as functions of the pre-activation z. */
export interface Activation {
  name: string;
  f: (z: number) => number;
  df: (z: number) => number;
}

const logistic = (z: number): number => 1 / (1 + Math.exp(-z));

/** The logistic sigmoid σ(z) = 1/(1 + e^−z), with σ′(z) = σ(z)(1 − σ(z)). */
export const sigmoid: Activation = { name: 'sigmoid', f: logistic, df: (z) => logistic(z) * (1 - logistic(z)) };

/** The network of part 3: input → hidden (W², b²) → output (W³, b³). */
export interface TwoLayerNet {
  W2: Matrix;
  b2: Vector;
  W3: Matrix;
  b3: Vector;
}

export interface ForwardPass {
  z2: Vector;
  a2: Vector;
  z3: Vector;
  a3: Vector;
}

export interface Gradients {
  delta3: Vector;
  delta2: Vector;
  dW3: Matrix;
  db3: Vector;
  dW2: Matrix;
  db2: Vector;
  /** ∂C/∂x: how the cost changes with the input itself. */
  dx: Vector;
}

// ---- small helpers (given) --------------------------------------------------------------------

/** W·v for W with one row per output. */
export const matVec = (W: Matrix, v: Vector): Vector => W.map((row) => row.reduce((s, w, k) => s + w * v[k]!, 0));

/** Wᵀ·v: the transpose times v, without building the transpose. */
export const matTVec = (W: Matrix, v: Vector): Vector => W[0]!.map((_, k) => W.reduce((s, row, j) => s + row[k]! * v[j]!, 0));

/** The outer product u·vᵀ, a matrix with u.length rows. */
export const outer = (u: Vector, v: Vector): Matrix => u.map((ui) => v.map((vk) => ui * vk));

function checkShapes(net: TwoLayerNet, x: Vector, y?: Vector): void {
  const rows = (W: Matrix, name: string, cols: number): void => {
    if (W.length === 0 || W.some((r) => r.length !== cols)) {
      throw new ArgumentError(`${name} must have at least one row and ${cols} columns in every row (one per input of the layer).`);
    }
  };
  rows(net.W2, 'W2', x.length);
  rows(net.W3, 'W3', net.W2.length);
  if (net.b2.length !== net.W2.length || net.b3.length !== net.W3.length) {
    throw new ArgumentError(
      `b2 has ${net.b2.length} entries for ${net.W2.length} hidden units and b3 ${net.b3.length} for ${net.W3.length} outputs: one bias per unit.`,
    );
  }
  if (y !== undefined) {
    if (y.length !== net.W3.length) {
      throw new ArgumentError(`y has ${y.length} entries but the network has ${net.W3.length} outputs: one target per output.`);
    }
    if (y.some((t) => !(t >= 0 && t <= 1))) {
      throw new ArgumentError(`y = [${y.join(', ')}] is not allowed: binary cross-entropy needs every target in [0, 1].`);
    }
  }
}

// ---- part 3 (5 pts) ---------------------------------------------------------------------------

/** The forward pass: z² = W²x + b², a² = f(z²), z³ = W³a² + b³, a³ = σ(z³). */
export function forward(net: TwoLayerNet, x: Vector, hidden: Activation = sigmoid): ForwardPass {
  checkShapes(net, x);
  // BEGIN SOLUTION
  const z2 = matVec(net.W2, x).map((s, j) => s + net.b2[j]!);
  const a2 = z2.map(hidden.f);
  const z3 = matVec(net.W3, a2).map((s, j) => s + net.b3[j]!);
  const a3 = z3.map(logistic);
  return { z2, a2, z3, a3 };
  // END SOLUTION
}

/**
 * Back-propagation for one example (x, y):
 *   δ³ = ∂C/∂z³ = a³ − y (sigmoid output with binary cross-entropy: see README),
 *   δ² = (W³ᵀδ³) ⊙ f′(z²),
 *   ∂C/∂W³ = δ³(a²)ᵀ, ∂C/∂b³ = δ³, ∂C/∂W² = δ²xᵀ, ∂C/∂b² = δ²,
 *   ∂C/∂x = W²ᵀδ² — the input went through no activation, so there is no f′ factor here.
 */
export function backward(net: TwoLayerNet, x: Vector, y: Vector, hidden: Activation = sigmoid): Gradients {
  checkShapes(net, x, y);
  // BEGIN SOLUTION
  const { z2, a2, a3 } = forward(net, x, hidden);
  const delta3 = a3.map((a, k) => a - y[k]!);
  const delta2 = matTVec(net.W3, delta3).map((s, j) => s * hidden.df(z2[j]!));
  return {
    delta3,
    delta2,
    dW3: outer(delta3, a2),
    db3: [...delta3],
    dW2: outer(delta2, x),
    db2: [...delta2],
    dx: matTVec(net.W2, delta2),
  };
  // END SOLUTION
}

// ---- part 4 (2 pts) ---------------------------------------------------------------------------

/**
 * δ = ∂C/∂z for a softmax output a = softmax(z) and the cross-entropy C = −Σᵢ yᵢ ln aᵢ, with y a
 * probability vector (one-hot, or any entries ≥ 0 summing to 1): δ = a − y. Compute the softmax
 * stably (no NaN or Infinity for z = 1000).
 */
export function softmaxCrossEntropyDelta(z: Vector, y: Vector): Vector {
  if (z.length !== y.length || z.length === 0) {
    throw new ArgumentError(`z has ${z.length} logits and y ${y.length} targets: they must have the same, non-zero length (one per class).`);
  }
  if (y.some((t) => !(t >= 0 && t <= 1))) {
    throw new ArgumentError(`y = [${y.join(', ')}] is not allowed: the targets are probabilities, each in [0, 1].`);
  }
  // BEGIN SOLUTION
  const top = Math.max(...z);
  const e = z.map((v) => Math.exp(v - top));
  const total = e.reduce((s, v) => s + v, 0);
  return e.map((v, i) => v / total - y[i]!);
  // END SOLUTION
}

export interface LinearGradients {
  /** δˡ for every layer, the first layer's first: deltas[l] goes with weights[l]. */
  deltas: Vector[];
  /** ∂C/∂Wˡ = δˡ(aˡ⁻¹)ᵀ, with a⁰ = x. */
  dW: Matrix[];
  /** ∂C/∂x = (W¹)ᵀδ¹. */
  dx: Vector;
}

/**
 * Back-propagation through a network of identity activations, aˡ = Wˡaˡ⁻¹ + bˡ (biases do not change
 * any δ, so they are left out), for a cost whose gradient at the output is `gradOut` = ∇ₐC:
 *   δᴸ = ∇ₐC,  δˡ = (Wˡ⁺¹)ᵀδˡ⁺¹,  ∂C/∂Wˡ = δˡ(aˡ⁻¹)ᵀ,  ∂C/∂x = (W¹)ᵀδ¹.
 * `weights[0]` is W¹, applied to x first.
 */
export function linearNetworkGradients(weights: Matrix[], x: Vector, gradOut: Vector): LinearGradients {
  if (weights.length === 0) throw new ArgumentError('weights is empty: the network needs at least one layer.');
  let width = x.length;
  for (const [l, W] of weights.entries()) {
    if (W.length === 0 || W.some((r) => r.length !== width)) {
      throw new ArgumentError(`weights[${l}] must have ${width} columns in every row (the width of the layer before it).`);
    }
    width = W.length;
  }
  if (gradOut.length !== width) {
    throw new ArgumentError(`gradOut has ${gradOut.length} entries but the last layer has ${width} outputs.`);
  }
  // BEGIN SOLUTION
  const acts = [x];
  for (const W of weights) acts.push(matVec(W, acts.at(-1)!));
  const deltas: Vector[] = new Array<Vector>(weights.length);
  let delta = [...gradOut];
  for (let l = weights.length - 1; l >= 0; l--) {
    deltas[l] = delta;
    delta = matTVec(weights[l]!, delta);
  }
  return { deltas, dW: deltas.map((d, l) => outer(d, acts[l]!)), dx: delta };
  // END SOLUTION
}
