import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../../core/module.js';
import { Linear, ModuleList } from '../../../core/layers/index.js';
import { constant, normal, xavierUniform } from '../../../core/init.js';
import { assignFromHost } from '../../../core/assign-host.js';

export interface Shared2FCBBoxHeadOptions {
  /** Foreground classes; fc_cls predicts numClasses + 1 with background last (mmdet 2.x). */
  numClasses: number;
  /** RoI feature channels (FPN out channels). */
  inChannels?: number;
  roiFeatSize?: number;
  fcOutChannels?: number;
}

export type BBoxHeadOutput = {
  /** [R, numClasses + 1] logits. */
  clsScore: tf.Tensor2D;
  /** [R, 4 * numClasses] class-specific deltas. */
  bboxPred: tf.Tensor2D;
};

/**
 * mmdet's Shared2FCBBoxHead (ConvFCBBoxHead with two shared fcs of 1024): flatten the 7x7 RoI feature,
 * fc-ReLU-fc-ReLU, then fc_cls and class-specific fc_reg. Parameters `shared_fcs.{0,1}`, `fc_cls`, `fc_reg`
 * as mmdet's; 14,306,705 of them for 80 classes.
 */
export class Shared2FCBBoxHead extends Module {
  readonly numClasses: number;
  readonly inChannels: number;
  readonly roiFeatSize: number;
  readonly sharedFcs: ModuleList<Linear>;
  readonly fcCls: Linear;
  readonly fcReg: Linear;

  constructor(opts: Shared2FCBBoxHeadOptions) {
    super();
    this.numClasses = opts.numClasses;
    this.inChannels = opts.inChannels ?? 256;
    this.roiFeatSize = opts.roiFeatSize ?? 7;
    const fcOut = opts.fcOutChannels ?? 1024;
    const flat = this.inChannels * this.roiFeatSize * this.roiFeatSize;
    this.sharedFcs = this.registerModule('shared_fcs', new ModuleList([new Linear(flat, fcOut), new Linear(fcOut, fcOut)]));
    this.fcCls = this.registerModule('fc_cls', new Linear(fcOut, this.numClasses + 1));
    this.fcReg = this.registerModule('fc_reg', new Linear(fcOut, 4 * this.numClasses));
    // mmdet init_cfg: Xavier-uniform shared fcs, Normal(0.01) fc_cls, Normal(0.001) fc_reg; zero biases.
    for (const fc of this.sharedFcs.items) {
      assignFromHost(fc.weight, xavierUniform(fc.weight.shape, fc.inFeatures, fc.outFeatures));
      assignFromHost(fc.bias!, constant(fc.bias!.shape, 0));
    }
    assignFromHost(this.fcCls.weight, normal(this.fcCls.weight.shape, 0.01));
    assignFromHost(this.fcCls.bias!, constant(this.fcCls.bias!.shape, 0));
    assignFromHost(this.fcReg.weight, normal(this.fcReg.weight.shape, 0.001));
    assignFromHost(this.fcReg.bias!, constant(this.fcReg.bias!.shape, 0));
  }

  /** `roiFeats` [R, 7, 7, C] (NHWC) -> class logits and deltas. */
  forward(roiFeats: tf.Tensor4D): BBoxHeadOutput {
    return tf.tidy(() => {
      const r = roiFeats.shape[0];
      // PyTorch flattens NCHW RoI features (index c*49 + y*7 + x); transposing first keeps mmdet's fc weights valid.
      let x: tf.Tensor = tf.reshape(tf.transpose(roiFeats, [0, 3, 1, 2]), [r, this.inChannels * this.roiFeatSize * this.roiFeatSize]);
      for (const fc of this.sharedFcs.items) x = tf.relu(fc.forward(x));
      return { clsScore: this.fcCls.forward(x) as tf.Tensor2D, bboxPred: this.fcReg.forward(x) as tf.Tensor2D };
    });
  }
}
