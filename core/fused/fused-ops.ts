/**
 * The fused ops' public functions. Each runs its fused kernel when the active backend has it (wasm and cpu,
 * after initBackend) and otherwise composes the same function from tfjs ops (e.g. on tfjs-node), so models
 * call these on any backend. Gradients: core/fused/fused-gradients.ts (kernels), tfjs' own (composites).
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, JS_BEATS_WASM } from './kernel-names.js';
import { nativeFusedCompute } from './fused-compute.js';

/**
 * Whether to run the fused kernel: it is registered on the active backend, the inputs are float32 (other dtypes
 * go the composite way, tfjs ops cast as usual), and on wasm without the native addon, its JS loops beat tfjs'
 * own kernels (JS_BEATS_WASM).
 */
function hasKernel(name: string, ...xs: tf.Tensor[]): boolean {
  const backend = tf.getBackend();
  if (!xs.every((x) => x.dtype === 'float32') || tf.getKernel(name, backend) === undefined) return false;
  return backend !== 'wasm' || JS_BEATS_WASM.has(name) || nativeFusedCompute() !== undefined;
}

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs);
}

/** Exact GELU as PyTorch's default: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
export function fusedGelu<T extends tf.Tensor>(x: T): T {
  return (hasKernel(FUSED.gelu, x) ? run(FUSED.gelu, { x }) : compositeGelu(x)) as T;
}

export function compositeGelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))) as T;
}

/** SiLU (swish): x sigmoid(x). */
export function fusedSilu<T extends tf.Tensor>(x: T): T {
  return (hasKernel(FUSED.silu, x) ? run(FUSED.silu, { x }) : compositeSilu(x)) as T;
}

export function compositeSilu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x))) as T;
}

/** elu(x) + 1 (alpha 1), the positive feature map of MILA's linear attention. */
export function fusedEluPlusOne<T extends tf.Tensor>(x: T): T {
  return (hasKernel(FUSED.eluPlusOne, x) ? run(FUSED.eluPlusOne, { x }) : tf.tidy(() => tf.add(tf.elu(x), 1))) as T;
}

/** nn.LayerNorm over the last axis: (x - mean) / sqrt(biased var + eps) * weight + bias. */
export function fusedLayerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): T {
  if (x.shape[x.rank - 1] !== weight.shape[0] || bias.shape[0] !== weight.shape[0]) {
    throw new Error(`core/fused: LayerNorm of ${weight.shape[0]} channels got an input of shape [${x.shape.join(', ')}]`);
  }
  return (hasKernel(FUSED.layerNorm, x, weight, bias) ? run(FUSED.layerNorm, { x, weight, bias }, { eps }) : compositeLayerNorm(x, weight, bias, eps)) as T;
}

export function compositeLayerNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, bias: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(xhat, weight), bias);
  }) as T;
}

export interface EluRopeResult {
  /** elu(x) + 1 of the first half of the channels: [b, h, w, c]. */
  q: tf.Tensor4D;
  /** elu(x) + 1 of the second half: [b, h, w, c]. */
  k: tf.Tensor4D;
  /** RoPE(q), head-major: [b * heads, h * w, c / heads]. */
  qRope: tf.Tensor3D;
  /** RoPE(k), head-major: [b * heads, h * w, c / heads]. */
  kRope: tf.Tensor3D;
  /** k averaged over positions: [b, c]. */
  kMean: tf.Tensor2D;
}

/**
 * q, k = elu(x) + 1 (x: [b, h, w, 2c], q then k), both rotated by RoPE — channel pair p at a position
 * turns by that position's angle (cos, sin: [h, w, c/2]) — into the per-head layout the attention's matmuls
 * use, and mean(k) over positions (the normaliser's).
 */
export function fusedEluRope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor, heads: number): EluRopeResult {
  const [b, h, w, c2] = x.shape;
  if (c2 % 4 !== 0 || cos.size !== h * w * (c2 / 4) || sin.size !== cos.size || (c2 / 2) % heads !== 0) {
    throw new Error(`core/fused: eluRope needs x [b, h, w, 2c] with c even and divisible by ${heads} heads and tables of h*w*c/2; got x [${x.shape.join(', ')}], table of ${cos.size}`);
  }
  // The kernels rotate pairs within a head, so they need an even head dimension (MILA's always is).
  if (!hasKernel(FUSED.eluRope, x, cos, sin) || (c2 / 2 / heads) % 2 !== 0) return compositeEluRope(x, cos, sin, heads);
  const [q, k, qRope, kRope, kMean] = run(FUSED.eluRope, { x, cos, sin }, { heads }) as tf.Tensor[];
  return { q: q as tf.Tensor4D, k: k as tf.Tensor4D, qRope: qRope as tf.Tensor3D, kRope: kRope as tf.Tensor3D, kMean: kMean as tf.Tensor2D };
}

