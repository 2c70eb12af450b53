import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../../core/module.js';
import { Conv2d, ConvTranspose2d, ModuleList } from '../../../core/layers/index.js';
import { constant, kaimingNormalFanOut } from '../../../core/init.js';
import { assignFromHost } from '../../../core/assign-host.js';
import { binaryCrossEntropyWithLogits } from '../../../losses/binary-cross-entropy.js';

/** mmcv's ConvModule without norm: a `conv` child (so names read `convs.0.conv.weight`) followed by ReLU. */
export class ConvReLU extends Module {
  readonly conv: Conv2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, padding: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { padding }));
    // mmcv ConvModule.init_weights: kaiming_normal (fan_out, relu), zero bias.
    assignFromHost(this.conv.weight, kaimingNormalFanOut(this.conv.weight.shape, outChannels * kernelSize * kernelSize));
    assignFromHost(this.conv.bias!, constant(this.conv.bias!.shape, 0));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.relu(this.conv.forward(x)));
  }
}

export interface FCNMaskHeadOptions {
  numClasses: number;
  inChannels?: number;
  convOutChannels?: number;
  numConvs?: number;
}

/**
 * mmdet's FCNMaskHead: 4 x (3x3 conv 256 + ReLU), a 2x2 stride-2 ConvTranspose2d + ReLU (`upsample`), and a
 * 1x1 `conv_logits` to one 28x28 logit map per class. 2,643,280 parameters for 80 classes.
 */
export class FCNMaskHead extends Module {
  readonly numClasses: number;
  readonly convs: ModuleList<ConvReLU>;
  readonly upsample: ConvTranspose2d;
  readonly convLogits: Conv2d;

  constructor(opts: FCNMaskHeadOptions) {
    super();
    this.numClasses = opts.numClasses;
    const inC = opts.inChannels ?? 256;
    const c = opts.convOutChannels ?? 256;
    const n = opts.numConvs ?? 4;
    this.convs = this.registerModule('convs', new ModuleList(Array.from({ length: n }, (_, i) => new ConvReLU(i === 0 ? inC : c, c, 3, 1))));
    this.upsample = this.registerModule('upsample', new ConvTranspose2d(n > 0 ? c : inC, c, 2, 2));
    this.convLogits = this.registerModule('conv_logits', new Conv2d(c, this.numClasses, 1));
    // FCNMaskHead.init_weights: kaiming_normal (fan_out, relu) for upsample and conv_logits, zero biases.
    // torch's fan_out of a ConvTranspose2d weight [in, out, k, k] is in * k * k.
    assignFromHost(this.upsample.weight, kaimingNormalFanOut(this.upsample.weight.shape, (n > 0 ? c : inC) * 4));
    assignFromHost(this.upsample.bias!, constant(this.upsample.bias!.shape, 0));
    assignFromHost(this.convLogits.weight, kaimingNormalFanOut(this.convLogits.weight.shape, this.numClasses));
    assignFromHost(this.convLogits.bias!, constant(this.convLogits.bias!.shape, 0));
  }

  /** [R, 14, 14, C] -> [R, 28, 28, numClasses] logits. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y: tf.Tensor = x;
      for (const conv of this.convs.items) y = conv.forward(y);
      y = tf.relu(this.upsample.forward(y));
      return this.convLogits.forward(y) as tf.Tensor4D;
    });
  }
}

/**
 * The logit map of each RoI's class: [R, S, S, K] and labels [R] -> [R, S, S]. A one-hot product rather than
 * a gather, so the gradient needs no UnsortedSegmentSum.
 */
export function pickClassMaps(maskPred: tf.Tensor4D, labels: Int32Array): tf.Tensor3D {
  return tf.tidy(() => {
    const [r, , , k] = maskPred.shape;
    const onehot = tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), k), [r, 1, 1, k]);
    return tf.sum(tf.mul(maskPred, onehot), 3) as tf.Tensor3D;
  });
}

/**
 * mmdet's FCNMaskHead.loss with mask_cross_entropy: sigmoid BCE of each positive's class channel against its
 * target, averaged over all positives and pixels; 0 without positives.
 */
export function maskHeadLoss(maskPred: tf.Tensor4D, targets: Float32Array, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const [r, s] = maskPred.shape;
    if (r === 0) return tf.scalar(0);
    const x = pickClassMaps(maskPred, labels);
    const t = tf.tensor3d(targets, [r, s, s]);
    return tf.mean(binaryCrossEntropyWithLogits(x, t)) as tf.Scalar;
  });
}
