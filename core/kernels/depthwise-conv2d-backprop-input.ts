import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * DepthwiseConv2dNativeBackpropInput (the input gradient of an NHWC depthwise conv, any channel
 * multiplier, stride and padding).
 *
 * It exists because tfjs-backend-wasm 4.22 lacks this kernel. Written as a gather over input pixels
 * (each dx value summed once, float64 accumulators as the cpu backend) in JS over the backend's memory
 * (heap views on wasm, no copies).
 */
export const depthwiseConv2dBackpropInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode, true, 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const mult = info.outChannels / inChannels;
  const outC = inChannels * mult;
  const host = new KernelHost(backend);
  const out = host.allocFloat32([...inputShape]);
  const dys = host.f32(dy);
  const ws = host.f32(filter);
  const dxs = host.f32(out);
  const acc = new Float64Array(inChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let iy = 0; iy < inHeight; iy++) {
      for (let ix = 0; ix < inWidth; ix++) {
        acc.fill(0);
        for (let kh = 0; kh < filterHeight; kh++) {
          const ty = iy + top - kh * dh;
          if (ty < 0 || ty % sh !== 0) continue;
          const oy = ty / sh;
          if (oy >= outHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const tx = ix + left - kw * dw;
            if (tx < 0 || tx % sw !== 0) continue;
            const ox = tx / sw;
            if (ox >= outWidth) continue;
            const dyBase = ((b * outHeight + oy) * outWidth + ox) * outC;
            const wBase = (kh * filterWidth + kw) * outC;
            if (mult === 1) {
              for (let c = 0; c < inChannels; c++) acc[c] = acc[c]! + dys[dyBase + c]! * ws[wBase + c]!;
            } else {
              for (let c = 0; c < inChannels; c++) {
                const o = c * mult;
                let s = 0;
                for (let m = 0; m < mult; m++) s += dys[dyBase + o + m]! * ws[wBase + o + m]!;
                acc[c] = acc[c]! + s;
              }
            }
          }
        }
        dxs.set(acc, ((b * inHeight + iy) * inWidth + ix) * inChannels);
      }
    }
  }
  return out;
};
