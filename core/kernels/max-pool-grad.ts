import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * MaxPoolGrad: each output's gradient goes to the first maximum of its window (row-major order, as
 * PyTorch's max_pool2d and tfjs' cpu backend), padding never wins.
 *
 * It exists because tfjs-backend-wasm 4.22's MaxPoolGrad routes gradients to the wrong input when a
 * window's values are all negative (found by test/kernels/wasm-gradients.test.ts), which would corrupt
 * training through FPN's extra max-pool level. JS over the backend's memory.
 */
export const maxPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const host = new KernelHost(backend);
  const out = host.allocFloat32([...input.shape]);
  const xs = host.f32(input);
  const dys = host.f32(dy);
  const dx = host.f32(out);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      const yStart = Math.max(0, y0);
      const yEnd = Math.min(inHeight, y0 + filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const xStart = Math.max(0, x0);
        const xEnd = Math.min(inWidth, x0 + filterWidth);
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let y = yStart; y < yEnd; y++) {
            for (let x = xStart; x < xEnd; x++) {
              const i = ((b * inHeight + y) * inWidth + x) * C + c;
              const v = xs[i]!;
              if (v > best || at < 0) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + dys[dyBase + c]!;
        }
      }
    }
  }
  return out;
};
