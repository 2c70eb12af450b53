import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * DepthwiseConv2dNativeBackpropFilter (the weight gradient of an NHWC depthwise conv, any channel
 * multiplier, stride and padding).
 *
 * It exists because tfjs-backend-wasm 4.22 lacks this kernel. No fast wasm kernel fits a per-channel
 * correlation summed over pixels, so it is a JS loop over the backend's memory (heap views on wasm, no
 * copies): channels innermost, so both reads walk contiguous memory; float64 accumulators, as the cpu
 * backend's, so long sums over large images stay exact to float32.
 */
export const depthwiseConv2dBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, true, 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const mult = info.outChannels / inChannels;
  const host = new KernelHost(backend);
  const out = host.allocFloat32([filterHeight, filterWidth, inChannels, mult]);
  const xs = host.f32(x);
  const dys = host.f32(dy);
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * mult);
  const outC = inChannels * mult;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * outC;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * sh + kh * dh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const ix = ox * sw + kw * dw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            const wBase = (kh * filterWidth + kw) * outC;
            if (mult === 1) {
              for (let c = 0; c < inChannels; c++) acc[wBase + c] = acc[wBase + c]! + xs[xBase + c]! * dys[dyBase + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const xv = xs[xBase + c]!;
                const o = c * mult;
                for (let m = 0; m < mult; m++) acc[wBase + o + m] = acc[wBase + o + m]! + xv * dys[dyBase + o + m]!;
              }
            }
          }
        }
      }
    }
  }
  host.f32(out).set(acc);
  return out;
};
