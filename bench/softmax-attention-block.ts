import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../core/module.js';
import { LayerNorm, Linear, gelu } from '../core/layers/index.js';

/** Query rows per chunk: scores for 2,048 queries x 16,384 keys x heads stay under ~256 MB. */
const QUERY_CHUNK = 2048;

/**
 * A standard pre-norm transformer block (ViT/Swin without windows) of width `dim`, the quadratic
 * counterpart of a MILA block in the benchmark: x += proj(softmax(q k^T / sqrt(d)) v); x += mlp(norm(x)).
 * Queries go in chunks so the n x n scores of large maps fit in memory; the arithmetic is unchanged.
 */
export class SoftmaxAttentionBlock extends Module {
  readonly norm1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(readonly dim: number, readonly numHeads: number, mlpRatio = 4) {
    super();
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim));
    this.proj = this.registerModule('proj', new Linear(dim, dim));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.fc1 = this.registerModule('fc1', new Linear(dim, dim * mlpRatio));
    this.fc2 = this.registerModule('fc2', new Linear(dim * mlpRatio, dim));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w, c] = x.shape;
      const n = h * w;
      const heads = this.numHeads;
      const d = c / heads;
      const qkv = tf.reshape(this.qkv.forward(this.norm1.forward(x)), [b, n, 3, heads, d]);
      const [q, k, v] = tf.unstack(tf.transpose(qkv, [2, 0, 3, 1, 4])).map((t) => tf.reshape(t, [b * heads, n, d]));
      const scaledQ = tf.mul(q!, 1 / Math.sqrt(d));
      const chunks: tf.Tensor[] = [];
      for (let start = 0; start < n; start += QUERY_CHUNK) {
        const len = Math.min(QUERY_CHUNK, n - start);
        chunks.push(
          tf.tidy(() => {
            const qc = tf.slice(scaledQ, [0, start, 0], [b * heads, len, d]);
            return tf.matMul(tf.softmax(tf.matMul(qc, k!, false, true)), v!);
          }),
        );
      }
      const attn = chunks.length === 1 ? chunks[0]! : tf.concat(chunks, 1);
      const merged = tf.reshape(tf.transpose(tf.reshape(attn, [b, heads, n, d]), [0, 2, 1, 3]), [b, h, w, c]);
      const x1 = tf.add(x, this.proj.forward(merged));
      return tf.add(x1, this.fc2.forward(gelu(this.fc1.forward(this.norm2.forward(x1))))) as tf.Tensor4D;
    });
  }
}
