import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { constant } from '../init.js';

/**
 * nn.BatchNorm2d on NHWC. Training: normalise with the batch's biased variance and update the running
 * statistics with the unbiased one (momentum 0.1), as PyTorch; eval: the running statistics.
 */
export class BatchNorm2d extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;

  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = this.registerParameter('weight', constant([numFeatures], 1), [numFeatures]);
    this.bias = this.registerParameter('bias', constant([numFeatures], 0), [numFeatures]);
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (!this.training) {
        return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias, this.weight, this.eps);
      }
      const updateRunningStats = (mean: tf.Tensor, variance: tf.Tensor): void => {
        // Running statistics never feed the output, so no gradient flows through their update.
        const n = x.size / this.numFeatures;
        const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
        this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
      };
      // The lean gradient is for the full-size steps of the native backend (core/native-backend/). Elsewhere the
      // composite stays, so wasm/cpu training (npm start's results among them) keeps the trajectory it had: the two
      // gradients agree within 2e-7 relative, and short high-lr runs part at the third decimal after a few steps
      // (the tiny UperNet test at lr 2e-2: 0.934 vs 0.938 at step 10 on wasm), as they do between backends.
      if (tf.getBackend() === 'native') return batchNormTrain(x, this.weight, this.bias, this.eps, updateRunningStats);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      updateRunningStats(mean, variance);
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    });
  }
}

/**
 * y = (x - mean) · invStd · weight + bias with the batch's statistics (passed to `onStats` for the running averages),
 * as one differentiable op that saves only x and the per-channel statistics: x̂ is recomputed in the backward pass,
 * where the composite of tfjs ops kept x - mean twice and x̂ (three maps the size of x per BatchNorm). Gradients are
 * PyTorch's (mean and variance differentiated):
 * dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invStd/n · (n·dy − dβ − x̂·dγ), sums over all but the channel axis.
 */
function batchNormTrain(
  x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps: number, onStats: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, w, b] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // The forward of a customGrad runs untaped: the moments' intermediates are not kept for the backward pass.
    const axes = [...Array(xs.rank - 1).keys()];
    const { mean, variance } = tf.moments(xs, axes);
    onStats(mean, variance);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const value = tf.add(tf.mul(tf.mul(tf.sub(xs, mean), invStd), w), b);
    save([xs, w, mean, invStd]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sw, sMean, sInvStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const n = sx.size / sx.shape[sx.rank - 1]!;
      const xhat = tf.mul(tf.sub(sx, sMean), sInvStd);
      const dBias = tf.sum(dy, axes);
      const dWeight = tf.sum(tf.mul(dy, xhat), axes);
      const dx = tf.mul(tf.sub(tf.sub(tf.mul(dy, n), dBias), tf.mul(xhat, dWeight)), tf.mul(tf.mul(sw, sInvStd), 1 / n));
      return [dx, dWeight, dBias];
    };
    return { value, gradFunc };
  });
  return op(x, weight, bias);
}