/** [b, h, w, c] -> [b * heads, h * w, c / heads]. */
export function toHeads(t: tf.Tensor4D, heads: number): tf.Tensor3D {
  const [b, h, w, c] = t.shape;
  const n = h * w;
  if (heads === 1) return tf.reshape(t, [b, n, c]);
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(t, [b, n, heads, c / heads]), [0, 2, 1, 3]), [b * heads, n, c / heads]));
}

/**
 * Without the kernel: t * cos + swapPairs(t) * signedSin over q|k at once (the pair swap is a Reverse on a
 * [-1, 2] view; splitting even and odd channels instead is a strided SplitV, ~100x slower on wasm).
 */
export function compositeEluRope(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor, heads: number): EluRopeResult {
  const [b, h, w, c2] = x.shape;
  const c = c2 / 2;
  return tf.tidy(() => {
    const qk = tf.add(tf.elu(x), 1);
    // Per-channel tables for q|k: each pair's cos on both channels, -sin on the even one and +sin on the odd.
    const expand = (t: tf.Tensor) => tf.tile(tf.reshape(t, [h, w, 1, c / 2, 1]), [1, 1, 2, 1, 2]);
    const cosFull = tf.reshape(expand(cos), [h, w, c2]);
    // The sign flip on a [-1, 2] view: a rank-5 multiply with a broadcast operand is invalid WGSL in tfjs-backend-webgpu 4.22.
    const sinFull = tf.reshape(tf.mul(tf.reshape(expand(sin), [-1, 2]), tf.tensor1d([-1, 1])), [h, w, c2]);
    const swapped = tf.reshape(tf.reverse(tf.reshape(qk, [-1, 2]), 1), [b, h, w, c2]);
    const rotated = tf.add(tf.mul(qk, cosFull), tf.mul(swapped, sinFull));
    const [q, k] = tf.split(qk, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const [qr, kr] = tf.split(rotated, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const kMean = tf.reshape(tf.mean(k, [1, 2]), [b, c]) as tf.Tensor2D;
    return { q, k, qRope: toHeads(qr, heads), kRope: toHeads(kr, heads), kMean };
  });
}

/**
 * The linear attention's output: y[b, n, head] = o[b, head, n] * z + lepe[b, n, head], with the normaliser
 * z = 1 / (q[b, n, head] . kMean[b, head] + 1e-6), times silu(gate) if a gate is given (the MILA block's gating).
 * o: [b * heads, n, d]; q, lepe, gate: [b, h, w, c]; kMean: [b, c].
 */
export function fusedAttnOutput(o: tf.Tensor3D, q: tf.Tensor4D, kMean: tf.Tensor2D, lepe: tf.Tensor4D, heads: number, gate?: tf.Tensor4D): tf.Tensor4D {
  const [b, , , c] = q.shape;
  if (o.size !== q.size || o.shape[0] !== b * heads || kMean.size !== b * c || lepe.size !== q.size || (gate !== undefined && gate.size !== q.size)) {
    throw new Error(`core/fused: attnOutput shapes do not agree: o [${o.shape.join(', ')}], q [${q.shape.join(', ')}], kMean [${kMean.shape.join(', ')}], lepe [${lepe.shape.join(', ')}], ${heads} heads${gate ? `, gate [${gate.shape.join(', ')}]` : ''}`);
  }
  if (gate === undefined) {
    if (hasKernel(FUSED.attnOutput, o, q, kMean, lepe)) return run(FUSED.attnOutput, { o, q, kMean, lepe }, { heads }) as tf.Tensor4D;
    return compositeAttnOutput(o, q, kMean, lepe, heads);
  }
  if (hasKernel(FUSED.gatedAttnOutput, o, q, kMean, lepe, gate)) return run(FUSED.gatedAttnOutput, { o, q, kMean, lepe, gate }, { heads }) as tf.Tensor4D;
  return tf.tidy(() => tf.mul(compositeAttnOutput(o, q, kMean, lepe, heads), compositeSilu(gate)));
}

export function compositeAttnOutput(o: tf.Tensor3D, q: tf.Tensor4D, kMean: tf.Tensor2D, lepe: tf.Tensor4D, heads: number): tf.Tensor4D {
  const [b, h, w, c] = q.shape;
  return tf.tidy(() => {
    const n = h * w;
    const d = c / heads;
    const qDotK = tf.sum(tf.reshape(tf.mul(q, tf.reshape(kMean, [b, 1, 1, c])), [b, n, heads, d]), 3, true);
    const z = tf.reciprocal(tf.add(qDotK, 1e-6));
    const out = heads === 1 ? tf.reshape(o, [b, n, 1, d]) : tf.transpose(tf.reshape(o, [b, heads, n, d]), [0, 2, 1, 3]);
    return tf.add(tf.reshape(tf.mul(out, z), [b, h, w, c]), lepe) as tf.Tensor4D;
  });
}

/**
 * -log softmax(logits)[label] per row (logits [rows, classes], labels [rows]); rows labelled `ignoreIndex` (or
 * outside [0, classes)) give 0. The fused kernel keeps no logit-sized intermediate; the composite is the
 * log-softmax times a one-hot.
 */
export function fusedSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, ignoreIndex: number): tf.Tensor1D {
  return withInt32Labels(labels, (intLabels) =>
    hasKernel(FUSED.softmaxCrossEntropy, logits)
      ? (run(FUSED.softmaxCrossEntropy, { logits, labels: intLabels }, { ignoreIndex }) as tf.Tensor1D)
      : compositeSoftmaxCrossEntropy(logits, intLabels, ignoreIndex),
  );
}

export function compositeSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, ignoreIndex: number): tf.Tensor1D {
  return tf.tidy(() => {
    const classes = logits.shape[1];
    const { counted, oneHot } = countedOneHot(labels, classes, ignoreIndex);
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits, -1), oneHot), -1);
    return tf.mul(tf.neg(picked), tf.cast(counted, 'float32')) as tf.Tensor1D;
  });
}

