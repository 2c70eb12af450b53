/**
 * PyTorch `F.interpolate(x, size=(H, W), mode='nearest')` on NHWC: output row i reads input row
 * min(floor(i * in / out), in - 1). The FPN's exact 2x case is a broadcast (differentiable with basic ops on
 * every backend); other sizes gather rows and columns.
 */
import * as tf from '@tensorflow/tfjs-core';

function nearestIndices(inSize: number, outSize: number): Int32Array {
  const scale = inSize / outSize;
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(i * scale), inSize - 1);
  return idx;
}

export function resizeNearestTorch(x: tf.Tensor4D, size: readonly [number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const [oh, ow] = size;
    if (oh === h && ow === w) return x.clone();
    if (oh === 2 * h && ow === 2 * w) {
      const x6 = tf.reshape(x, [n, h, 1, w, 1, c]);
      return tf.reshape(tf.mul(x6, tf.ones([1, 1, 2, 1, 2, 1])), [n, oh, ow, c]) as tf.Tensor4D;
    }
    const rows = tf.gather(x, tf.tensor1d(nearestIndices(h, oh), 'int32'), 1);
    return tf.gather(rows, tf.tensor1d(nearestIndices(w, ow), 'int32'), 2) as tf.Tensor4D;
  });
}
