import * as tf from '@tensorflow/tfjs-core';
import { nativeBackendKernel, newOutput, valuesOf } from './kernel-io.js';

interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

/**
 * tfjs' bilinear sampling rule along one axis (its cpu kernel's formulas, in double): output i reads source
 * rows floor(src) and ceil(src), clamped, with weight frac on the second; src = ratio (i + 0.5) - 0.5 with half-pixel
 * centres (PyTorch's align_corners=False), ratio i otherwise.
 */
function taps(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): Taps {
  const effIn = alignCorners && outSize > 1 ? inSize - 1 : inSize;
  const effOut = alignCorners && outSize > 1 ? outSize - 1 : outSize;
  const ratio = effIn / effOut;
  const t: Taps = { lo: new Int32Array(outSize), hi: new Int32Array(outSize), frac: new Float32Array(outSize) };
  for (let i = 0; i < outSize; i++) {
    const src = halfPixel ? ratio * (i + 0.5) - 0.5 : ratio * i;
    const floor = Math.max(0, Math.floor(src));
    t.lo[i] = floor;
    t.hi[i] = Math.min(inSize - 1, Math.ceil(src));
    t.frac[i] = src - floor;
  }
  return t;
}

const resizeBilinearKernel = nativeBackendKernel('ResizeBilinear', ({ inputs, attrs }, addon, backend) => {
  const { images } = inputs as { images: tf.TensorInfo };
  const { alignCorners, halfPixelCenters, size } = attrs as unknown as tf.ResizeBilinearAttrs;
  if (images.dtype !== 'float32' || images.shape.length !== 4) return undefined;
  const [batch, inH, inW, ch] = images.shape as [number, number, number, number];
  const [outH, outW] = size;
  const rows = taps(outH, inH, alignCorners, halfPixelCenters);
  const cols = taps(outW, inW, alignCorners, halfPixelCenters);
  const out = newOutput(backend, [batch, outH, outW, ch], 'float32');
  addon.resizeBilinear(valuesOf(backend, images) as Float32Array, out.values as Float32Array, batch, inH, inW, outH, outW, ch, rows.lo, rows.hi, rows.frac, cols.lo, cols.hi, cols.frac);
  return out.info;
});

/** The exact adjoint of the forward above (tfjs-backend-cpu's ignores halfPixelCenters). */
const resizeBilinearGradKernel = nativeBackendKernel('ResizeBilinearGrad', ({ inputs, attrs }, addon, backend) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters = false } = attrs as unknown as { alignCorners: boolean; halfPixelCenters?: boolean };
  if (dy.dtype !== 'float32' || images.shape.length !== 4) return undefined;
  const [batch, inH, inW, ch] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const rows = taps(outH, inH, alignCorners, halfPixelCenters);
  const cols = taps(outW, inW, alignCorners, halfPixelCenters);
  const out = newOutput(backend, [batch, inH, inW, ch], 'float32');
  addon.resizeBilinearGrad(valuesOf(backend, dy) as Float32Array, out.values as Float32Array, batch, inH, inW, outH, outW, ch, rows.lo, rows.hi, rows.frac, cols.lo, cols.hi, cols.frac);
  return out.info;
});

export const RESIZE_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'ResizeBilinear', kernelFunc: resizeBilinearKernel },
  { name: 'ResizeBilinearGrad', kernelFunc: resizeBilinearGradKernel },
];
