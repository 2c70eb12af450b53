/**
 * What the sharding tests run on: tiny synthetic COCO and ADE20K folders (`mila make-data`), and a checkpoint plus
 * config.json for the tiny Mask R-CNN and TinyConv UperNet presets. The weights are the seeded initialisation
 * (no training, which would cost half a minute): the detector then scores its ~50 proposals per image around
 * 1/6 per class, enough results and ties for bbox and segm; the segmentor's classifier is sharpened onto the
 * classes the synthetic labels use (0..20), so its maps mix those classes and the mIoU tables are not all zero.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { createTask } from '../../tasks/create-task.js';
import { loadExperiment } from '../../train/experiment.js';
import { runMila } from './run-mila.js';

export interface ShardingFixture {
  /** COCO val images (5, 128x96). */
  valImages: string[];
  /** The synthetic COCO folder (annotations/, train2017/, val2017/). */
  cocoRoot: string;
  adeRoot: string;
  det: { config: string; checkpoint: string };
  seg: { config: string; checkpoint: string };
}

const SEG_CLASSES_USED = 21;
const MASK_LOGIT = 10;

async function writeModel(tmp: string, name: string, preset: string, sets: string[], edit?: (sd: Map<string, { data: ArrayLike<number> & { [i: number]: number } }>) => void) {
  const cfg = loadExperiment(preset, sets);
  const task = await createTask(cfg);
  const sd = task.model.stateDict();
  edit?.(sd as never);
  const checkpoint = path.join(tmp, `${name}.safetensors`);
  writeSafetensors(checkpoint, sd);
  const config = path.join(tmp, `${name}.config.json`);
  writeFileSync(config, `${JSON.stringify(cfg, null, 2)}\n`);
  return { config, checkpoint };
}

/** Needs a tfjs backend initialised by the caller. */
export async function makeShardingFixture(tmp: string): Promise<ShardingFixture> {
  const coco = path.join(tmp, 'coco');
  const made = await runMila('make-data', '--kind', 'coco', '--out', coco, '--images', '2', '--val-images', '5', '--size', '128x96');
  expect(made.code, made.err).toBe(0);
  const ade = await runMila('make-data', '--kind', 'ade20k', '--out', path.join(tmp, 'ade'), '--images', '2', '--val-images', '5', '--size', '64x64');
  expect(ade.code, ade.err).toBe(0);
  const adeRoot = path.join(tmp, 'ade', 'ADEChallengeData2016');
  const images = (JSON.parse(readFileSync(path.join(coco, 'annotations/instances_val2017.json'), 'utf8')) as { images: { file_name: string }[] }).images;
  const det = await writeModel(tmp, 'det', 'mask_rcnn_mila_tiny_fpn_synthetic', [`data.root=${coco}`, 'data.val.pipeline.1.imgScale=[128,96]', 'data.test.pipeline.1.imgScale=[128,96]'], (sd) => {
    // Untrained mask logits sit near 0, so masks come out ragged and every segm stat is 0; logits of a constant
    // MASK_LOGIT make each mask fill its box, so a box on a rectangle scores in segm as in bbox.
    const w = sd.get('roi_head.mask_head.conv_logits.weight')!.data;
    const b = sd.get('roi_head.mask_head.conv_logits.bias')!.data;
    for (let i = 0; i < w.length; i++) w[i] = 0;
    for (let c = 0; c < b.length; c++) b[c] = MASK_LOGIT;
  });
  const seg = await writeModel(tmp, 'seg', 'upernet_tinyconv_64x64_500_ade20k', [`data.root=${adeRoot}`], (sd) => {
    const w = sd.get('decode_head.conv_seg.weight')!.data;
    const b = sd.get('decode_head.conv_seg.bias')!.data;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * 100;
    for (let c = SEG_CLASSES_USED; c < b.length; c++) b[c] = -1e4;
  });
  return { valImages: images.map((im) => path.join(coco, 'val2017', im.file_name)), cocoRoot: coco, adeRoot, det, seg };
}
