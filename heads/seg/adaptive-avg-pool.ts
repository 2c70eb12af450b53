import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../../core/module.js';
import { separableMap } from './resize-bilinear.js';

/** PyTorch's adaptive pooling bins for one axis: bin i covers [floor(i*in/out), ceil((i+1)*in/out)). */
export function adaptiveBins(inSize: number, outSize: number): [number, number][] {
  const bins: [number, number][] = [];
  for (let i = 0; i < outSize; i++) {
    bins.push([Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)]);
  }
  return bins;
}

/** The averaging matrix [outSize, inSize] of one axis: row i is 1/len over bin i, 0 elsewhere. */
export function adaptiveAvgMatrix(inSize: number, outSize: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  adaptiveBins(inSize, outSize).forEach(([start, end], i) => {
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  });
  return m;
}

/**
 * nn.AdaptiveAvgPool2d on NHWC. Each 2-D bin is the product of a row bin and a column bin, so the mean
 * over it factorises into two matrix products (rows then columns); gradients come for free through matMul.
 */
export class AdaptiveAvgPool2d extends Module implements Layer {
  constructor(readonly outputSize: number) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [, h, w] = x.shape as [number, number, number, number];
      const s = this.outputSize;
      const rows = tf.tensor2d(adaptiveAvgMatrix(h, s), [s, h]);
      const cols = tf.tensor2d(adaptiveAvgMatrix(w, s), [s, w]);
      return separableMap(x as tf.Tensor4D, rows, cols);
    });
  }
}
