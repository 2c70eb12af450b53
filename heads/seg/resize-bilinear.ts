import * as tf from '@tensorflow/tfjs-core';

/**
 * One axis of PyTorch's bilinear interpolation with align_corners=False, as a dense [outSize, inSize]
 * matrix: src = max((dst + 0.5) * in / out - 0.5, 0), lo = floor(src), hi = min(lo + 1, in - 1),
 * weights (1 - frac, frac). Row o of the matrix holds the two weights output o takes from the input.
 */
export function bilinearAxisMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  // PyTorch computes the scale in float32 (accscalar_t of a float tensor); Math.fround keeps us bit-close.
  const scale = Math.fround(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(Math.fround(scale * (o + 0.5)) - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    const hi = lo < inSize - 1 ? lo + 1 : lo;
    const frac = src - lo;
    m[o * inSize + lo] = m[o * inSize + lo]! + (1 - frac);
    m[o * inSize + hi] = m[o * inSize + hi]! + frac;
  }
  return m;
}

/**
 * Apply a per-axis linear map to an NHWC tensor: out[n, i, j, c] = sum rows[i, h] cols[j, w] x[n, h, w, c].
 * Used as the gradient of bilinear resizing (with the transposed matrices), since tfjs' ResizeBilinearGrad
 * kernels ignore halfPixelCenters and would give the gradient of a different interpolation.
 */
export function separableMap(x: tf.Tensor4D, rows: tf.Tensor2D, cols: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const oh = rows.shape[0];
    const ow = cols.shape[0];
    // Contract H: [h, n*w*c] -> [oh, n*w*c].
    const byH = tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, n * w * c]);
    const yH = tf.reshape(tf.matMul(rows, byH), [oh, n, w, c]);
    // Contract W: [w, oh*n*c] -> [ow, oh*n*c].
    const byW = tf.reshape(tf.transpose(yH, [2, 0, 1, 3]), [w, oh * n * c]);
    const yW = tf.reshape(tf.matMul(cols, byW), [ow, oh, n, c]);
    return tf.transpose(yW, [2, 1, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Backends with a fast, exact ResizeBilinearGrad kernel of ours (core/native-backend/): there the gradient is
 * tfjs' (which calls that kernel) instead of the dense interpolation matrices, which cost ~25 GFLOP and
 * transposes of the full-size logits per UperNet training step.
 */
const EXACT_RESIZE_GRAD_BACKENDS: readonly string[] = ['native'];

/**
 * F.interpolate(x, size, mode='bilinear', align_corners=False) on NHWC, with a gradient that matches
 * PyTorch's. The forward pass is tfjs' half-pixel-centre kernel (the same formula: negative source
 * coordinates clamp to 0, the far neighbour clamps to the last row/column).
 */
export function resizeBilinear(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  const [outH, outW] = size;
  const [, h, w] = x.shape;
  if (h === outH && w === outW) return tf.clone(x);
  // Backends whose ResizeBilinearGrad kernel is ours (exact adjoint, native): tfjs' own gradient calls it.
  if (EXACT_RESIZE_GRAD_BACKENDS.includes(tf.getBackend())) return bilinearForward(x, size);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor4D;
    const value = bilinearForward(input, size);
    return { value, gradFunc: (dy: tf.Tensor) => resizeBilinearBackward(dy as tf.Tensor4D, input) };
  });
  return op(x) as tf.Tensor4D;
}

/** The values of F.interpolate(mode='bilinear', align_corners=False): tfjs' kernel with half-pixel centres. */
export function bilinearForward(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  return tf.image.resizeBilinear(x, [size[0], size[1]], false, true);
}

/**
 * The gradient of `resizeBilinear` with respect to its input `images` (only its shape is read), for `dy` of the
 * output's shape: our exact ResizeBilinearGrad kernel where the backend has it, else the transposed
 * interpolation matrices.
 */
export function resizeBilinearBackward(dy: tf.Tensor4D, images: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = images.shape;
  const [, outH, outW] = dy.shape;
  if (EXACT_RESIZE_GRAD_BACKENDS.includes(tf.getBackend())) {
    return tf.engine().runKernel('ResizeBilinearGrad', { images, dy }, { alignCorners: false, halfPixelCenters: true }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const rowsT = tf.tensor2d(transposeMatrix(bilinearAxisMatrix(h, outH), outH, h), [h, outH]);
    const colsT = tf.tensor2d(transposeMatrix(bilinearAxisMatrix(w, outW), outW, w), [w, outW]);
    return separableMap(dy, rowsT, colsT);
  });
}

function transposeMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}
