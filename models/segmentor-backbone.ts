import type { Backbone } from '../backbones/contract.js';
import { TinyConvBackbone } from './segmentor-tiny-backbone.js';

/** The official MLLA backbone kwargs (downstream/segmentation/configs/mlla), as plain data. */
export interface MilaSegBackboneConfig {
  type: 'MILA';
  embedDim: number;
  depths: number[];
  numHeads: number[];
  mlpRatio: number;
  qkvBias: boolean;
  dropPathRate: number;
  outIndices: number[];
}

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
      throw new Error('the MILA backbone is not available in this build (backbones/ has no MILA yet)');
    default:
      throw new Error(`unknown segmentation backbone type ${JSON.stringify((cfg as { type: unknown }).type)}`);
  }
}
