import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Conv2d, Linear } from '../../core/layers/index.js';
import { RoPE, ropePairTables } from './rope.js';
import { fusedAttnOutput, fusedEluRope, toHeads } from '../../core/fused/fused-ops.js';
import { initLinearAsOfficial } from './init.js';

/**
 * The official LinearAttention with LePE and RoPE, on NHWC maps:
 *   q, k = elu(qk(x)) + 1 (two halves), v = x
 *   z    = 1 / (q . mean_n(k) + 1e-6)                per head and position
 *   out  = (rope(q) @ (rope(k)^T v / n)) * z + lepe(v)
 * The per-head k^T v products are one batched matmul over [batch*heads, n, headDim]. The element-wise work
 * is two fused ops (core/fused): elu + 1 with RoPE straight into the per-head layout, and the output
 * (head transpose, normaliser, LePE add).
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

  /**
   * With `gate` (the block's act_proj output, before SiLU) the result is attn(x) * silu(gate), computed in the
   * same pass as the attention output.
   */
  forward(x: tf.Tensor4D, gate?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const n = h * w;
      const heads = this.numHeads;
      const { cos, sin } = ropePairTables(h, w, c);
      const { q, qRope, kRope, kMean } = fusedEluRope(this.qk.forward(x) as tf.Tensor4D, cos, sin, heads);
      const kv = tf.mul(tf.matMul(kRope, toHeads(x, heads), true, false), 1 / n); // [b*heads, d, d]
      const o = tf.matMul(qRope, kv) as tf.Tensor3D; // [b*heads, n, d]
      return fusedAttnOutput(o, q, kMean, this.lepe.forward(x) as tf.Tensor4D, heads, gate);
    });
  }
}
