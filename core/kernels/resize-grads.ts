import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * Gradients of resizeBilinear and resizeNearestNeighbor, written as the exact adjoint of the forward
 * kernels' sampling rule (the same source-coordinate formulas as tfjs' own forward kernels).
 *
 * They exist because both tfjs-backend-wasm and tfjs-backend-cpu 4.22 ignore `halfPixelCenters` in
 * these gradients (PyTorch's `align_corners=False`, which UperNet's upsampling and loss resizing use),
 * and the cpu bilinear gradient also returns a [N, W, H, C] shape for non-square images. Registered
 * for both backends, replacing theirs.
 */
interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
}

function ratios(inH: number, inW: number, outH: number, outW: number, alignCorners: boolean): [number, number] {
  const effIn = [alignCorners && outH > 1 ? inH - 1 : inH, alignCorners && outW > 1 ? inW - 1 : inW];
  const effOut = [alignCorners && outH > 1 ? outH - 1 : outH, alignCorners && outW > 1 ? outW - 1 : outW];
  return [effIn[0]! / effOut[0]!, effIn[1]! / effOut[1]!];
}

/** For each output row (or column): the two source indices and the weight of the second. */
function bilinearTaps(outSize: number, inSize: number, ratio: number, halfPixel: boolean): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = halfPixel ? ratio * (i + 0.5) - 0.5 : ratio * i;
    const floor = Math.max(0, Math.floor(src));
    lo[i] = floor;
    hi[i] = Math.min(inSize - 1, Math.ceil(src));
    frac[i] = src - floor;
  }
  return { lo, hi, frac };
}

export const resizeBilinearGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters = false } = attrs as unknown as ResizeAttrs;
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const [rh, rw] = ratios(inH, inW, outH, outW, alignCorners);
  const rows = bilinearTaps(outH, inH, rh, halfPixelCenters);
  const cols = bilinearTaps(outW, inW, rw, halfPixelCenters);
  const host = new KernelHost(backend);
  const out = host.allocFloat32([batch, inH, inW, depth]);
  const dys = host.f32(dy);
  const dx = host.f32(out);
  dx.fill(0);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    const bBase = b * inH * inW * depth;
    for (let r = 0; r < outH; r++) {
      const top = bBase + rows.lo[r]! * inW * depth;
      const bot = bBase + rows.hi[r]! * inW * depth;
      const fr = rows.frac[r]!;
      for (let c = 0; c < outW; c++) {
        const fc = cols.frac[c]!;
        const l = cols.lo[c]! * depth;
        const rr = cols.hi[c]! * depth;
        // The forward is top + (bottom - top)·fr with top = tl + (tr - tl)·fc: these are its partials.
        const wTL = (1 - fr) * (1 - fc), wTR = (1 - fr) * fc, wBL = fr * (1 - fc), wBR = fr * fc;
        for (let d = 0; d < depth; d++) {
          const g = dys[k++]!;
          dx[top + l + d] = dx[top + l + d]! + g * wTL;
          dx[top + rr + d] = dx[top + rr + d]! + g * wTR;
          dx[bot + l + d] = dx[bot + l + d]! + g * wBL;
          dx[bot + rr + d] = dx[bot + rr + d]! + g * wBR;
        }
      }
    }
  }
  return out;
};

function nearestIndex(i: number, inSize: number, ratio: number, alignCorners: boolean, halfPixel: boolean): number {
  const src = halfPixel ? ratio * (i + 0.5) : ratio * i;
  const idx = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
  return halfPixel ? Math.max(0, idx) : idx;
}

export const resizeNearestNeighborGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters = false } = attrs as unknown as ResizeAttrs;
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const [rh, rw] = ratios(inH, inW, outH, outW, alignCorners);
  const rowIdx = Int32Array.from({ length: outH }, (_, r) => nearestIndex(r, inH, rh, alignCorners, halfPixelCenters));
  const colIdx = Int32Array.from({ length: outW }, (_, c) => nearestIndex(c, inW, rw, alignCorners, halfPixelCenters));
  const host = new KernelHost(backend);
  const out = host.allocFloat32([batch, inH, inW, depth]);
  const dys = host.f32(dy);
  const dx = host.f32(out);
  dx.fill(0);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rowIdx[r]!) * inW;
      for (let c = 0; c < outW; c++) {
        const base = (rowBase + colIdx[c]!) * depth;
        for (let d = 0; d < depth; d++) dx[base + d] = dx[base + d]! + dys[k++]!;
      }
    }
  }
  return out;
};
