/**
 * Exercise 11, part 2 — a linear autoencoder is PCA in disguise.
 *
 * Take away every activation and the autoencoder computes x̂ = W_d (W_e x + b_e) + b_d, an affine map
 * through a k-dimensional space. The best such map (least squares) projects the centred data onto the
 * span of the top-k eigenvectors of its covariance, the principal subspace; the biases take care of the
 * mean. Gradient descent finds that subspace but not the eigenvectors themselves: any invertible k × k
 * mix of them reconstructs equally well. So the comparison is between subspaces, by their principal
 * angles, never between vectors.
 */
import { EigenvalueDecomposition, Matrix, SingularValueDecomposition } from 'ml-matrix';
import { ArgumentError } from '#kit/errors';
import { Rng } from '#kit/rng';
import { tf } from '#kit/tf';
import { checkExamples, type Examples } from '#kit/train';
import { checkSeed, checkUnits, PIXELS, uniqueName, type Autoencoder } from './latent.ts';

export interface LinearAeOptions {
  seed: number;
  /** Units of the bottleneck, k. */
  code: number;
  /** Pixels per image; default 784. */
  inputSize?: number;
}

/**
 * x (inputSize) → Dense code, no activation → Dense inputSize, no activation. Both layers keep their
 * biases (the decoder's bias is where the data's mean goes). Glorot-uniform kernels seeded from
 * `new Rng(seed)`, one `rng.seed()` per layer, as in `buildDenseAe`; the same three models.
 */
export function buildLinearAe(options: LinearAeOptions): Autoencoder {
  const { seed, code, inputSize = PIXELS } = options;
  checkSeed('buildLinearAe', seed);
  checkUnits('buildLinearAe', 'code', code, 'units of the bottleneck');
  checkUnits('buildLinearAe', 'inputSize', inputSize, 'pixels per image');
  const rng = new Rng(seed);
  // BEGIN SOLUTION
  const encode = tf.layers.dense({ units: code, name: uniqueName('linear_code'), kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }) });
  const decode = tf.layers.dense({ units: inputSize, name: uniqueName('linear_pixels'), kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }) });
  const x = tf.input({ shape: [inputSize] });
  const z = tf.input({ shape: [code] });
  const codeOf = encode.apply(x) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: x, outputs: decode.apply(codeOf) as tf.SymbolicTensor, name: uniqueName('linear_ae') }),
    encoder: tf.model({ inputs: x, outputs: codeOf, name: uniqueName('linear_encoder') }),
    decoder: tf.model({ inputs: z, outputs: decode.apply(z) as tf.SymbolicTensor, name: uniqueName('linear_decoder') }),
  };
  // END SOLUTION
}

/**
 * The image-space directions the decoder can draw: the rows of its last layer's kernel. A code c
 * becomes c · W + b, so the reconstructions minus b lie in the span of W's k rows (each `inputSize`
 * long). Return them as k Float64Arrays.
 */
export function decoderDirections(ae: Autoencoder): Float64Array[] {
  const last = ae.decoder.layers.at(-1);
  const kernel = last?.getWeights()[0];
  if (kernel === undefined || kernel.rank !== 2) {
    throw new ArgumentError('decoderDirections: the decoder must end in a Dense layer (its kernel is k × pixels); build it with buildLinearAe.');
  }
  // BEGIN SOLUTION
  const [k, n] = kernel.shape as [number, number];
  const w = kernel.dataSync();
  return Array.from({ length: k }, (_, r) => Float64Array.from(w.subarray(r * n, (r + 1) * n)));
  // END SOLUTION
}

/** The top-k principal subspace of a data set. */
export interface Pca {
  /** The mean image. */
  mean: Float64Array;
  /** k unit eigenvectors of the covariance, the largest eigenvalue first. */
  components: Float64Array[];
  /** Their eigenvalues (the variance along each), largest first. */
  variances: number[];
}

/**
 * PCA of `images` (count × features): the mean μ, the covariance C = (1/n) Σᵢ (xᵢ − μ)(xᵢ − μ)ᵀ
 * (features × features), its eigen-decomposition (`EigenvalueDecomposition` from ml-matrix with
 * `{ assumeSymmetric: true }`; about 5–10 s for 784 × 784) and the k eigenvectors with the largest
 * eigenvalues, sorted largest first. Centring first is the whole point: without it the top direction is
 * the mean image, not a direction of variation.
 */
