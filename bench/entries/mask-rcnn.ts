import { EntryUnavailable, type BenchEntry } from '../entry.js';
import { importIfPresent } from './random-input.js';

/**
 * Mask R-CNN + MILA-T inference on one 800x1333 image (mmdet's test scale). Registered now, measured
 * once models/mask-rcnn.ts exists; until then the runner prints why there is no number.
 */
export const MASK_RCNN_ENTRY: BenchEntry = {
  name: 'mask_rcnn_t.infer.800x1333',
  torch: ['mask_rcnn', '800', '1333'],
  async prepare() {
    const mod = await importIfPresent<Record<string, unknown>>('../../models/mask-rcnn.js');
    if (!mod) throw new EntryUnavailable('the Mask R-CNN model (models/mask-rcnn.ts) is not in this build yet');
    throw new EntryUnavailable('models/mask-rcnn.ts exists but this benchmark entry has not been wired to it yet');
  },
};
