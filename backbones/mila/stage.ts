import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { recomputeModuleInBackward } from '../../core/recompute.js';
import { ModuleList } from '../../core/layers/index.js';
import { MllaBlock, type MllaBlockOptions } from './block.js';
import { PatchMerging } from './patch-merging.js';

/** The official BasicLayer: a stage of MLLA blocks, then (except the last stage) PatchMerging. */
export class MilaStage extends Module {
  readonly blocks: ModuleList<MllaBlock>;
  readonly downsample: PatchMerging | null;
  /** Gradient checkpointing of each block and of PatchMerging (official `use_checkpoint`): see core/recompute.ts. */
  readonly useCheckpoint: boolean;

  constructor(o: Omit<MllaBlockOptions, 'dropPath'> & { depth: number; dropPaths: number[]; downsample: boolean; useCheckpoint?: boolean }) {
    super();
    const { depth, dropPaths, downsample, useCheckpoint = false, ...block } = o;
    this.useCheckpoint = useCheckpoint;
    this.blocks = this.registerModule('blocks', new ModuleList(Array.from({ length: depth }, (_, i) => new MllaBlock({ ...block, dropPath: dropPaths[i] ?? 0 }))));
    this.downsample = downsample ? this.registerModule('downsample', new PatchMerging(o.dim)) : null;
  }

  /** Returns the stage output (what the detection backbone normalises and emits) and the next stage's input. */
  forward(x: tf.Tensor4D): { out: tf.Tensor4D; next: tf.Tensor4D } {
    return tf.tidy(() => {
      let out = x;
      for (const blk of this.blocks.items) out = this.useCheckpoint ? recomputeModuleInBackward(blk, out) : blk.forward(out);
      if (out === x) out = x.clone();
      // PatchMerging is checkpointed too: its 8C-channel hidden maps at the stage's resolution are what a
      // training step keeps most of once the blocks are checkpointed (not in the official code; same values).
      const next = !this.downsample ? out : this.useCheckpoint ? recomputeModuleInBackward(this.downsample, out) : this.downsample.forward(out);
      return { out, next };
    });
  }
}
