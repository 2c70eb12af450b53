import * as tf from '@tensorflow/tfjs-core';
import { LayerNorm } from '../../core/layers/index.js';
import type { Backbone, ShapeSpec } from '../../core/types/backbone.js';
import { milaConfig, milaConfigOfEntry, stageChannels, type MilaBackboneConfig, type MilaConfig, type MilaPresetName } from './config.js';
import { registerBackbone } from '../../core/registry.js';
import { MilaTrunk } from './trunk.js';

/**
 * The official MLLA detection backbone (downstream/detection/.../backbones/mlla.py) on NHWC input of any
 * size: Stem, four stages of MLLA blocks with PatchMerging, and a LayerNorm `norm{i}` on each requested
 * output. Outputs are NHWC at strides 4, 8, 16, 32.
 */
export class MilaBackbone extends MilaTrunk implements Backbone {
  readonly outShapes: readonly ShapeSpec[];
  private readonly outNorms = new Map<number, LayerNorm>();

  constructor(spec: MilaConfig | MilaPresetName | Partial<MilaConfig>) {
    const config = typeof spec === 'string' ? milaConfig(spec) : milaConfig(spec);
    const norms = new Map<number, LayerNorm>();
    super(config, (register) => {
      for (const i of config.outIndices) norms.set(i, register(`norm${i}`, new LayerNorm(stageChannels(config, i))));
    });
    this.outNorms = norms;
    this.outShapes = config.outIndices.map((i) => ({ channels: stageChannels(config, i), stride: config.patchSize * 2 ** i }));
  }

  /** NHWC float32 [b, h, w, inChans] -> one NHWC map per out index, in `outIndices` order. */
  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    if (x.rank !== 4 || x.shape[3] !== this.config.inChans) {
      throw new Error(`MilaBackbone: expected an NHWC batch [b, h, w, ${this.config.inChans}], got [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => {
      const outs = new Map<number, tf.Tensor4D>();
      this.runStages(x, (i, out) => {
        const norm = this.outNorms.get(i);
        if (norm) outs.set(i, norm.forward(out) as tf.Tensor4D);
      });
      return this.config.outIndices.map((i) => outs.get(i)!);
    });
  }
}

registerBackbone<MilaBackboneConfig>('MILA', (cfg) => new MilaBackbone(milaConfigOfEntry(cfg)));
