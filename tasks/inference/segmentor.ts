import type { ExperimentConfig } from '../../configs/types.js';
import { UserError } from '../../core/errors.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { segmentationClassNames } from '../segmentation/segmentation-task.js';
import { buildTestViews, testViewOptions } from '../segmentation/test-views.js';
import { decodeImageInput, type ImageInput } from './image-input.js';
import { loadFittingWeights, resolveTaskConfig, setUpBackend, type LoadModelOptions } from './model-setup.js';

/** One image's label map. */
export interface Segmentation {
  width: number;
  height: number;
  /** height x width class indices (row-major) into `classNames`. */
  labelMap: Uint8Array;
  classNames: readonly string[];
}

export interface SegmentOptions {
  /** mmseg's inference mode: the whole image at the test scale, or 512x512 windows (default: the config's test_cfg). */
  mode?: 'whole' | 'slide';
  /** Average the softmax over scales 0.5-1.75 and flips (mmseg's aug_test, the "MS" numbers). */
  augTest?: boolean;
}

/** A semantic segmentor ready to predict (mmseg's init_segmentor / inference_segmentor). */
export class Segmentor {
  private disposed = false;

  private constructor(
    readonly config: ExperimentConfig<EncoderDecoderConfig>,
    private readonly model: EncoderDecoder,
    readonly classNames: readonly string[],
    /** Checkpoint keys the model has no place for (ignored, as PyTorch's strict=False). */
    readonly unexpectedKeys: readonly string[],
  ) {}

  /** @internal use loadSegmentor */
  static async load(configOrPreset: string | ExperimentConfig, checkpoint: string, opts: LoadModelOptions = {}): Promise<Segmentor> {
    const cfg = resolveTaskConfig(configOrPreset, 'segmentation') as ExperimentConfig<EncoderDecoderConfig>;
    await setUpBackend(opts);
    const model = new EncoderDecoder(cfg.model);
    try {
      const r = await loadFittingWeights(model, cfg, checkpoint);
      model.eval();
      return new Segmentor(cfg, model, segmentationClassNames(cfg.data.classes, model.numClasses), r.unexpectedKeys);
    } catch (err) {
      model.dispose();
      throw err;
    }
  }

  /** The class of every pixel of one image: a file path, encoded image bytes, or raw RGB pixels with width and height. */
  async predict(image: ImageInput, opts: SegmentOptions = {}): Promise<Segmentation> {
    if (this.disposed) throw new UserError('predict on a disposed segmentor');
    if (opts.mode !== undefined && opts.mode !== 'whole' && opts.mode !== 'slide') throw new UserError(`mode must be 'whole' or 'slide', got '${String(opts.mode)}'`);
    const { image: img } = await decodeImageInput(image);
    const views = buildTestViews(img, testViewOptions(this.config.data.test.pipeline, opts.augTest === true));
    try {
      const testCfg = { ...this.config.model.testCfg, mode: opts.mode ?? this.config.model.testCfg.mode };
      const labelMap = predictLabelMap(this.model, views, [img.height, img.width], testCfg);
      return { width: img.width, height: img.height, labelMap, classNames: this.classNames };
    } finally {
      for (const v of views) v.image.dispose();
    }
  }

  /** Free the model's weights (tfjs tensors). */
  dispose(): void {
    if (!this.disposed) this.model.dispose();
    this.disposed = true;
  }
}

/** A segmentor from a preset, config file or object, and a checkpoint that fits it (a path or `zoo:<name>`). */
export function loadSegmentor(configOrPreset: string | ExperimentConfig, checkpoint: string, opts: LoadModelOptions = {}): Promise<Segmentor> {
  return Segmentor.load(configOrPreset, checkpoint, opts);
}
