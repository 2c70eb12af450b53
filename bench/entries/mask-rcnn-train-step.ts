import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { Rng } from '../../core/rng.js';
import { MASK_RCNN_PRESETS } from '../../configs/mask-rcnn.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import { AdamW } from '../../train/adamw.js';
import { paramSettings } from '../../train/param-groups.js';
import { trainStep } from '../../train/train-step.js';
import type { DetBatch } from '../../core/types/data.js';
import type { BenchEntry } from '../entry.js';

/**
 * A seeded detection batch as the training pipeline gives it: n normalised images of h x w padded to a multiple
 * of 32, each with `perImage` boxes (1/8 to 1/3 of the image a side) and their masks (filled ellipses in the box).
 */
export function randomDetBatch(n: number, h: number, w: number, numClasses: number, perImage = 8, seed = 0): DetBatch {
  const rng = new Rng(seed);
  const [ph, pw] = [Math.ceil(h / 32) * 32, Math.ceil(w / 32) * 32];
  const images = new Float32Array(n * ph * pw * 3);
  for (let b = 0; b < n; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w * 3; x++) images[(b * ph + y) * pw * 3 + x] = rng.normal();
  const batch: DetBatch = { images, shape: [n, ph, pw, 3], metas: [], gtBoxes: [], gtLabels: [], gtBoxesIgnore: [], gtMasks: [] };
  for (let b = 0; b < n; b++) {
    const boxes = new Float32Array(perImage * 4);
    const labels = new Int32Array(perImage);
    const masks = new Uint8Array(perImage * h * w);
    for (let i = 0; i < perImage; i++) {
      const bw = rng.uniform(w / 8, w / 3);
      const bh = rng.uniform(h / 8, h / 3);
      const x1 = rng.uniform(0, w - bw);
      const y1 = rng.uniform(0, h - bh);
      boxes.set([x1, y1, x1 + bw, y1 + bh], i * 4);
      labels[i] = Math.floor(rng.uniform(0, numClasses));
      const [cx, cy] = [x1 + bw / 2, y1 + bh / 2];
      for (let y = Math.floor(y1); y < Math.min(h, Math.ceil(y1 + bh)); y++) {
        for (let x = Math.floor(x1); x < Math.min(w, Math.ceil(x1 + bw)); x++) {
          if (((x + 0.5 - cx) / (bw / 2)) ** 2 + ((y + 0.5 - cy) / (bh / 2)) ** 2 <= 1) masks[(i * h + y) * w + x] = 1;
        }
      }
    }
    batch.gtBoxes.push(boxes);
    batch.gtLabels.push(labels);
    batch.gtBoxesIgnore.push(new Float32Array(0));
    batch.gtMasks.push({ count: perImage, height: h, width: w, data: masks });
    batch.metas.push({
      filename: `bench${b}.jpg`, imageId: b, oriShape: [h, w], imgShape: [h, w], padShape: [ph, pw],
      scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null,
    });
  }
  return batch;
}

/**
 * One training iteration of mask_rcnn_mila_t_fpn_1x_coco as `mila train` runs it: batch 2 of 800x1333 images (the
 * largest scale of the MLLA pipeline), 8 objects each, all five losses (RPN cls/bbox, RoI cls/bbox, mask),
 * backward, AdamW with the preset's paramwise groups. The official mmdet cannot train this on a CPU (its
 * RoIAlign backward is CUDA/C++ only), so there is no PyTorch side.
 */
export const MASK_RCNN_TRAIN_STEP_ENTRY: BenchEntry = {
  name: 'mask_rcnn_t.train_step.800x1333',
  async prepare() {
    await registerAllGradients();
    const cfg = structuredClone(MASK_RCNN_PRESETS.find((p) => p.name === 'mask_rcnn_mila_t_fpn_1x_coco')!);
    const model = new MaskRCNN(cfg.model).train();
    const opt = new AdamW(paramSettings(model, cfg.optimizer), { betas: cfg.optimizer.betas, eps: cfg.optimizer.eps });
    const batch = randomDetBatch(2, 800, 1333, cfg.model.roiHead.bboxHead.numClasses);
    return {
      run() {
        // The samplers' streams restart as the runner restarts them per iteration: every run samples the same RoIs.
        model.reseedSampling(0);
        trainStep(model, opt, batch, 1e-4, null);
      },
      dispose() {
        opt.dispose();
        model.dispose();
      },
    };
  },
};
