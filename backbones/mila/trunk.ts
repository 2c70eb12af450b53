import * as tf from '@tensorflow/tfjs-core';
import { Module, type LoadOptions, type LoadResult } from '../../core/module.js';
import { recomputeModuleInBackward } from '../../core/recompute.js';
import { Dropout, ModuleList } from '../../core/layers/index.js';
import type { StateDict } from '../../core/host-tensor.js';
import { dropPathRates, stageChannels, type MilaConfig } from './config.js';
import { RoPE } from './rope.js';
import { MilaStage } from './stage.js';
import { Stem } from './stem.js';

/**
 * What the detection backbone and the ImageNet classifier share: `patch_embed` (Stem), `pos_drop` and
 * `layers` (stages), named as in the official code. `registerHead` runs first so that subclasses can add
 * modules (the detection backbone's `norm{i}`) in the official registration order.
 */
export class MilaTrunk extends Module {
  readonly patchEmbed: Stem;
  readonly posDrop: Dropout;
  readonly layers: ModuleList<MilaStage>;

  constructor(readonly config: MilaConfig, registerFirst?: (register: <M extends Module>(name: string, m: M) => M) => void) {
    super();
    registerFirst?.((name, m) => this.registerModule(name, m));
    this.patchEmbed = this.registerModule('patch_embed', new Stem(config.inChans, config.embedDim, config.patchSize));
    this.posDrop = this.registerModule('pos_drop', new Dropout(config.dropRate));
    const dpr = dropPathRates(config);
    const res = Math.floor(config.imgSize / config.patchSize);
    let start = 0;
    const stages: MilaStage[] = [];
    config.depths.forEach((depth, i) => {
      const r = Math.floor(res / 2 ** i);
      stages.push(
        new MilaStage({
          dim: stageChannels(config, i),
          numHeads: config.numHeads[i]!,
          ropeResolution: [r, r],
          mlpRatio: config.mlpRatio,
          qkvBias: config.qkvBias,
          drop: config.dropRate,
          depth,
          dropPaths: dpr.slice(start, start + depth),
          downsample: i < config.depths.length - 1,
          useCheckpoint: config.useCheckpoint,
        }),
      );
      start += depth;
    });
    this.layers = this.registerModule('layers', new ModuleList(stages));
  }

  /**
   * As `Module.loadStateDict`, except that the `attn.rope.rotations` buffers accept any shape: their values
   * are a function of the input size, recomputed in forward, so a checkpoint made for another img_size loads.
   * Missing/unexpected keys are reported exactly as PyTorch's strict=False load reports them.
   */
  override loadStateDict(sd: StateDict, opts: LoadOptions = {}): LoadResult {
    const ownRotations = new Map<string, tf.Variable>();
    for (const [k, v] of this.namedBuffers('', true)) if (k.endsWith(`.rope.${RoPE.BUFFER}`)) ownRotations.set(k, v);
    const adjusted: StateDict = new Map();
    for (const [k, t] of sd) {
      const own = ownRotations.get(k);
      adjusted.set(k, own ? { dtype: 'float32', shape: [...own.shape], data: own.dataSync() as Float32Array } : t);
    }
    return super.loadStateDict(adjusted, opts);
  }

  /** Stem then stages; calls `onStage(i, out)` with each stage's output (before downsampling). Returns the last stage's output. */
  protected runStages(x: tf.Tensor4D, onStage: (i: number, out: tf.Tensor4D) => void): void {
    // The stem is checkpointed with the blocks: its full-resolution maps (4C channels at stride 4) would
    // otherwise dominate what a checkpointed training step keeps.
    const tokens = this.config.useCheckpoint ? recomputeModuleInBackward(this.patchEmbed, x) : this.patchEmbed.forward(x);
    let h = this.posDrop.forward(tokens) as tf.Tensor4D;
    this.layers.items.forEach((stage, i) => {
      const { out, next } = stage.forward(h);
      onStage(i, out);
      h = next;
    });
  }
}
