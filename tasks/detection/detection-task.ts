import { UserError } from '../../core/errors.js';
import { writeOutputFile } from '../../core/output-file.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import type { DetBatch, DetSample, HostImage } from '../../core/types/data.js';
import type { CocoResult } from '../../eval/coco/index.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import { applyTestPipeline, detTestPipeline, detectImage } from './detect-image.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { toCocoResults } from '../../eval/coco/detection-results.js';
import { cocoTrainData, openCocoSplit, type CocoSplit } from './detection-data.js';
import { collateDet } from '../../datasets/loader/collate.js';
import { COCO_CLASSES } from '../../datasets/coco/coco-classes.js';
import type { LoaderTrainData } from '../../train/loader-train-data.js';
import type { EvalOptions, EvalReport, TaskRuntime, WorkerOptions } from '../task.js';
import { mapInShardTask } from '../shard-task.js';
import type { DetectionShardSetup } from './detection-shard-task.js';
import type { CocoEvalPart } from '../eval-part.js';
import { reportEvalPart } from '../eval-report.js';
import { sha256 } from '../sharding/hashes.js';
import { imagesProgress } from '../sharding/shard-progress.js';
import { shardRange } from '../sharding/shard-spec.js';

/** One image's detections as COCO results (bbox, and segm as compressed RLE when masks were asked for). */
export interface ImageCocoResults {
  imageId: number;
  bbox: CocoResult[];
  segm: CocoResult[];
}

/** Mask R-CNN on a COCO-format dataset: mmdet's train / single-GPU test / inference paths. */
export class DetectionTask implements TaskRuntime<DetBatch> {
  private readonly splits = new Map<string, CocoSplit>();

  private constructor(readonly config: ExperimentConfig<MaskRCNNConfig>, readonly model: MaskRCNN) {}

  static async create(cfg: ExperimentConfig): Promise<DetectionTask> {
    const c = cfg as ExperimentConfig<MaskRCNNConfig>;
    if ((c.model as { type?: string }).type !== 'MaskRCNN') throw new UserError(`${cfg.name}: model.type must be 'MaskRCNN' for task detection`);
    return new DetectionTask(c, new MaskRCNN(c.model, { seed: c.seed }));
  }

  private split(name: 'train' | 'val' | 'test'): CocoSplit {
    let s = this.splits.get(name);
    if (!s) {
      s = openCocoSplit(this.config.data, name);
      const k = this.model.numClasses;
      if (s.dataset.classNames.length !== k) {
        throw new UserError(
          `${this.config.name}: the model has ${k} classes but ${s.dataset.opts.annFile} has ${s.dataset.classNames.length} (${s.dataset.classNames.slice(0, 5).join(', ')}…); set model.roiHead.bboxHead.numClasses and maskHead.numClasses or data.classes`,
        );
      }
      this.splits.set(name, s);
    }
    return s;
  }

  /** The test annotation file's categories when it is there, else data.classes, COCO's 80 names for an 80-class model, or `class i`. */
  async classNames(): Promise<string[]> {
    try {
      return this.split('test').dataset.classNames;
    } catch {
      const k = this.model.numClasses;
      return this.config.data.classes ?? (k === COCO_CLASSES.length ? [...COCO_CLASSES] : Array.from({ length: k }, (_, i) => `class ${i}`));
    }
  }

  async trainData(): Promise<LoaderTrainData<DetBatch>> {
    return cocoTrainData(this.split('train'), this.config.data, this.config.seed);
  }

  /** mmdet single_gpu_test + CocoDataset.evaluate: one image per batch, COCO results, pycocotools summaries. */
  async evaluate(opts: EvalOptions): Promise<EvalReport> {
    return reportEvalPart(await this.evaluatePart(opts), opts.out ?? null);
  }

