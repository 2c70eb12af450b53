import type { ExperimentConfig } from '../../configs/types.js';
import { UserError } from '../../core/errors.js';
import type { BitmapMasks } from '../../core/types/data.js';
import { DetectionTask } from '../detection/detection-task.js';
import { decodeImageInput, type ImageInput } from './image-input.js';
import { loadFittingWeights, resolveTaskConfig, setUpBackend, type LoadModelOptions } from './model-setup.js';

/** One image's detections, best first, in the image's pixels. */
export interface Detections {
  width: number;
  height: number;
  /** n x 4 (x1, y1, x2, y2), row after row. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Class indices 0..K-1 into `Detector.classNames`. */
  labels: Int32Array;
  /** The class name of each detection. */
  classNames: string[];
  /** n masks of height x width (0/1, row-major), or null for a box-only model. */
  masks: BitmapMasks | null;
}

export interface DetectOptions {
  /** Keep detections scoring at least this (the config's test threshold, 0.05 for the presets, applies first). */
  scoreThr?: number;
}

/** A detector ready to predict (mmdet's init_detector / inference_detector). */
export class Detector {
  private disposed = false;

  private constructor(
    private readonly task: DetectionTask,
    readonly classNames: readonly string[],
    /** Checkpoint keys the model has no place for (ignored, as PyTorch's strict=False). */
    readonly unexpectedKeys: readonly string[],
  ) {}

  get config(): ExperimentConfig {
    return this.task.config;
  }

  /** @internal use loadDetector */
  static async load(configOrPreset: string | ExperimentConfig, checkpoint: string, opts: LoadModelOptions = {}): Promise<Detector> {
    const cfg = resolveTaskConfig(configOrPreset, 'detection');
    await setUpBackend(opts);
    const task = await DetectionTask.create(cfg);
    try {
      const r = await loadFittingWeights(task.model, cfg, checkpoint);
      task.model.eval();
      return new Detector(task, await task.classNames(), r.unexpectedKeys);
    } catch (err) {
      task.model.dispose();
      throw err;
    }
  }

  /** Detect objects in one image: a file path, encoded image bytes, or raw RGB pixels with width and height. */
  async predict(image: ImageInput, opts: DetectOptions = {}): Promise<Detections> {
    if (this.disposed) throw new UserError('predict on a disposed detector');
    const { image: img, name } = await decodeImageInput(image);
    const r = this.task.predictHostImage(img, name);
    const thr = opts.scoreThr ?? 0;
    const order = Array.from(r.scores.keys())
      .filter((i) => r.scores[i]! >= thr)
      .sort((a, b) => r.scores[b]! - r.scores[a]!);
    const n = order.length;
    const px = img.width * img.height;
    const masks = r.masks && { count: n, height: img.height, width: img.width, data: new Uint8Array(n * px) };
    order.forEach((i, k) => masks?.data.set(r.masks!.data.subarray(i * px, (i + 1) * px), k * px));
    const labels = Int32Array.from(order, (i) => r.labels[i]!);
    return {
      width: img.width,
      height: img.height,
      boxes: Float32Array.from(order.flatMap((i) => Array.from(r.boxes.subarray(i * 4, i * 4 + 4)))),
      scores: Float32Array.from(order, (i) => r.scores[i]!),
      labels,
      classNames: Array.from(labels, (l) => this.classNames[l] ?? `class ${l}`),
      masks,
    };
  }

  /** Free the model's weights (tfjs tensors). */
  dispose(): void {
    if (!this.disposed) this.task.model.dispose();
    this.disposed = true;
  }
}

/**
 * A detector from a preset name (`mila configs`), a config JSON file or object, and a checkpoint that fits it:
 * a path, a training checkpoint's base path, or `zoo:<name>` (`mila zoo`; downloaded once into the cache).
 */
export function loadDetector(configOrPreset: string | ExperimentConfig, checkpoint: string, opts: LoadModelOptions = {}): Promise<Detector> {
  return Detector.load(configOrPreset, checkpoint, opts);
}
