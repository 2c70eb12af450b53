import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { ModuleList } from '../../core/layers/index.js';
import { MllaBlock, type MllaBlockOptions } from './block.js';
import { PatchMerging } from './patch-merging.js';

/** The official BasicLayer: a stage of MLLA blocks, then (except the last stage) PatchMerging. */
export class MilaStage extends Module {
  readonly blocks: ModuleList<MllaBlock>;
  readonly downsample: PatchMerging | null;

  constructor(o: Omit<MllaBlockOptions, 'dropPath'> & { depth: number; dropPaths: number[]; downsample: boolean }) {
    super();
    const { depth, dropPaths, downsample, ...block } = o;
    this.blocks = this.registerModule('blocks', new ModuleList(Array.from({ length: depth }, (_, i) => new MllaBlock({ ...block, dropPath: dropPaths[i] ?? 0 }))));
    this.downsample = downsample ? this.registerModule('downsample', new PatchMerging(o.dim)) : null;
  }

  /** Returns the stage output (what the detection backbone normalises and emits) and the next stage's input. */
  forward(x: tf.Tensor4D): { out: tf.Tensor4D; next: tf.Tensor4D } {
    return tf.tidy(() => {
      let out = x;
      for (const blk of this.blocks.items) out = blk.forward(out);
      if (out === x) out = x.clone();
      const next = this.downsample ? this.downsample.forward(out) : out;
      return { out, next };
    });
  }
}
