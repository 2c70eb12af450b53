import * as tf from '@tensorflow/tfjs-core';

/** The attributes every tfjs convolution kernel (forward, fused, gradients; dense or depthwise) carries. */
export interface ConvAttrsBase {
  strides: number | [number, number];
  pad: tf.backend_util.PadInfo['type'] | number | tf.backend_util.ExplicitPadding;
  dataFormat?: string;
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The 15-entry geometry native/src/conv.cc reads (see native-api.ts). */
export function convGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

/** Largest filter side the native kernels take (their tap lists are fixed-size). */
export const MAX_NATIVE_FILTER = 64;

/** Whether the native kernels take this convolution: NHWC, float32, filter sides within bounds. */
export function nativeConvSupported(info: tf.backend_util.Conv2DInfo, dataFormat: string | undefined, ...tensors: tf.TensorInfo[]): boolean {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') return false;
  if (tensors.some((t) => t.dtype !== 'float32')) return false;
  return info.filterHeight <= MAX_NATIVE_FILTER && info.filterWidth <= MAX_NATIVE_FILTER && info.dataFormat === 'channelsLast';
}

/** tfjs' shapes as the 4-tuples computeConv2DInfo wants. */
export function shape4(s: readonly number[]): [number, number, number, number] {
  if (s.length !== 4) throw new Error(`core/native: expected a rank-4 shape, got [${s.join(', ')}]`);
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}
