/**
 * JS versions of the fused computations (the same loops and formulas as native/src/{elementwise,layer-norm,
 * linear-attention,softmax-cross-entropy}.cc), for when the native addon is not built.
 */
import type { FusedCompute } from './fused-compute.js';
import { eluRopeBackward, eluRopeForward, attnOutputBackward, attnOutputForward } from './js-linear-attention.js';
import { layerNormBackward, layerNormForward } from './js-layer-norm.js';
import { normalCdf } from './normal-cdf.js';
import { fastExp } from './fast-exp.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './js-softmax-cross-entropy.js';

const INV_SQRT_2PI = 0.3989422804014327;

export const JS_FUSED_COMPUTE: FusedCompute = {
  geluForward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = x[i]! * normalCdf(x[i]!);
  },
  geluBackward(x, dy, dx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      dx[i] = dy[i]! * (normalCdf(v) + v * INV_SQRT_2PI * fastExp(-0.5 * v * v));
    }
  },
  siluForward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = x[i]! / (1 + fastExp(-x[i]!));
  },
  siluBackward(x, dy, dx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const s = 1 / (1 + fastExp(-v));
      dx[i] = dy[i]! * s * (1 + v * (1 - s));
    }
  },
  eluPlusOneForward(x, y) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      y[i] = v > 0 ? v + 1 : fastExp(v);
    }
  },
  eluPlusOneBackward(y, dy, dx) {
    for (let i = 0; i < y.length; i++) dx[i] = dy[i]! * Math.min(y[i]!, 1);
  },
  layerNormForward,
  layerNormBackward,
  eluRopeForward,
  eluRopeBackward,
  attnOutputForward,
  attnOutputBackward,
  softmaxCrossEntropyForward,
  softmaxCrossEntropyBackward,
};
