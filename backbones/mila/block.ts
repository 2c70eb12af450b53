import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Conv2d, DropPath, LayerNorm, Linear, silu } from '../../core/layers/index.js';
import { LinearAttention } from './linear-attention.js';
import { Mlp } from './mlp.js';
import { initLinearAsOfficial } from './init.js';

export interface MllaBlockOptions {
  dim: number;
  numHeads: number;
  /** Resolution of the official rotations buffer (img_size / 4 / 2^stage). */
  ropeResolution: [number, number];
  mlpRatio: number;
  qkvBias: boolean;
  drop: number;
  dropPath: number;
}

/**
 * The official MLLABlock on NHWC maps:
 *   x += cpe1(x); s = x; x = norm1(x)
 *   x = out_proj(attn(silu(dwc(in_proj(x)))) * silu(act_proj(x)))
 *   x = s + dropPath(x); x += cpe2(x); x += dropPath(mlp(norm2(x)))
 */
export class MllaBlock extends Module {
  readonly cpe1: Conv2d;
  readonly norm1: LayerNorm;
  readonly inProj: Linear;
  readonly actProj: Linear;
  readonly dwc: Conv2d;
  readonly attn: LinearAttention;
  readonly outProj: Linear;
  readonly dropPath: DropPath;
  readonly cpe2: Conv2d;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(o: MllaBlockOptions) {
    super();
    const dim = o.dim;
    const dwConv = () => new Conv2d(dim, dim, 3, { padding: 1, groups: dim });
    this.cpe1 = this.registerModule('cpe1', dwConv());
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim));
    this.inProj = this.registerModule('in_proj', new Linear(dim, dim));
    this.actProj = this.registerModule('act_proj', new Linear(dim, dim));
    this.dwc = this.registerModule('dwc', dwConv());
    this.attn = this.registerModule('attn', new LinearAttention(dim, o.numHeads, o.ropeResolution, o.qkvBias));
    this.outProj = this.registerModule('out_proj', new Linear(dim, dim));
    this.dropPath = this.registerModule('drop_path', new DropPath(o.dropPath));
    this.cpe2 = this.registerModule('cpe2', dwConv());
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim));
    this.mlp = this.registerModule('mlp', new Mlp(dim, Math.floor(dim * o.mlpRatio), o.drop));
    for (const l of [this.inProj, this.actProj, this.outProj]) initLinearAsOfficial(l);
  }

  forward(input: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const x0 = tf.add(input, this.cpe1.forward(input)) as tf.Tensor4D;
      const xn = this.norm1.forward(x0);
      const mixed = silu(this.dwc.forward(this.inProj.forward(xn))) as tf.Tensor4D;
      // attn(mixed) * silu(act_proj(xn)), the gating fused into the attention's output pass.
      const attended = this.outProj.forward(this.attn.forward(mixed, this.actProj.forward(xn) as tf.Tensor4D));
      const x1 = tf.add(x0, this.dropPath.forward(attended));
      const x2 = tf.add(x1, this.cpe2.forward(x1));
      return tf.add(x2, this.dropPath.forward(this.mlp.forward(this.norm2.forward(x2)))) as tf.Tensor4D;
    });
  }
}
