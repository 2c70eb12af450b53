/**
 * What the browser test hands the page and Node alike: one PNG (lossless, so the browser's decoder and sharp give
 * the same pixels) and two checkpoints made here, deterministically: the seeded initial weights of the main job's
 * Mask R-CNN and of the MILA-micro UperNet, with a few output layers rescaled so that the results are decisive
 * (detections of several classes with distinct scores, masks and labels away from their thresholds) rather than
 * the near-ties of an untrained model, whose order floating-point noise could flip.
 */
import sharp from 'sharp';
import { getConfig } from '../../configs/index.js';
import type { StateDict } from '../../core/host-tensor.js';
import { Rng, manualSeed } from '../../core/rng.js';
import type { HostImage } from '../../core/types/data.js';
import { mixSeed, renderShapesScene } from '../../datasets/synthetic/coco-synthetic.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';

export const DETECTOR = 'mask_rcnn_mila_main_job';
export const SEGMENTOR = 'upernet_mila_micro_128x128_2k_ade20k';

/** A synthetic shapes scene (the main job's kind of image), 192x160. */
export function shapesImage(): HostImage {
  const scene = renderShapesScene(new Rng(mixSeed(7, 1, 0)), 192, 160, 1);
  return { data: scene.canvas.rgb, height: 160, width: 192, channels: 3 };
}

export async function writePng(img: HostImage, file: string): Promise<void> {
  await sharp(img.data as Uint8Array, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(file);
}

function rescale(sd: StateDict, key: string, f: (v: number, i: number) => number): void {
  const t = sd.get(key);
  if (!t) throw new Error(`fixture: no ${key} in the state dict`);
  t.data = Float32Array.from(t.data as Float32Array, f);
}

/**
 * The detector: class weights centred per class and scaled by 12 (so the class depends on the RoI, not on the
 * mean feature, with scores spread over (0.05, 1)), and mask logits scaled by 20 (masks far from 0.5).
 */
export function detectorCheckpoint(): StateDict {
  const cfg = getConfig(DETECTOR);
  const sd = new MaskRCNN(cfg.model as MaskRCNNConfig, { seed: cfg.seed }).stateDict();
  const w = sd.get('roi_head.bbox_head.fc_cls.weight')!;
  const [k, c] = w.shape as [number, number];
  const mean = Array.from({ length: k }, (_, r) => (w.data as Float32Array).subarray(r * c, (r + 1) * c).reduce((a, b) => a + b, 0) / c);
  rescale(sd, 'roi_head.bbox_head.fc_cls.weight', (v, i) => (v - mean[Math.floor(i / c)]!) * 12);
  rescale(sd, 'roi_head.mask_head.conv_logits.weight', (v) => v * 20);
  return sd;
}

/** The segmentor: its classifier scaled by 50, so the label map follows the image instead of one near-tie. */
export function segmentorCheckpoint(): StateDict {
  manualSeed(0);
  const sd = new EncoderDecoder(getConfig(SEGMENTOR).model as EncoderDecoderConfig).stateDict();
  rescale(sd, 'decode_head.conv_seg.weight', (v) => v * 50);
  return sd;
}
