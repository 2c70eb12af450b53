import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * Conv2DBackpropFilter (the weight gradient of a dense NHWC conv2d).
 *
 * It exists because tfjs-backend-wasm 4.22 lacks this kernel, so training any conv on wasm failed.
 * Built from the backend's own fast kernels, one filter tap at a time:
 *   dW[kh, kw] = X_shifted(kh, kw)^T · dY,   X_shifted: the [N·Ho·Wo, Cin] strided window of padded x.
 * A tap at a time (not a full im2col) keeps extra memory to one window, which matters for 3x3 convs
 * over thousands of channels (UperNet's bottleneck).
 */
export const conv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`core/kernels/conv2d-backprop-filter: only NHWC is supported, got ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const { batchSize, inChannels, outChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left, bottom, right } = info.padInfo;
  const host = new KernelHost(backend);
  try {
    const n = batchSize * outHeight * outWidth;
    const dy3 = host.reshape(dy, [1, n, outChannels]);
    const padded = top || left || bottom || right
      ? host.call('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
      : x;
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const begin = [0, kh, kw, 0];
        const end = [batchSize, kh + (outHeight - 1) * strideHeight + 1, kw + (outWidth - 1) * strideWidth + 1, inChannels];
        const whole = begin.every((b, i) => b === 0 && end[i] === padded.shape[i]);
        const window = whole
          ? padded
          : host.call('StridedSlice', { x: padded }, {
              begin, end, strides: [1, strideHeight, strideWidth, 1],
              beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
            });
        const x3 = host.reshape(window, [1, n, inChannels]);
        taps.push(host.call('BatchMatMul', { a: x3, b: dy3 }, { transposeA: true, transposeB: false }));
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : host.call('Concat', taps, { axis: 0 });
    const out = host.call('Reshape', { x: stacked }, { shape: [filterHeight, filterWidth, inChannels, outChannels] }, true);
    return out;
  } finally {
    host.disposeTemps();
  }
};
