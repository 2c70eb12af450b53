import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * Conv2DBackpropInput (the input gradient of a dense NHWC conv2d, and the forward of conv2dTranspose).
 *
 * It exists because tfjs-backend-wasm 4.22's own kernel runs at ~1.7 GFLOP/s here, 11x slower than its
 * forward Conv2D (XNNPACK, ~19 GFLOP/s); conv gradients are most of a detection/segmentation training
 * step. Rewritten onto the fast kernels:
 *  - stride = kernel, no padding (Mask R-CNN's 2x2/2 deconv): one matmul dY·W^T then a pixel shuffle;
 *  - otherwise the textbook identity dX = conv2d(dY zero-upsampled by the stride and padded,
 *    W rotated 180° with in/out channels swapped), a forward Conv2D at stride 1.
 */
export const conv2dBackpropInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`core/kernels/conv2d-backprop-input: only NHWC is supported, got ${dataFormat}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const { batchSize: b, inHeight: H, inWidth: W, inChannels: ci, outChannels: co, outHeight: ho, outWidth: wo } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const host = new KernelHost(backend);
  try {
    if (sh === kh && sw === kw && top === 0 && left === 0 && ho * sh <= H && wo * sw <= W) {
      return host.keep(nonOverlapping(host, dy, filter, [b, H, W, ci], ho, wo, kh, kw, co));
    }
    // Flipped filter, in/out swapped: [kh, kw, co, ci].
    const flipped = host.call('Transpose', { x: host.call('Reverse', { x: filter }, { dims: [0, 1] }) }, { perm: [0, 1, 3, 2] });
    const upsampled = spreadAndPad(host, dy, b, ho, wo, co, H + kh - 1, W + kw - 1, kh - 1 - top, kw - 1 - left, sh, sw);
    const dx = host.call('Conv2D', { x: upsampled, filter: flipped }, {
      strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    });
    return host.keep(dx);
  } finally {
    host.disposeTemps();
  }
};

/** Each dY pixel paints its own kh x kw block: [n, co] x [co, kh*kw*ci], then blocks to pixels. */
function nonOverlapping(host: KernelHost, dy: tf.TensorInfo, filter: tf.TensorInfo, outShape: number[], ho: number, wo: number, kh: number, kw: number, co: number): tf.TensorInfo {
  const [b, H, W, ci] = outShape as [number, number, number, number];
  const wT = host.reshape(host.call('Transpose', { x: filter }, { perm: [3, 0, 1, 2] }), [1, co, kh * kw * ci]);
  const y = host.call('BatchMatMul', { a: host.reshape(dy, [1, b * ho * wo, co]), b: wT }, { transposeA: false, transposeB: false });
  const blocks = host.reshape(y, [b, ho, wo, kh, kw, ci]);
  const pixels = host.reshape(host.call('Transpose', { x: blocks }, { perm: [0, 1, 3, 2, 4, 5] }), [b, ho * kh, wo * kw, ci]);
  if (ho * kh === H && wo * kw === W) return pixels;
  // 'valid' convs that dropped trailing rows/columns: those input pixels get no gradient.
  return host.call('PadV2', { x: pixels }, { paddings: [[0, 0], [0, H - ho * kh], [0, W - wo * kw], [0, 0]], constantValue: 0 });
}

/**
 * dY with (stride - 1) zeros between pixels, placed at (top, left) in a zero [b, hp, wp, c] map; rows or
 * columns falling outside (negative offsets from large paddings) are dropped.
 */
function spreadAndPad(host: KernelHost, dy: tf.TensorInfo, b: number, ho: number, wo: number, c: number, hp: number, wp: number, top: number, left: number, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1 && top >= 0 && left >= 0 && hp - top - ho >= 0 && wp - left - wo >= 0) {
    return host.call('PadV2', { x: dy }, { paddings: [[0, 0], [top, hp - top - ho], [left, wp - left - wo], [0, 0]], constantValue: 0 });
  }
  const out = host.track(host.allocFloat32([b, hp, wp, c]));
  const src = host.f32(dy);
  const dst = host.f32(out);
  dst.fill(0);
  for (let n = 0; n < b; n++) {
    for (let oy = 0; oy < ho; oy++) {
      const y = top + oy * sh;
      if (y < 0 || y >= hp) continue;
      for (let ox = 0; ox < wo; ox++) {
        const x = left + ox * sw;
        if (x < 0 || x >= wp) continue;
        const s = ((n * ho + oy) * wo + ox) * c;
        dst.set(src.subarray(s, s + c), ((n * hp + y) * wp + x) * c);
      }
    }
  }
  return out;
}