  /** The COCO results of the split's images (all of them, or `opts.shard`'s block), in image order. */
  async evaluatePart(opts: EvalOptions): Promise<CocoEvalPart> {
    const metrics = (opts.metrics ?? this.config.evaluation.metrics) as ('bbox' | 'segm')[];
    for (const m of metrics) if (m !== 'bbox' && m !== 'segm') throw new UserError(`--eval ${m}: detection metrics are bbox and segm`);
    const { dataset } = this.split(opts.split);
    const n = Math.min(opts.limit ?? Infinity, dataset.length);
    const allIds = Array.from({ length: n }, (_, i) => dataset.imageInfo(i).id);
    const { start, end } = opts.shard ? shardRange(n, opts.shard) : { start: 0, end: n };
    const withMask = metrics.includes('segm') || opts.withMasks === true || (opts.out !== null && opts.out !== undefined);
    const wasTraining = this.model.training;
    this.model.eval();
    const part: CocoEvalPart = { kind: 'coco', range: { total: n, start, end, listSha256: sha256(JSON.stringify(allIds)) }, annFile: dataset.opts.annFile, metrics, withMask, imageIds: [], bbox: [], segm: [] };
    const indices = Array.from({ length: end - start }, (_, i) => start + i);
    const progress = imagesProgress('test', indices.length, opts.progress ?? true, opts.shard);
    const t0 = performance.now();
    try {
      // Results are merged in image order either way, so COCOeval sees the same list.
      const images = opts.workers && opts.workers.count > 1 && indices.length > 1 ? this.predictInWorkers(opts.split, indices, withMask, opts.workers) : this.predictInProcess(opts.split, indices, withMask);
      let i = 0;
      for await (const coco of images) {
        part.bbox.push(...coco.bbox);
        part.segm.push(...coco.segm);
        part.imageIds.push(coco.imageId);
        i++;
        progress.update(i, `${((performance.now() - t0) / 1000 / i).toFixed(2)} s/img`);
      }
    } finally {
      progress.stop();
      this.model.train(wasTraining);
    }
    return part;
  }

  /** The images at `indices` of a split, one at a time in this thread (the next one loading meanwhile). */
  private async *predictInProcess(split: 'val' | 'test', indices: readonly number[], withMask: boolean): AsyncGenerator<ImageCocoResults> {
    const { dataset, pipeline } = this.split(split);
    const load = (i: number) => dataset.get(indices[i]!).then((s) => applyTestPipeline(s, pipeline));
    const n = indices.length;
    let pending = n > 0 ? load(0) : null;
    for (let i = 0; i < n; i++) {
      const sample = await pending!;
      pending = i + 1 < n ? load(i + 1) : null;
      pending?.catch(() => {});
      yield this.cocoResultsOf(sample, withMask, dataset.catIds);
    }
  }

  /** The images at `indices` of a split on worker threads (tasks/detection/detection-shard-task.ts), in image order. */
  private async *predictInWorkers(split: 'val' | 'test', indices: readonly number[], withMask: boolean, workers: WorkerOptions): AsyncGenerator<ImageCocoResults> {
    const setup: DetectionShardSetup = { backend: workers.backend, imports: this.config.customImports, checkpoint: workers.checkpoint, config: this.config, split, withMask };
    yield* mapInShardTask<DetectionShardSetup, number, ImageCocoResults>('tasks/detection/detection-shard-task.js', setup, indices, workers.count);
  }

  /** One image of a split through the test pipeline and the model, as COCO results (used by the workers). */
  async cocoResultsAt(split: 'val' | 'test', index: number, withMask: boolean): Promise<ImageCocoResults> {
    const { dataset, pipeline } = this.split(split);
    this.model.eval();
    return this.cocoResultsOf(applyTestPipeline(await dataset.get(index), pipeline), withMask, dataset.catIds);
  }

  private cocoResultsOf(sample: DetSample, withMask: boolean, catIds: readonly number[]): ImageCocoResults {
    const [r] = this.model.simpleTest(collateDet([sample]), withMask);
    return { imageId: sample.meta.imageId, ...toCocoResults(r!, sample.meta.imageId, catIds) };
  }

  async predictImage(path: string): Promise<{ image: HostImage; result: DetectionResult }> {
    const image = await decodeImageFile(path);
    return { image, result: this.predictHostImage(image, path) };
  }

  /** The test pipeline and the model on one decoded RGB image; results in its pixel coordinates. */
  predictHostImage(image: HostImage, name: string): DetectionResult {
    const pipeline = this.splits.get('test')?.pipeline ?? detTestPipeline(this.config);
    return detectImage(this.model, image, pipeline, name);
  }
}

