import type { Backbone } from '../../core/types/backbone.js';
import { TinyConvBackbone } from '../../backbones/tiny-conv.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { milaConfig, type MilaConfig } from '../../backbones/mila/config.js';

/** The official MLLA backbone kwargs (downstream/segmentation/configs/mlla), as plain data. */
export type MilaSegBackboneConfig = { type: 'MILA' } & Pick<
  MilaConfig,
  'embedDim' | 'depths' | 'numHeads' | 'mlpRatio' | 'qkvBias' | 'dropPathRate' | 'outIndices' | 'useCheckpoint'
>;

/** A small conv stand-in (strides 4..32) for tests and quick runs. */
export interface TinyConvSegBackboneConfig {
  type: 'TinyConv';
  channels: number[];
}

export type SegBackboneConfig = MilaSegBackboneConfig | TinyConvSegBackboneConfig;

/** Build the backbone a segmentor config names. */
export function buildSegBackbone(cfg: SegBackboneConfig): Backbone {
  switch (cfg.type) {
    case 'TinyConv':
      return new TinyConvBackbone(cfg.channels);
    case 'MILA':
      return new MilaBackbone(
        milaConfig({
          embedDim: cfg.embedDim,
          depths: [...cfg.depths],
          numHeads: [...cfg.numHeads],
          mlpRatio: cfg.mlpRatio,
          qkvBias: cfg.qkvBias,
          dropPathRate: cfg.dropPathRate,
          outIndices: [...cfg.outIndices],
          // Configs stored before useCheckpoint existed lack the key: off, as the official default.
          useCheckpoint: cfg.useCheckpoint === true,
        }),
      );
    default:
      throw new Error(`unknown segmentation backbone type ${JSON.stringify((cfg as { type: unknown }).type)}`);
  }
}
