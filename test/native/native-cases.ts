import * as tf from '@tensorflow/tfjs-core';
import type { OpCase } from '../kernels/op-gradient-cases.js';

/** A case and the kernels that must have run natively for it (forward, and gradients unless forwardOnly). */
export interface NativeCase extends OpCase {
  kernels: string[];
}

const t2 = (x: tf.Tensor) => x as tf.Tensor2D;
const t4 = (x: tf.Tensor) => x as tf.Tensor4D;
const MM = ['BatchMatMul'];
const BROADCAST_GRAD = "tfjs-core's matMul gradient does not sum over broadcast batch dims (fails on the stock cpu backend too)";
const FMM = ['_FusedMatMul', 'BatchMatMul'];
const CONV = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
const FCONV = ['FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
const DW = ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'];

/** Odd sizes throughout, so every edge (partial register blocks, K and N blocks, stride phases) is hit. */
export const MATMUL_CASES: NativeCase[] = [
  { name: 'matMul 37x53 . 53x29', kernels: MM, inputs: [{ shape: [37, 53] }, { shape: [53, 29] }], fn: (a, b) => tf.matMul(t2(a), t2(b)) },
  { name: 'matMul transposeA', kernels: MM, inputs: [{ shape: [41, 13] }, { shape: [41, 22] }], fn: (a, b) => tf.matMul(t2(a), t2(b), true, false) },
  { name: 'matMul transposeB', kernels: MM, inputs: [{ shape: [19, 45] }, { shape: [35, 45] }], fn: (a, b) => tf.matMul(t2(a), t2(b), false, true) },
  { name: 'matMul transposeA and B', kernels: MM, inputs: [{ shape: [31, 9] }, { shape: [17, 31] }], fn: (a, b) => tf.matMul(t2(a), t2(b), true, true) },
  { name: 'matMul K = 300 (two K blocks), M = 250 (several row blocks)', kernels: MM, inputs: [{ shape: [250, 300] }, { shape: [300, 40] }], fn: (a, b) => tf.matMul(t2(a), t2(b)) },
  { name: 'matMul N = 2100 (two N blocks)', kernels: MM, inputs: [{ shape: [7, 20] }, { shape: [20, 2100] }], fn: (a, b) => tf.matMul(t2(a), t2(b)) },
  { name: 'matMul transposeA, K = 2500 (split over threads)', kernels: MM, inputs: [{ shape: [2500, 20] }, { shape: [2500, 12] }], fn: (a, b) => tf.matMul(t2(a), t2(b), true, false) },
  {
    name: 'fused matMul K = 0 + bias (output is the bias)', kernels: ['_FusedMatMul'], inputs: [{ shape: [3, 0] }, { shape: [0, 4] }, { shape: [4] }],
    fn: (a, b, c) => tf.fused.matMul({ a: t2(a), b: t2(b), bias: c }), forwardOnly: 'no gradient flows through an empty product',
  },
  { name: 'matMul 1x1 . 1x1', kernels: MM, inputs: [{ shape: [1, 1] }, { shape: [1, 1] }], fn: (a, b) => tf.matMul(t2(a), t2(b)) },
  { name: 'batchMatMul 3 x (17x33 . 33x19)', kernels: MM, inputs: [{ shape: [3, 17, 33] }, { shape: [3, 33, 19] }], fn: (a, b) => tf.matMul(a, b) },
  { name: 'batchMatMul 4-d transposeA (k^T v per head)', kernels: MM, inputs: [{ shape: [2, 3, 70, 16] }, { shape: [2, 3, 70, 12] }], fn: (a, b) => tf.matMul(a, b, true, false) },
  {
    name: 'batchMatMul broadcast a (batch 1)', kernels: MM, inputs: [{ shape: [1, 20, 30] }, { shape: [4, 30, 10] }], fn: (a, b) => tf.matMul(a, b),
    forwardOnly: BROADCAST_GRAD,
  },
  {
    name: 'batchMatMul broadcast 2-d b, transposeB', kernels: MM, inputs: [{ shape: [2, 3, 40, 16] }, { shape: [24, 16] }], fn: (a, b) => tf.matMul(a, b, false, true),
    forwardOnly: BROADCAST_GRAD,
  },
  { name: 'fused matMul + bias', kernels: FMM, inputs: [{ shape: [26, 15] }, { shape: [15, 33] }, { shape: [33] }], fn: (a, b, c) => tf.fused.matMul({ a: t2(a), b: t2(b), bias: c }) },
  { name: 'fused matMul + bias [1, N] + relu', kernels: ['_FusedMatMul'], inputs: [{ shape: [26, 15] }, { shape: [15, 33] }, { shape: [1, 33] }], fn: (a, b, c) => tf.fused.matMul({ a: t2(a), b: t2(b), bias: c, activation: 'relu' }) },
  { name: 'fused matMul + bias + relu6', kernels: ['_FusedMatMul'], inputs: [{ shape: [40, 9] }, { shape: [9, 18] }, { shape: [18] }], fn: (a, b, c) => tf.fused.matMul({ a: t2(a), b: t2(b), bias: tf.mul(c, 4), activation: 'relu6' }) },
  { name: 'fused matMul + bias + elu', kernels: ['_FusedMatMul'], inputs: [{ shape: [80, 48] }, { shape: [48, 40] }, { shape: [40] }], fn: (a, b, c) => tf.fused.matMul({ a: t2(a), b: t2(b), bias: c, activation: 'elu' }) },
  { name: 'fused matMul + leakyrelu 0.1, transposeA', kernels: ['_FusedMatMul'], inputs: [{ shape: [30, 25] }, { shape: [30, 21] }], fn: (a, b) => tf.fused.matMul({ a: t2(a), b: t2(b), transposeA: true, activation: 'leakyrelu', leakyreluAlpha: 0.1 }) },
  { name: 'fused matMul batched transposeB + bias + sigmoid', kernels: ['_FusedMatMul'], inputs: [{ shape: [3, 100, 24] }, { shape: [3, 30, 24] }, { shape: [30] }], fn: (a, b, c) => tf.fused.matMul({ a, b, bias: c, transposeB: true, activation: 'sigmoid' }) },
];

export const CONV_CASES: NativeCase[] = [
  { name: 'conv2d 3x3 same', kernels: CONV, inputs: [{ shape: [2, 7, 8, 3] }, { shape: [3, 3, 3, 5] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2d 1x1 (pointwise path)', kernels: CONV, inputs: [{ shape: [2, 5, 6, 4] }, { shape: [1, 1, 4, 6] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'valid') },
  { name: 'conv2d 3x3 stride 2 same, odd channels', kernels: CONV, inputs: [{ shape: [1, 9, 8, 13] }, { shape: [3, 3, 13, 17] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same') },
  { name: 'conv2d 3x3 K = 360 (two K blocks), 40 -> 35 channels', kernels: CONV, inputs: [{ shape: [1, 6, 7, 40] }, { shape: [3, 3, 40, 35] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2d 4x4 stride 4 valid (patch embed)', kernels: CONV, inputs: [{ shape: [1, 8, 12, 3] }, { shape: [4, 4, 3, 6] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 4, 'valid') },
  { name: 'conv2d 3x3 explicit asymmetric padding', kernels: CONV, inputs: [{ shape: [2, 6, 7, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, [[0, 0], [1, 2], [2, 0], [0, 0]]) },
  { name: 'conv2d 3x3 stride 2 explicit padding 1', kernels: CONV, inputs: [{ shape: [1, 8, 9, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, [[0, 0], [1, 1], [1, 1], [0, 0]]) },
  {
    name: 'conv2d 5x5 stride 3 numeric pad 2, ceil rounding', kernels: ['Conv2D'], inputs: [{ shape: [1, 11, 10, 4] }, { shape: [5, 5, 4, 3] }],
    fn: (x, w) => tf.conv2d(t4(x), t4(w), 3, 2, 'NHWC', 1, 'ceil'), forwardOnly: "tfjs-core's conv2d gradient drops dimRoundingMode (wrong dy shape on every backend)",
  },
  { name: 'conv2d 5x5 stride 3 numeric pad 2', kernels: CONV, inputs: [{ shape: [1, 11, 10, 4] }, { shape: [5, 5, 4, 3] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 3, 2) },
  { name: 'conv2d 2x2 stride 2 valid, odd size (leftover row/column)', kernels: CONV, inputs: [{ shape: [2, 7, 9, 3] }, { shape: [2, 2, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'conv2d 1x1 stride 2 (input phases without taps)', kernels: CONV, inputs: [{ shape: [1, 7, 6, 5] }, { shape: [1, 1, 5, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'conv2d 1x1 explicit padding 1', kernels: CONV, inputs: [{ shape: [1, 4, 5, 3] }, { shape: [1, 1, 3, 2] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, [[0, 0], [1, 1], [1, 1], [0, 0]]) },
  {
    name: 'conv2d 3x3 dilation 2', kernels: ['Conv2D'], inputs: [{ shape: [1, 9, 9, 3] }, { shape: [3, 3, 3, 4] }],
    fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same', 'NHWC', 2), forwardOnly: 'tfjs-core asserts dilation 1 in the gradient of conv2d',
  },
  { name: 'conv2d stem-like 3x3 stride 2, 3 -> 8 channels on 33x31 (long filter-gradient sum)', kernels: CONV, inputs: [{ shape: [2, 33, 31, 3] }, { shape: [3, 3, 3, 8] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same') },
  { name: 'conv2d 3x3, 260 output channels (packed patches path)', kernels: CONV, inputs: [{ shape: [1, 5, 4, 6] }, { shape: [3, 3, 6, 260] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2d 3x3 stride 2, 260 input channels (packed input-gradient path)', kernels: CONV, inputs: [{ shape: [1, 5, 6, 260] }, { shape: [3, 3, 260, 5] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 2, 'same') },
  { name: 'conv2d 1x1, 300 -> 270 channels (packed pointwise paths)', kernels: CONV, inputs: [{ shape: [1, 3, 4, 300] }, { shape: [1, 1, 300, 270] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'valid') },
  { name: 'conv2d 3x3 on 64x48 (filter gradient split over threads)', kernels: CONV, inputs: [{ shape: [1, 64, 48, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2dTranspose 4x4 stride 2 same (overlapping)', kernels: ['Conv2DBackpropInput', 'Conv2D', 'Conv2DBackpropFilter'], inputs: [{ shape: [1, 4, 5, 6] }, { shape: [4, 4, 3, 6] }], fn: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [1, 8, 10, 3], 2, 'same') },
  { name: 'conv2dTranspose 2x2 stride 2', kernels: ['Conv2DBackpropInput', 'Conv2D', 'Conv2DBackpropFilter'], inputs: [{ shape: [2, 4, 5, 6] }, { shape: [2, 2, 3, 6] }], fn: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [2, 8, 10, 3], 2, 'valid') },
  { name: 'fused conv2d + bias', kernels: FCONV, inputs: [{ shape: [2, 6, 5, 4] }, { shape: [3, 3, 4, 7] }, { shape: [7] }], fn: (x, w, b) => tf.fused.conv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'same', bias: b }) },
  { name: 'fused conv2d + bias + relu, stride 2', kernels: ['FusedConv2D'], inputs: [{ shape: [1, 9, 7, 4] }, { shape: [3, 3, 4, 6] }, { shape: [6] }], fn: (x, w, b) => tf.fused.conv2d({ x: t4(x), filter: t4(w), strides: 2, pad: 'same', bias: b, activation: 'relu' }) },
  { name: 'fused conv2d + elu', kernels: ['FusedConv2D'], inputs: [{ shape: [1, 6, 6, 3] }, { shape: [3, 3, 3, 5] }], fn: (x, w) => tf.fused.conv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'valid', activation: 'elu' }) },
  { name: 'fused conv2d 1x1 + bias + sigmoid', kernels: ['FusedConv2D'], inputs: [{ shape: [1, 6, 6, 3] }, { shape: [1, 1, 3, 5] }, { shape: [5] }], fn: (x, w, b) => tf.fused.conv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'valid', bias: b, activation: 'sigmoid' }) },
  { name: 'fused conv2d + leakyrelu 0.3', kernels: ['FusedConv2D'], inputs: [{ shape: [1, 5, 6, 3] }, { shape: [3, 3, 3, 4] }], fn: (x, w) => tf.fused.conv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'same', activation: 'leakyrelu', leakyreluAlpha: 0.3 }) },
];

export const DEPTHWISE_CASES: NativeCase[] = [
  { name: 'depthwise 3x3 same', kernels: DW, inputs: [{ shape: [2, 7, 6, 5] }, { shape: [3, 3, 5, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same') },
  { name: 'depthwise 3x3 same, 37 channels (vector tail)', kernels: DW, inputs: [{ shape: [1, 9, 8, 37] }, { shape: [3, 3, 37, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same') },
  { name: 'depthwise 3x3 multiplier 2 stride 2', kernels: DW, inputs: [{ shape: [1, 9, 8, 3] }, { shape: [3, 3, 3, 2] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 2, 'same') },
  { name: 'depthwise 5x5 valid stride 2, odd size', kernels: DW, inputs: [{ shape: [2, 11, 10, 6] }, { shape: [5, 5, 6, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 2, 'valid') },
  { name: 'depthwise 3x3 explicit padding', kernels: DW, inputs: [{ shape: [1, 6, 7, 4] }, { shape: [3, 3, 4, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, [[0, 0], [2, 0], [1, 2], [0, 0]]) },
  {
    name: 'depthwise 3x3 dilation 2', kernels: ['DepthwiseConv2dNative'], inputs: [{ shape: [1, 9, 9, 4] }, { shape: [3, 3, 4, 1] }],
    fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same', 'NHWC', 2), forwardOnly: 'tfjs-core has no depthwise gradient for dilation > 1',
  },
  { name: 'depthwise 3x3 on 48x40x64 (threads over rows, long filter-gradient sum)', kernels: DW, inputs: [{ shape: [1, 48, 40, 64] }, { shape: [3, 3, 64, 1] }], fn: (x, w) => tf.depthwiseConv2d(t4(x), t4(w), 1, 'same') },
  { name: 'fused depthwise + bias + relu6', kernels: ['FusedDepthwiseConv2D'], inputs: [{ shape: [1, 6, 7, 5] }, { shape: [3, 3, 5, 1] }, { shape: [5] }], fn: (x, w, b) => tf.fused.depthwiseConv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'same', bias: tf.mul(b, 3), activation: 'relu6' }) },
  { name: 'fused depthwise multiplier 2 + bias', kernels: ['FusedDepthwiseConv2D', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'], inputs: [{ shape: [1, 6, 7, 3] }, { shape: [3, 3, 3, 2] }, { shape: [6] }], fn: (x, w, b) => tf.fused.depthwiseConv2d({ x: t4(x), filter: t4(w), strides: 1, pad: 'same', bias: b }) },
];

export const SUM_CASES: NativeCase[] = [
  { name: 'sum axis 0 of [3000, 70] (bias gradient: rows summed, threads, float runs in double)', kernels: ['Sum'], inputs: [{ shape: [3000, 70] }], fn: (x) => tf.sum(x, 0) },
  { name: 'sum axes [0, 1] of [2, 3, 50, 7]', kernels: ['Sum'], inputs: [{ shape: [2, 3, 50, 7] }], fn: (x) => tf.sum(x, [0, 1]) },
  { name: 'sum last axis keepDims of [5, 1100]', kernels: ['Sum'], inputs: [{ shape: [5, 1100] }], fn: (x) => tf.sum(x, -1, true) },
  { name: 'sum middle axes [1, 2] of [3, 4, 5, 300]', kernels: ['Sum'], inputs: [{ shape: [3, 4, 5, 300] }], fn: (x) => tf.sum(x, [2, 1]) },
  { name: 'sum all axes', kernels: ['Sum'], inputs: [{ shape: [4, 6, 5] }], fn: (x) => tf.sum(x) },
  { name: 'mean over tokens [2, 700, 48] axis 1', kernels: ['Mean'], inputs: [{ shape: [2, 700, 48] }], fn: (x) => tf.mean(x, 1) },
  { name: 'mean last axis keepDims', kernels: ['Mean'], inputs: [{ shape: [6, 33] }], fn: (x) => tf.mean(x, -1, true) },
];
