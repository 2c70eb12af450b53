/**
 * Gradients of the fused kernels, each one fused kernel call. Multi-input gradients are computed eagerly in
 * gradFunc (one kernel for all inputs); tfjs calls gradFunc inside its backward tidy, so the parts of inputs
 * that the tape pruned are freed with it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED, type HeadsAttrs, type LayerNormAttrs, type SoftmaxCrossEntropyAttrs } from './kernel-names.js';

type Attrs = tf.NamedAttrMap;

function run(name: string, inputs: tf.NamedTensorMap, attrs: Attrs = {}): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs);
}

function one(name: string, inputs: tf.NamedTensorMap, attrs: Attrs = {}): tf.Tensor {
  return run(name, inputs, attrs) as tf.Tensor;
}

export const FUSED_GRADIENTS: readonly tf.GradConfig[] = [
  {
    kernelName: FUSED.gelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => one(FUSED.geluGrad, { x: saved[0]!, dy: dy as tf.Tensor }) }),
  },
  {
    kernelName: FUSED.silu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => one(FUSED.siluGrad, { x: saved[0]!, dy: dy as tf.Tensor }) }),
  },
  {
    kernelName: FUSED.eluPlusOne,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => one(FUSED.eluPlusOneGrad, { y: saved[0]!, dy: dy as tf.Tensor }) }),
  },
  {
    kernelName: FUSED.layerNorm,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved, attrs) => {
      const [x, weight] = saved as [tf.Tensor, tf.Tensor];
      const { eps } = attrs as unknown as LayerNormAttrs;
      const [dx, dw, db] = run(FUSED.layerNormGrad, { x, weight, dy: dy as tf.Tensor }, { eps }) as tf.Tensor[];
      return { x: () => dx!, weight: () => dw!, bias: () => db! };
    },
  },
  {
    kernelName: FUSED.eluRope,
    inputsToSave: ['cos', 'sin'],
    outputsToSave: [true, true, false, false, false],
    gradFunc: (dys, saved, attrs) => {
      const [dq, dk, dqRope, dkRope, dkMean] = dys as tf.Tensor[];
      const [cos, sin, q, k] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const { heads } = attrs as unknown as HeadsAttrs;
      const dx = one(FUSED.eluRopeGrad, { q, k, dq: dq!, dk: dk!, dqRope: dqRope!, dkRope: dkRope!, dkMean: dkMean!, cos, sin }, { heads });
      // The tables are constants (never trained); their gradient is defined only so that the tape can pass.
      return { x: () => dx, cos: () => tf.zerosLike(cos), sin: () => tf.zerosLike(sin) };
    },
  },
  {
    kernelName: FUSED.attnOutput,
    inputsToSave: ['o', 'q', 'kMean'],
    gradFunc: (dy, saved, attrs) => {
      const [o, q, kMean] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const { heads } = attrs as unknown as HeadsAttrs;
      const g = dy as tf.Tensor;
      const [dO, dQ, dKMean] = run(FUSED.attnOutputGrad, { o, q, kMean, dy: g }, { heads }) as tf.Tensor[];
      return { o: () => dO!, q: () => dQ!, kMean: () => dKMean!, lepe: () => tf.reshape(g, g.shape) };
    },
  },
  {
    kernelName: FUSED.gatedAttnOutput,
    inputsToSave: ['o', 'q', 'kMean', 'lepe', 'gate'],
    gradFunc: (dy, saved, attrs) => {
      const [o, q, kMean, lepe, gate] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const { heads } = attrs as unknown as HeadsAttrs;
      const [dO, dQ, dKMean, dLepe, dGate] = run(FUSED.gatedAttnOutputGrad, { o, q, kMean, lepe, gate, dy: dy as tf.Tensor }, { heads }) as tf.Tensor[];
      return { o: () => dO!, q: () => dQ!, kMean: () => dKMean!, lepe: () => dLepe!, gate: () => dGate! };
    },
  },
  {
    // Saves the logits (the softmax is recomputed from them) and the labels, nothing logit-sized of its own.
    kernelName: FUSED.softmaxCrossEntropy,
    inputsToSave: ['logits', 'labels'],
    gradFunc: (dy, saved, attrs) => {
      const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
      const { ignoreIndex } = attrs as unknown as SoftmaxCrossEntropyAttrs;
      return {
        logits: () => one(FUSED.softmaxCrossEntropyGrad, { logits, labels, dy: dy as tf.Tensor }, { ignoreIndex }),
        // Class indices have no gradient; defined only so that a tape that reaches them can pass.
        labels: () => tf.zerosLike(labels),
      };
    },
  },
];