/** The gradient of fusedSoftmaxCrossEntropy for the logits, given the gradient `dNll` [rows] of its output. */
export function fusedSoftmaxCrossEntropyGrad(logits: tf.Tensor2D, labels: tf.Tensor1D, dNll: tf.Tensor1D, ignoreIndex: number): tf.Tensor2D {
  return withInt32Labels(labels, (intLabels) => {
    if (hasKernel(FUSED.softmaxCrossEntropyGrad, logits, dNll)) {
      return run(FUSED.softmaxCrossEntropyGrad, { logits, labels: intLabels, dy: dNll }, { ignoreIndex }) as tf.Tensor2D;
    }
    return tf.tidy(() => {
      const { counted, oneHot } = countedOneHot(intLabels, logits.shape[1], ignoreIndex);
      const g = tf.mul(dNll, tf.cast(counted, 'float32'));
      return tf.mul(tf.sub(tf.softmax(logits, -1), oneHot), tf.expandDims(g, 1)) as tf.Tensor2D;
    });
  });
}

/** `f` of the labels as int32 (a cast is made and freed when they are not). */
function withInt32Labels<R>(labels: tf.Tensor1D, f: (intLabels: tf.Tensor1D) => R): R {
  const intLabels = labels.dtype === 'int32' ? labels : (tf.cast(labels, 'int32') as tf.Tensor1D);
  try {
    return f(intLabels);
  } finally {
    if (intLabels !== labels) intLabels.dispose();
  }
}

/**
 * Which rows count (label neither ignoreIndex nor outside [0, classes)) and the one-hot of the labels, class 0
 * standing in on the other rows (callers zero those rows with `counted`).
 */
function countedOneHot(labels: tf.Tensor1D, classes: number, ignoreIndex: number): { counted: tf.Tensor1D; oneHot: tf.Tensor2D } {
  const counted = tf.logicalAnd(tf.notEqual(labels, ignoreIndex), tf.logicalAnd(tf.greaterEqual(labels, 0), tf.less(labels, classes))) as tf.Tensor1D;
  return { counted, oneHot: tf.oneHot(tf.where(counted, labels, tf.zerosLike(labels)), classes) as tf.Tensor2D };
}
