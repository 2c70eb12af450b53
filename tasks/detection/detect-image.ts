import type { ExperimentConfig } from '../../configs/types.js';
import { Rng } from '../../core/rng.js';
import type { DetSample, HostImage } from '../../core/types/data.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { collateDet } from '../../datasets/loader/collate.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import type { DetTransform } from '../../datasets/transforms/transform.js';
import type { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import { detPipelineSpecs } from '../config-pipeline.js';

/**
 * One decoded image through a detector as `mila infer` runs it: the config's test pipeline (cv2-exact resize,
 * normalise, pad), the model, boxes and masks in the image's pixels. No file access: the browser entry runs
 * exactly this on images a page decoded.
 */

/** The test pipeline of a detection config (data.test.pipeline). */
export function detTestPipeline(config: Pick<ExperimentConfig, 'data'>): DetTransform {
  return buildDetPipeline(detPipelineSpecs(config.data.test.pipeline, 'data.test.pipeline'));
}

/** A test sample of an image: no annotations, its meta as mmdet's LoadImageFromFile leaves it. */
export function testSampleOf(image: HostImage, filename: string, imageId = 0): DetSample {
  return {
    img: image,
    meta: {
      filename,
      imageId,
      oriShape: [image.height, image.width],
      imgShape: [image.height, image.width],
      padShape: [image.height, image.width],
      scaleFactor: [1, 1, 1, 1],
      flip: false,
      flipDirection: null,
    },
    gtBoxes: new Float32Array(0),
    gtLabels: new Int32Array(0),
    gtBoxesIgnore: new Float32Array(0),
    gtMasks: null,
  };
}

/** A sample through a test pipeline (which has no random step: the Rng only satisfies the interface). */
export function applyTestPipeline(s: DetSample, pipeline: DetTransform): DetSample {
  const t = pipeline.apply(s, new Rng(0));
  if (!t) throw new Error(`${s.meta.filename}: the test pipeline dropped the image`);
  return t;
}

/** Detections (and masks unless `withMask` is false) of one RGB uint8 image, in its own pixel coordinates. */
export function detectImage(model: MaskRCNN, image: HostImage, pipeline: DetTransform, filename = 'image', withMask = true): DetectionResult {
  model.eval();
  const [result] = model.simpleTest(collateDet([applyTestPipeline(testSampleOf(image, filename), pipeline)]), withMask);
  return result!;
}
