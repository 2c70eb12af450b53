import { initBackend } from '../../core/backend.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { EncoderDecoder, type EncoderDecoderConfig, type SegTestConfig } from '../../models/segmentor/encoder-decoder.js';
import { segmentImage, type TestViewOptions } from './test-views.js';

/** What a `seg-test --workers N` worker needs to build its own model (plain data: it crosses threads). */
export interface SegShardSetup {
  backend: string;
  model: EncoderDecoderConfig;
  checkpoint: string;
  testCfg: SegTestConfig;
  views: TestViewOptions;
}

export interface SegShardPrediction {
  pred: Uint8Array;
  height: number;
  width: number;
}

/**
 * The shard task of `seg-test --workers N` (core/workers/shard-pool.ts): each worker builds the model and
 * loads the checkpoint once, then turns image paths into label maps exactly as the in-process path does.
 */
export async function createShardHandler(setup: SegShardSetup): Promise<(imagePath: string) => Promise<SegShardPrediction>> {
  await initBackend(setup.backend, { quiet: true });
  const model = new EncoderDecoder(setup.model);
  // The main thread already reported missing/unexpected keys of this checkpoint.
  loadModelWeights(model, setup.checkpoint);
  return async (imagePath) => {
    const img = await decodeImageFile(imagePath);
    return { pred: segmentImage(model, img, setup.views, setup.testCfg), height: img.height, width: img.width };
  };
}
