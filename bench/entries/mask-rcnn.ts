import * as tf from '@tensorflow/tfjs-core';
import { EntryUnavailable, type BenchEntry } from '../entry.js';
import { importIfPresent } from './random-input.js';
import { Rng } from '../../core/rng.js';

type MaskRcnnConfigs = typeof import('../../configs/mask-rcnn.js');
type MaskRcnnModels = typeof import('../../models/detector/mask-rcnn.js');

const [H, W] = [800, 1333];
/** mmdet pads the resized image to a multiple of 32. */
const PAD_W = Math.ceil(W / 32) * 32;

/**
 * Mask R-CNN + MILA-T (mask_rcnn_mila_t_fpn_1x_coco, random weights) simple_test on one 800x1333 image
 * (mmdet's test scale): backbone, FPN, RPN proposals, box head, mask head, masks pasted at full size.
 */
export const MASK_RCNN_ENTRY: BenchEntry = {
  name: 'mask_rcnn_t.infer.800x1333',
  torch: ['mask_rcnn', String(H), String(W)],
  async prepare() {
    const configs = await importIfPresent<MaskRcnnConfigs>('../../configs/mask-rcnn.js');
    const models = await importIfPresent<MaskRcnnModels>('../../models/detector/mask-rcnn.js');
    if (!configs || !models) throw new EntryUnavailable('the Mask R-CNN model (configs/mask-rcnn.ts, models/detector/mask-rcnn.ts) is not in this build yet');
    const preset = configs.MASK_RCNN_PRESETS.find((p) => p.name === 'mask_rcnn_mila_t_fpn_1x_coco');
    if (!preset) throw new EntryUnavailable('configs/mask-rcnn.ts has no mask_rcnn_mila_t_fpn_1x_coco preset');
    const model = new models.MaskRCNN(preset.model).eval();
    const rng = new Rng(0);
    const images = Float32Array.from({ length: H * PAD_W * 3 }, () => rng.normal());
    const batch = {
      images,
      shape: [1, H, PAD_W, 3] as [number, number, number, number],
      metas: [{
        filename: 'bench.jpg', imageId: 0, oriShape: [H, W] as [number, number], imgShape: [H, W] as [number, number],
        padShape: [H, PAD_W] as [number, number], scaleFactor: [1, 1, 1, 1] as [number, number, number, number], flip: false, flipDirection: null,
      }],
    };
    return {
      run() {
        model.simpleTest(batch, true);
      },
      dispose() {
        tf.dispose(model.parameters());
      },
    };
  },
};
