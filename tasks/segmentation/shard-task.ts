import { decodeImageFile } from '../../datasets/image/decode-image.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { modelShardTask, type ModelShardSetup } from '../shard-task.js';
import { EncoderDecoder, type EncoderDecoderConfig, type SegTestConfig } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { buildTestViews, type TestViewOptions } from './test-views.js';

/** What a `seg-test --workers N` worker needs to build its own model. */
export interface SegShardSetup extends ModelShardSetup {
  model: EncoderDecoderConfig;
  testCfg: SegTestConfig;
  views: TestViewOptions;
}

export interface SegShardPrediction {
  pred: Uint8Array;
  height: number;
  width: number;
}

/**
 * The shard task of `seg-test --workers N` (tasks/shard-task.ts): each worker builds the model and loads the
 * checkpoint once, then turns image paths into label maps exactly as the in-process path does.
 */
export const createShardHandler = modelShardTask<SegShardSetup, string, SegShardPrediction>(async (setup) => {
  const model = new EncoderDecoder(setup.model);
  // The main thread already reported missing/unexpected keys of this checkpoint.
  loadModelWeights(model, setup.checkpoint);
  return async (imagePath) => {
    const img = await decodeImageFile(imagePath);
    const views = buildTestViews(img, setup.views);
    try {
      return { pred: predictLabelMap(model, views, [img.height, img.width], setup.testCfg), height: img.height, width: img.width };
    } finally {
      for (const v of views) v.image.dispose();
    }
  };
});
