import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../core/module.js';

/** Named scalar losses of one training forward pass; the runner sums them into the total it differentiates. */
export type LossTerms = Record<string, tf.Scalar>;

/**
 * What the training runner needs of a model: a training-mode forward pass over one collated batch that
 * returns named losses (mmdet/mmseg style: `loss_rpn_cls`, `loss_bbox`, `decode.loss_ce`, ...). The runner owns
 * the gradient tape, the optimizer and the schedule.
 */
export interface TrainableModel<Batch> extends Module {
  forwardTrain(batch: Batch): LossTerms;
}
