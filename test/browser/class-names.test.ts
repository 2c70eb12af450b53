/**
 * The names a page draws for a model's labels (browser/model.ts): as Node's loadDetector / loadSegmentor and
 * `mila infer` pick them, plus the main job's shapes, whose annotation file a page does not have.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, disposeModel, type BrowserModel } from '../../browser/model.js';
import { getConfig } from '../../configs/index.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { initBackend } from '../../core/backend.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';

/** The main job's detector with `numClasses` classes and its data elsewhere (not the synthetic shapes). */
function detector(numClasses: number, classes: string[] | null = null): ExperimentConfig {
  const c = structuredClone(getConfig('mask_rcnn_mila_main_job')) as ExperimentConfig<MaskRCNNConfig>;
  c.model.roiHead.bboxHead.numClasses = numClasses;
  c.model.roiHead.maskHead.numClasses = numClasses;
  c.data.root = 'data/elsewhere';
  c.data.classes = classes;
  return c;
}

describe('class names of a browser model', () => {
  const built: BrowserModel[] = [];
  const names = (cfg: string | ExperimentConfig) => {
    const m = buildModel(cfg);
    built.push(m);
    return m.classNames;
  };
  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
  });
  afterAll(() => built.forEach(disposeModel));

  it('the main job: the synthetic shapes (the categories of its annotation files)', () => {
    expect(names('mask_rcnn_mila_main_job')).toEqual(['circle', 'rectangle', 'triangle', 'ring', 'star']);
  });

  it('an 80-class detector: COCO in label order; data.classes wins; other counts are numbered', () => {
    const coco = names(detector(80));
    expect([coco.length, coco[0], coco[15], coco[79]]).toEqual([80, 'person', 'cat', 'toothbrush']);
    expect(names(detector(3, ['a', 'b', 'c']))).toEqual(['a', 'b', 'c']);
    expect(names(detector(3))).toEqual(['class 0', 'class 1', 'class 2']);
  });

  it('a 150-class segmentor: ADE20K', () => {
    const ade = names('upernet_mila_micro_128x128_2k_ade20k');
    expect([ade.length, ade[0], ade[149]]).toEqual([150, 'wall', 'flag']);
  });
});
