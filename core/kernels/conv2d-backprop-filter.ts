import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * Conv2DBackpropFilter (the weight gradient of a dense NHWC conv2d).
 *
 * It exists because tfjs-backend-wasm 4.22 lacks this kernel, so training any conv on wasm failed.
 * Built from the backend's own fast kernels, one filter tap at a time:
 *   dW[kh, kw] = X_shifted(kh, kw)^T · dY,   X_shifted^T: the [Cin, N·Ho·Wo] strided window of padded x,
 *   taken from a channels-first copy made once.
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
    // Channels first ([Cin, N, Hp, Wp]) once, so that every tap's window is already the [Cin, n] left
    // operand the fast matmul path wants (no per-tap transpose).
    const channelsFirst = host.call('Transpose', { x: padded }, { perm: [3, 0, 1, 2] });
    const [, , hp, wp] = channelsFirst.shape as [number, number, number, number];
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let kw = 0; kw < filterWidth; kw++) {
        const begin = [0, 0, kh, kw];
        const end = [inChannels, batchSize, kh + (outHeight - 1) * strideHeight + 1, kw + (outWidth - 1) * strideWidth + 1];
        const whole = kh === 0 && kw === 0 && end[2] === hp && end[3] === wp;
        const window = whole
          ? channelsFirst
          : host.call('StridedSlice', { x: channelsFirst }, {
              begin, end, strides: [1, 1, strideHeight, strideWidth],
              beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
            });
        const xT = host.reshape(window, [1, inChannels, n]);
        taps.push(host.call('BatchMatMul', { a: xT, b: dy3 }, { transposeA: false, transposeB: false }));
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : host.call('Concat', taps, { axis: 0 });
    return host.keep(host.reshape(stacked, [filterHeight, filterWidth, inChannels, outChannels]));
  } finally {
    host.disposeTemps();
  }
};
