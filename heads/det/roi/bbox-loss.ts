import * as tf from '@tensorflow/tfjs-core';
import type { BBoxTargets } from './bbox-targets.js';
import { softmaxCrossEntropy } from '../../../losses/cross-entropy.js';
import { l1Loss } from '../../../losses/l1.js';
import { weightedSum } from '../../../losses/reduce.js';

/**
 * mmdet's BBoxHead.loss with CrossEntropyLoss (softmax) and L1Loss:
 * loss_cls = sum_i w_i * CE_i / max(#(w > 0), 1);
 * loss_bbox = sum over positives of |pred[label] - target| / R (avg_factor = bbox_targets.size(0), all samples),
 * 0 when there is no positive. The class-specific deltas are picked by a one-hot product rather than a gather,
 * whose gradient some backends lack.
 * acc = mmdet's accuracy(cls_score, labels): percent of the R sampled RoIs (background included) whose top-1
 * class is their label, as float32 `#correct * (100 / R)`. Logged only: its name has no `loss`.
 */
export function bboxHeadLoss(clsScore: tf.Tensor2D, bboxPred: tf.Tensor2D, t: BBoxTargets, numClasses: number): { loss_cls: tf.Scalar; loss_bbox: tf.Scalar; acc: tf.Scalar } {
  return tf.tidy(() => {
    const r = t.labels.length;
    let valid = 0;
    for (let i = 0; i < r; i++) if (t.labelWeights[i]! > 0) valid++;
    const labels = tf.tensor1d(t.labels, 'int32');
    if (clsScore.shape[1] !== numClasses + 1) throw new Error(`bboxHeadLoss: ${clsScore.shape[1]} class scores per RoI for ${numClasses} classes + background`);
    const lossCls = weightedSum(softmaxCrossEntropy(clsScore, labels), tf.tensor1d(t.labelWeights), Math.max(valid, 1));

    // Background rows get an all-zero one-hot (class numClasses is outside 0..numClasses-1) and zero weight.
    const onehot = tf.reshape(tf.oneHot(labels, numClasses), [r, numClasses, 1]);
    const picked = tf.sum(tf.mul(tf.reshape(bboxPred, [r, numClasses, 4]), onehot), 1);
    const diff = l1Loss(picked, tf.tensor2d(t.bboxTargets, [r, 4]));
    const lossBbox = weightedSum(diff, tf.tensor2d(t.bboxWeights, [r, 4]), Math.max(r, 1));
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(clsScore, 1), labels), 'float32'));
    const acc = tf.mul(correct, Math.fround(100 / Math.max(r, 1))) as tf.Scalar;
    return { loss_cls: lossCls, loss_bbox: lossBbox, acc };
  });
}
