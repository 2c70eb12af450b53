import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Conv2d, Linear } from '../../core/layers/index.js';
import { applyRope, RoPE } from './rope.js';
import { initLinearAsOfficial } from './init.js';

/**
 * The official LinearAttention with LePE and RoPE, on NHWC maps:
 *   q, k = elu(qk(x)) + 1 (two halves), v = x
 *   z    = 1 / (q . mean_n(k) + 1e-6)                per head and position
 *   out  = (rope(q) @ (rope(k)^T v / n)) * z + lepe(v)
 * The per-head k^T v products are one batched matmul over [batch*heads, n, headDim].
 */
export class LinearAttention extends Module {
  readonly qk: Linear;
  readonly lepe: Conv2d;
  readonly rope: RoPE;
  readonly headDim: number;

  constructor(readonly dim: number, readonly numHeads: number, ropeResolution: [number, number], qkvBias = true) {
    super();
    this.qk = this.registerModule('qk', new Linear(dim, dim * 2, qkvBias));
    initLinearAsOfficial(this.qk);
    this.lepe = this.registerModule('lepe', new Conv2d(dim, dim, 3, { padding: 1, groups: dim }));
    this.rope = this.registerModule('rope', new RoPE(ropeResolution[0], ropeResolution[1], dim));
    this.headDim = dim / numHeads;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const n = h * w;
      const heads = this.numHeads;
      const d = this.headDim;
      const qk = tf.add(tf.elu(this.qk.forward(x)), 1) as tf.Tensor4D; // [b, h, w, 2c]: q then k
      const qkRope = applyRope(qk, c);
      const [q, k] = tf.split(qk, 2, 3);
      const [qRope, kRope] = tf.split(qkRope, 2, 3);

      // Normaliser: q . mean(k) within each head.
      const kMean = tf.mean(k!, [1, 2], true); // [b, 1, 1, c]
      const qDotK = tf.sum(tf.reshape(tf.mul(q!, kMean), [b, n, heads, d]), 3, true); // [b, n, heads, 1]
      const z = tf.reciprocal(tf.add(qDotK, 1e-6));

      let out: tf.Tensor;
      if (heads === 1) {
        const kv = tf.mul(tf.matMul(tf.reshape(kRope!, [b, n, c]), tf.reshape(x, [b, n, c]), true, false), 1 / n); // [b, c, c]
        out = tf.matMul(tf.reshape(qRope!, [b, n, c]), kv); // [b, n, c]
      } else {
        const toHeads = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [b, n, heads, d]), [0, 2, 1, 3]), [b * heads, n, d]);
        const kv = tf.mul(tf.matMul(toHeads(kRope!), toHeads(x), true, false), 1 / n); // [b*heads, d, d]
        const o = tf.matMul(toHeads(qRope!), kv); // [b*heads, n, d]
        out = tf.transpose(tf.reshape(o, [b, heads, n, d]), [0, 2, 1, 3]); // [b, n, heads, d]
      }
      const attn = tf.reshape(tf.mul(tf.reshape(out, [b, n, heads, d]), z), [b, h, w, c]);
      return tf.add(attn, this.lepe.forward(x)) as tf.Tensor4D;
    });
  }
}