export function pca(images: Examples, k: number): Pca {
  checkExamples('pca: the images', images);
  checkUnits('pca', 'k', k, 'principal components to keep');
  if (k > images.features) throw new ArgumentError(`pca: k = ${String(k)} components asked of ${String(images.features)}-dimensional data; k can be at most ${String(images.features)}.`);
  // BEGIN SOLUTION
  const { x, count: n, features: d } = images;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const cov = tf.tidy(() => {
    const centred = tf.sub(tf.tensor2d(x, [n, d]), tf.tensor1d(Float32Array.from(mean)));
    return tf.div(tf.matMul(centred, centred, true, false), n);
  });
  const eig = new EigenvalueDecomposition(new Matrix(cov.arraySync() as number[][]), { assumeSymmetric: true });
  cov.dispose();
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!).slice(0, k);
  return {
    mean,
    components: order.map((i) => Float64Array.from(vectors.getColumn(i))),
    variances: order.map((i) => values[i]!),
  };
  // END SOLUTION
}

/** Throws an ArgumentError unless `vs` is a non-empty list of equally long, finite vectors. */
function checkVectors(fn: string, name: string, vs: readonly ArrayLike<number>[]): number {
  const list: unknown = vs;
  if (!Array.isArray(list) || vs.length === 0) throw new ArgumentError(`${fn}: ${name} must be a non-empty array of vectors (each an array of numbers).`);
  const n = vs[0]!.length;
  vs.forEach((v, i) => {
    if (v.length !== n || n === 0) throw new ArgumentError(`${fn}: ${name}[${String(i)}] has ${String(v.length)} numbers but ${name}[0] has ${String(n)}; all vectors must have one length ≥ 1.`);
    for (let j = 0; j < n; j++) if (!Number.isFinite(v[j])) throw new ArgumentError(`${fn}: ${name}[${String(i)}][${String(j)}] is ${String(v[j])}; the vectors must be finite.`);
  });
  return n;
}

/**
 * The principal angles between span(a) and span(b), in radians, smallest first: orthonormalise each
 * set (Gram–Schmidt, or the Q of a QR decomposition), then the singular values of Qaᵀ Qb are the
 * cosines of the angles (`SingularValueDecomposition` from ml-matrix). Two sets of k independent
 * vectors give k angles; 0 everywhere means the same subspace, π/2 a direction of one orthogonal to
 * the whole of the other. Throws an ArgumentError for vectors of different lengths, or a set that is
 * linearly dependent (it spans less than its count).
 */
export function principalAngles(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number[] {
  const n = checkVectors('principalAngles', 'a', a);
  if (checkVectors('principalAngles', 'b', b) !== n) throw new ArgumentError(`principalAngles: the vectors of a have ${String(n)} numbers and those of b ${String(b[0]!.length)}; both sets must live in one space.`);
  // BEGIN SOLUTION
  const qa = orthonormal(a, 'a');
  const qb = orthonormal(b, 'b');
  const cross = new Matrix(qa.length, qb.length);
  qa.forEach((u, i) => {
    qb.forEach((v, j) => {
      cross.set(i, j, dot(u, v));
    });
  });
  const cosines = new SingularValueDecomposition(cross, { autoTranspose: true }).diagonal;
  return cosines.map((c) => Math.acos(Math.min(1, Math.max(-1, c)))).sort((p, q) => p - q);
  // END SOLUTION
}

function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
}

/** Gram–Schmidt (twice, for round-off): an orthonormal basis of span(vs); throws if the vectors are dependent. */
function orthonormal(vs: readonly ArrayLike<number>[], name: string): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vs) {
    const u = Float64Array.from(v);
    const size = Math.sqrt(dot(u, u));
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const c = dot(u, q);
        for (let i = 0; i < u.length; i++) u[i]! -= c * q[i]!;
      }
    }
    const left = Math.sqrt(dot(u, u));
    if (!(left > 1e-10 * size) || size === 0) {
      throw new ArgumentError(`principalAngles: the vectors of ${name} are linearly dependent (vector ${String(basis.length + 1)} lies in the span of the ones before it), so they do not span ${String(vs.length)} dimensions.`);
    }
    basis.push(u.map((x) => x / left));
  }
  return basis;
}
