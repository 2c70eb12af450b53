import { getConfig } from '../configs/index.js';
import type { ExperimentConfig } from '../configs/types.js';
import { decodeCheckpoint } from '../core/checkpoint/decode.js';
import type { LoadResult } from '../core/module.js';
import type { HostImage } from '../core/types/data.js';
import type { DetectionResult } from '../core/types/detection-result.js';
import { ADE20K_CLASSES } from '../datasets/ade20k/ade20k-classes.js';
import { COCO_CLASSES } from '../datasets/coco/coco-classes.js';
import { SHAPE_KINDS } from '../datasets/synthetic/shape-polygons.js';
import type { DetTransform } from '../datasets/transforms/transform.js';
import { MaskRCNN } from '../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../models/detector/mask-rcnn-config.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../models/segmentor/encoder-decoder.js';
import { detTestPipeline, detectImage } from '../tasks/detection/detect-image.js';
import { segmentImage, testViewOptions, type TestViewOptions } from '../tasks/segmentation/test-views.js';

/** A model built from a config, with what its test path needs: the same pieces `mila infer` / `mila seg-test` use. */
export type BrowserModel =
  | { task: 'detection'; config: ExperimentConfig<MaskRCNNConfig>; model: MaskRCNN; classNames: readonly string[]; pipeline: DetTransform }
  | { task: 'segmentation'; config: ExperimentConfig<EncoderDecoderConfig>; model: EncoderDecoder; classNames: readonly string[]; views: TestViewOptions };

export type Prediction =
  | { task: 'detection'; result: DetectionResult }
  | { task: 'segmentation'; labels: Uint8Array; height: number; width: number };

/**
 * Class names for pictures: the config's `data.classes`, else the synthetic shapes of the main job's dataset
 * (its annotation file is not at hand in a page), COCO's 80 names for an 80-class detector and ADE20K's 150 for a
 * 150-class segmentor (as loadDetector / loadSegmentor), or `class i`.
 */
function classNamesOf(config: ExperimentConfig, numClasses: number): readonly string[] {
  if (config.data.classes) return config.data.classes;
  if (config.task === 'detection' && config.data.root.includes('synthetic_coco') && numClasses === SHAPE_KINDS.length) return SHAPE_KINDS;
  if (config.task === 'detection' && numClasses === COCO_CLASSES.length) return COCO_CLASSES;
  if (config.task === 'segmentation' && numClasses === ADE20K_CLASSES.length) return ADE20K_CLASSES;
  return Array.from({ length: numClasses }, (_, i) => `class ${i}`);
}

/** Build a preset (by name) or a config object's model, in eval mode, with its seeded initial weights. */
export function buildModel(configOrName: string | ExperimentConfig): BrowserModel {
  const config = typeof configOrName === 'string' ? getConfig(configOrName) : configOrName;
  const type = (config.model as { type?: string }).type;
  if (config.task === 'detection' && type === 'MaskRCNN') {
    const c = config as ExperimentConfig<MaskRCNNConfig>;
    const model = new MaskRCNN(c.model, { seed: c.seed });
    model.eval();
    return { task: 'detection', config: c, model, classNames: classNamesOf(c, model.numClasses), pipeline: detTestPipeline(c) };
  }
  if (config.task === 'segmentation' && type === 'EncoderDecoder') {
    const c = config as ExperimentConfig<EncoderDecoderConfig>;
    const model = new EncoderDecoder(c.model);
    model.eval();
    return { task: 'segmentation', config: c, model, classNames: classNamesOf(c, model.numClasses), views: testViewOptions(c.data.test.pipeline) };
  }
  throw new Error(`${config.name}: task '${config.task}' with model type '${type}' is not a detector or segmentor`);
}

/**
 * Load a checkpoint's bytes (`.safetensors` or a torch.save `.pth`, from a file picker or a fetch) into the model,
 * non-strictly as PyTorch's strict=False: the report lists missing and unexpected keys.
 */
export function loadWeights(m: BrowserModel, source: string, bytes: ArrayBuffer | Uint8Array): LoadResult {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return m.model.loadStateDict(decodeCheckpoint(source, data), { source });
}

/** One RGB uint8 image through the model's test path: detections in its pixels, or its label map. */
export function predict(m: BrowserModel, image: HostImage, filename = 'image'): Prediction {
  if (m.task === 'detection') return { task: 'detection', result: detectImage(m.model, image, m.pipeline, filename) };
  return { task: 'segmentation', labels: segmentImage(m.model, image, m.views, m.config.model.testCfg), height: image.height, width: image.width };
}

/** Free the model's weights and buffers (tfjs variables), e.g. before building another model. */
export function disposeModel(m: BrowserModel): void {
  for (const v of m.model.parameters()) v.dispose();
  for (const [, v] of m.model.namedBuffers()) v.dispose();
}
