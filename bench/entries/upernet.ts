import * as tf from '@tensorflow/tfjs-core';
import { MilaBackbone, type MilaBackboneConfig } from '../../backbones/mila/index.js';
import { EntryUnavailable, type BenchEntry } from '../entry.js';
import { importIfPresent, randomImage } from './random-input.js';

type UperNetConfigs = typeof import('../../configs/upernet.js');
type EncoderDecoderModule = typeof import('../../models/segmentor/encoder-decoder.js');

/** UperNet + MILA-T (upernet_mila_t_512x512_160k_ade20k), whole-image inference on one 512x512 image. */
export const UPERNET_ENTRY: BenchEntry = {
  name: 'upernet_t.infer.512',
  torch: ['upernet', '512'],
  async prepare() {
    const configs = await importIfPresent<UperNetConfigs>('../../configs/upernet.js');
    const models = await importIfPresent<EncoderDecoderModule>('../../models/segmentor/encoder-decoder.js');
    if (!configs || !models) throw new EntryUnavailable('the UperNet model (configs/upernet.ts, models/segmentor/encoder-decoder.ts) is not in this build');
    const cfg = configs.UPERNET_MILA_T.model;
    if (cfg.backbone.type !== 'MILA') throw new EntryUnavailable('upernet_mila_t does not name a MILA backbone');
    const { embedDim, depths, numHeads, mlpRatio, qkvBias, outIndices } = cfg.backbone as MilaBackboneConfig;
    const backbone = new MilaBackbone({ embedDim, depths, numHeads, mlpRatio, qkvBias, outIndices, dropPathRate: 0 });
    const model = models.buildEncoderDecoder(cfg, backbone).eval();
    const x = randomImage([1, 512, 512, 3]);
    return {
      run() {
        const logits = model.encodeDecode(x);
        logits.dataSync();
        logits.dispose();
      },
      dispose() {
        x.dispose();
        tf.dispose(model.parameters());
      },
    };
  },
};
