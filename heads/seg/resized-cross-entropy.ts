import * as tf from '@tensorflow/tfjs-core';
import { fusedSoftmaxCrossEntropyGrad } from '../../core/fused/fused-ops.js';
import { crossEntropyDenominator, crossEntropyWithIgnore, type CrossEntropyWithIgnoreOptions } from '../../losses/cross-entropy.js';
import { segAccuracy } from './accuracy.js';
import { bilinearForward, resizeBilinearBackward } from './resize-bilinear.js';

/**
 * mmseg's decode-head loss: logits [n, h, w, K] bilinearly resized (align_corners=False) to the labels' [n, H, W],
 * then crossEntropyWithIgnore, as one op whose backward pass recomputes the resized logits from the small ones.
 * Taped as two ops, the resized logits (300 MB per head in a batch-2 512² ADE20K step, 8x the small ones) stay
 * alive from the forward pass to the backward one. Also gives mmseg's acc_seg (percent of non-ignored pixels whose
 * argmax is the label) of the resized logits, read while they exist.
 */
export function resizedCrossEntropyWithIgnore(
  logits: tf.Tensor4D, labels: tf.Tensor3D, opts: CrossEntropyWithIgnoreOptions = {},
): { loss: tf.Scalar; accuracy: number } {
  const [, outH, outW] = labels.shape;
  const ignoreIndex = opts.ignoreIndex ?? 255;
  const resize = (x: tf.Tensor4D) => (x.shape[1] === outH && x.shape[2] === outW ? x : bilinearForward(x, [outH, outW]));
  let accuracy = 0;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const small = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const up = resize(small);
    const value = crossEntropyWithIgnore(up, labels, opts);
    accuracy = segAccuracy(up, labels, ignoreIndex);
    // The labels are saved too: the batch they come from may be freed before the backward pass.
    save([small, labels]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, lab] = saved as [tf.Tensor4D, tf.Tensor3D];
      const classes = x.shape[3];
      return tf.tidy(() => {
        const upAgain = resize(x);
        const rows = lab.size;
        const dNll = tf.mul(tf.ones([rows]), tf.div(dy, crossEntropyDenominator(lab, opts))) as tf.Tensor1D;
        const dUp = fusedSoftmaxCrossEntropyGrad(tf.reshape(upAgain, [rows, classes]), tf.reshape(lab, [rows]), dNll, ignoreIndex);
        const dUp4 = tf.reshape(dUp, upAgain.shape) as tf.Tensor4D;
        return upAgain === x ? tf.clone(dUp4) : resizeBilinearBackward(dUp4, x);
      });
    };
    return { value, gradFunc };
  });
  const loss = op(logits) as tf.Scalar;
  return { loss, accuracy };
}
