import * as tf from '@tensorflow/tfjs-core';

/** One input of a case: its shape and the distribution its random values come from. */
export interface InputSpec {
  shape: number[];
  /** normal (default), positive (0.5..2: sqrt/log/pow bases), int (indices in [0, max)), bool. */
  kind?: 'normal' | 'positive' | 'int' | 'bool';
  max?: number;
}

/** An op our models use, applied to random inputs; gradients are taken w.r.t. every float input. */
export interface OpCase {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: tf.Tensor[]) => tf.Tensor;
  /** tfjs-core has no gradient for this op on any backend: compare the forward only. */
  forwardOnly?: string;
}

const t4 = (x: tf.Tensor) => x as tf.Tensor4D;
const ep: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [2, 0], [0, 0]];

/** Every op the MILA backbone, Mask R-CNN and UperNet use (RoIAlign aside: it is its own code). */
export const OP_CASES: OpCase[] = [
  { name: 'conv2d 3x3 same', inputs: [{ shape: [2, 7, 8, 3] }, { shape: [3, 3, 3, 5] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2d 1x1', inputs: [{ shape: [2, 5, 6, 4] }, { shape: [1, 1, 4, 6] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'valid') },
  { name: 'conv2d 3x3 stride 2 same', inputs: [{ shape: [1, 9, 8, 4] }, { shape: [3, 3, 4, 3] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same') },
  { name: 'conv2d 4x4 stride 4 valid (patch embed)', inputs: [{ shape: [1, 8, 12, 3] }, { shape: [4, 4, 3, 6] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 4, 'valid') },
  { name: 'conv2d 3x3 explicit padding', inputs: [{ shape: [2, 6, 7, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, ep) },
  { name: 'conv2d 3x3 stride 2 explicit padding 1', inputs: [{ shape: [1, 8, 9, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, [[0, 0], [1, 1], [1, 1], [0, 0]]) },
  {
    name: 'conv2d 3x3 dilation 2', inputs: [{ shape: [1, 9, 9, 3] }, { shape: [3, 3, 3, 4] }],
    fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same', 'NHWC', 2),
    forwardOnly: 'tfjs-core asserts dilation 1 in the gradient of conv2d',
  },
  { name: 'conv2d 2x2 stride 2 valid, odd size (leftover row/column)', inputs: [{ shape: [2, 7, 9, 3] }, { shape: [2, 2, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'conv2d 1x1 explicit padding 1 (negative transposed padding)', inputs: [{ shape: [1, 4, 5, 3] }, { shape: [1, 1, 3, 2] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, [[0, 0], [1, 1], [1, 1], [0, 0]]) },
  { name: 'conv2dTranspose 4x4 stride 2 same (overlapping)', inputs: [{ shape: [1, 4, 5, 6] }, { shape: [4, 4, 3, 6] }], fn: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [1, 8, 10, 3], 2, 'same') },
  { name: 'depthwise 3x3 same', inputs: [{ shape: [2, 7, 6, 5] }, { shape: [3, 3, 5, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same') },
  { name: 'depthwise 3x3 multiplier 2 stride 2', inputs: [{ shape: [1, 9, 8, 3] }, { shape: [3, 3, 3, 2] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 2, 'same') },
  { name: 'depthwise 5x3 explicit padding', inputs: [{ shape: [1, 8, 7, 4] }, { shape: [5, 3, 4, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, ep) },
  { name: 'depthwise 3x3 stride 2 valid multiplier 3', inputs: [{ shape: [2, 7, 7, 2] }, { shape: [3, 3, 2, 3] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), [2, 1], 'valid') },
  { name: 'conv2dTranspose 2x2 stride 2', inputs: [{ shape: [2, 4, 5, 6] }, { shape: [2, 2, 3, 6] }], fn: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [2, 8, 10, 3], 2, 'valid') },
  { name: 'matMul', inputs: [{ shape: [5, 7] }, { shape: [7, 4] }], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D) },
  { name: 'matMul transposeA/B', inputs: [{ shape: [7, 5] }, { shape: [4, 7] }], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, true) },
  { name: 'batchMatMul', inputs: [{ shape: [2, 3, 5, 6] }, { shape: [2, 3, 6, 4] }], fn: (a, b) => tf.matMul(a, b) },
  { name: 'batchMatMul transposeB (attention scores)', inputs: [{ shape: [2, 5, 4] }, { shape: [2, 6, 4] }], fn: (a, b) => tf.matMul(a, b, false, true) },
  {
    name: 'batchMatMul broadcast', inputs: [{ shape: [2, 3, 5, 6] }, { shape: [3, 6, 4] }], fn: (a, b) => tf.matMul(a, b),
    forwardOnly: 'tfjs-core BatchMatMul gradient does not reduce broadcast batch dims (fails on every backend)',
  },
  { name: 'fused matMul + bias', inputs: [{ shape: [6, 5] }, { shape: [5, 3] }, { shape: [3] }], fn: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }) },
  { name: 'fused matMul + bias + relu', inputs: [{ shape: [6, 5] }, { shape: [5, 3] }, { shape: [3] }], fn: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }) },
  // Shapes above core/kernels/batch-matmul.ts's split threshold (65,536 multiply-adds per matrix), so its fast paths run.
  { name: 'batchMatMul split transposeA (k^T v per head)', inputs: [{ shape: [3, 300, 16] }, { shape: [3, 300, 16] }], fn: (a, b) => tf.matMul(a, b, true, false) },
  { name: 'batchMatMul split (q kv per head)', inputs: [{ shape: [2, 3, 260, 16] }, { shape: [2, 3, 16, 20] }], fn: (a, b) => tf.matMul(a, b) },
  { name: 'batchMatMul split transposeA+B', inputs: [{ shape: [3, 60, 40] }, { shape: [3, 30, 60] }], fn: (a, b) => tf.matMul(a, b, true, true) },
  { name: 'matMul 2-d transposeB large', inputs: [{ shape: [70, 48] }, { shape: [36, 48] }], fn: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true) },
  {
    name: 'batchMatMul split, broadcast 2-d b', inputs: [{ shape: [2, 3, 40, 16] }, { shape: [24, 16] }], fn: (a, b) => tf.matMul(a, b, false, true),
    forwardOnly: 'tfjs-core BatchMatMul gradient does not reduce broadcast batch dims (fails on every backend)',
  },
  { name: 'fused matMul + bias + elu, large', inputs: [{ shape: [80, 48] }, { shape: [48, 40] }, { shape: [40] }], fn: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'elu' }) },
  { name: 'fused matMul batched transposeB + bias + sigmoid', inputs: [{ shape: [3, 100, 24] }, { shape: [3, 30, 24] }, { shape: [30] }], fn: (a, b, c) => tf.fused.matMul({ a: a as tf.Tensor3D, b: b as tf.Tensor3D, bias: c, transposeB: true, activation: 'sigmoid' }) },
  { name: 'reverse channel pairs (RoPE swap)', inputs: [{ shape: [2, 3, 4, 8] }], fn: (x) => tf.reshape(tf.reverse(tf.reshape(x, [-1, 2]), 1), [2, 3, 4, 8]) },
  { name: 'reverse axes 0 and 2', inputs: [{ shape: [2, 3, 4, 5] }], fn: (x) => tf.reverse(x, [0, 2]) },
  { name: 'reverse outer axis only', inputs: [{ shape: [4, 3, 5] }], fn: (x) => tf.reverse(x, 1) },
  { name: 'erf wide range', inputs: [{ shape: [300] }], fn: (x) => tf.erf(tf.mul(x, 3)) },
  { name: 'gather axis 0', inputs: [{ shape: [6, 4] }, { shape: [9], kind: 'int', max: 6 }], fn: (x, i) => tf.gather(x, i as tf.Tensor1D, 0) },
  { name: 'gather axis 1 (2-d indices)', inputs: [{ shape: [3, 5, 2] }, { shape: [2, 3], kind: 'int', max: 5 }], fn: (x, i) => tf.gather(x, i, 1) },
  { name: 'erf', inputs: [{ shape: [4, 6] }], fn: (x) => tf.erf(x) },
  { name: 'elu', inputs: [{ shape: [4, 6] }], fn: (x) => tf.elu(x) },
  { name: 'relu', inputs: [{ shape: [4, 6] }], fn: (x) => tf.relu(x) },
  { name: 'sigmoid', inputs: [{ shape: [4, 6] }], fn: (x) => tf.sigmoid(x) },
  { name: 'softmax', inputs: [{ shape: [3, 7] }], fn: (x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: [{ shape: [3, 7] }], fn: (x) => tf.logSoftmax(x) },
  { name: 'resizeBilinear up, halfPixelCenters', inputs: [{ shape: [1, 4, 5, 3] }], fn: (x) => tf.image.resizeBilinear(t4(x), [9, 7], false, true) },
  { name: 'resizeBilinear up, no halfPixelCenters', inputs: [{ shape: [1, 4, 5, 3] }], fn: (x) => tf.image.resizeBilinear(t4(x), [9, 7], false, false) },
  { name: 'resizeBilinear down, halfPixelCenters', inputs: [{ shape: [2, 9, 8, 2] }], fn: (x) => tf.image.resizeBilinear(t4(x), [4, 3], false, true) },
  { name: 'resizeNearestNeighbor up x2', inputs: [{ shape: [1, 3, 4, 2] }], fn: (x) => tf.image.resizeNearestNeighbor(t4(x), [6, 8], false, false) },
  { name: 'resizeNearestNeighbor halfPixelCenters', inputs: [{ shape: [1, 5, 4, 2] }], fn: (x) => tf.image.resizeNearestNeighbor(t4(x), [7, 9], false, true) },
  { name: 'maxPool 2x2 stride 2', inputs: [{ shape: [1, 6, 8, 3] }], fn: (x) => tf.maxPool(t4(x), 2, 2, 'valid') },
  { name: 'maxPool 1x1 stride 2 (FPN extra level)', inputs: [{ shape: [1, 7, 6, 3] }], fn: (x) => tf.maxPool(t4(x), 1, 2, 'valid') },
  { name: 'avgPool 3x3 stride 2 same', inputs: [{ shape: [1, 7, 8, 3] }], fn: (x) => tf.avgPool(t4(x), 3, 2, 'same') },
  { name: 'avgPool 2x2 valid', inputs: [{ shape: [2, 6, 6, 2] }], fn: (x) => tf.avgPool(t4(x), 2, 2, 'valid') },
  { name: 'pad', inputs: [{ shape: [1, 3, 4, 2] }], fn: (x) => tf.pad(x, [[0, 0], [1, 2], [0, 3], [0, 0]]) },
  { name: 'slice', inputs: [{ shape: [2, 5, 6, 3] }], fn: (x) => tf.slice(x, [0, 1, 2, 0], [2, 3, 3, 2]) },
  {
    name: 'stridedSlice', inputs: [{ shape: [1, 6, 8, 3] }], fn: (x) => tf.stridedSlice(x, [0, 1, 0, 0], [1, 6, 8, 3], [1, 2, 2, 1]),
    forwardOnly: 'tfjs-core has no StridedSlice gradient on any backend',
  },
  { name: 'stridedSlice negative stride, masks, shrink', inputs: [{ shape: [3, 7, 5] }], fn: (x) => tf.stridedSlice(x, [0, -1, 1], [0, 0, 5], [1, -2, 2], 1, 1, 0, 0, 0), forwardOnly: 'tfjs-core has no StridedSlice gradient on any backend' },
  { name: 'concat', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 3, 2] }], fn: (a, b) => tf.concat([a, b], -1) },
  { name: 'tile', inputs: [{ shape: [2, 3] }], fn: (x) => tf.tile(x, [3, 2]) },
  { name: 'transpose', inputs: [{ shape: [2, 3, 4, 5] }], fn: (x) => tf.transpose(x, [0, 2, 1, 3]) },
  { name: 'mean', inputs: [{ shape: [2, 5, 6] }], fn: (x) => tf.mean(x, [1], true) },
  { name: 'sum', inputs: [{ shape: [2, 5, 6] }], fn: (x) => tf.sum(x, -1) },
  { name: 'max', inputs: [{ shape: [3, 7] }], fn: (x) => tf.max(x, 1) },
  { name: 'where', inputs: [{ shape: [4, 5], kind: 'bool' }, { shape: [4, 5] }, { shape: [4, 5] }], fn: (c, a, b) => tf.where(c as tf.Tensor, a, b) },
  { name: 'clipByValue', inputs: [{ shape: [4, 6] }], fn: (x) => tf.clipByValue(x, -0.5, 0.7) },
  { name: 'abs', inputs: [{ shape: [4, 6] }], fn: (x) => tf.abs(x) },
  { name: 'sqrt', inputs: [{ shape: [4, 6], kind: 'positive' }], fn: (x) => tf.sqrt(x) },
  { name: 'rsqrt', inputs: [{ shape: [4, 6], kind: 'positive' }], fn: (x) => tf.rsqrt(x) },
  { name: 'pow', inputs: [{ shape: [4, 6], kind: 'positive' }, { shape: [4, 6] }], fn: (a, b) => tf.pow(a, b) },
  { name: 'exp', inputs: [{ shape: [4, 6] }], fn: (x) => tf.exp(x) },
  { name: 'log', inputs: [{ shape: [4, 6], kind: 'positive' }], fn: (x) => tf.log(x) },
  { name: 'cumsum', inputs: [{ shape: [3, 8] }], fn: (x) => tf.cumsum(x, 1) },
  { name: 'cumsum exclusive reverse', inputs: [{ shape: [3, 8] }], fn: (x) => tf.cumsum(x, 1, true, true) },
  {
    name: 'batchNorm', inputs: [{ shape: [2, 3, 4, 5] }, { shape: [5] }, { shape: [5], kind: 'positive' }, { shape: [5] }, { shape: [5] }],
    fn: (x, m, v, o, s) => tf.batchNorm(x, m, v, o, s, 1e-5),
  },
  {
    name: 'moments (layer norm)', inputs: [{ shape: [2, 6, 8] }],
    fn: (x) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    },
  },
  { name: 'moments over batch (BN training)', inputs: [{ shape: [3, 4, 4, 5] }], fn: (x) => tf.moments(x, [0, 1, 2]).variance },
  { name: 'div / mul / sub / add broadcast', inputs: [{ shape: [3, 4] }, { shape: [4], kind: 'positive' }], fn: (a, b) => tf.div(tf.add(tf.mul(a, b), 1), tf.mul(b, tf.sub(b, -3))) },
  { name: 'squaredDifference', inputs: [{ shape: [3, 4] }, { shape: [3, 4] }], fn: (a, b) => tf.squaredDifference(a, b) },
  {
    name: 'squaredDifference broadcast', inputs: [{ shape: [3, 4] }, { shape: [4] }], fn: (a, b) => tf.squaredDifference(a, b),
    forwardOnly: 'tfjs-core SquaredDifference gradient does not reduce broadcast dims (fails on every backend)',
  },
];
