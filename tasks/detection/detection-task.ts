import { writeFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { Rng } from '../../core/rng.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import type { DetTransform } from '../../datasets/transforms/transform.js';
import type { DetBatch, DetSample, HostImage } from '../../core/types/data.js';
import { COCO, COCOeval, type CocoResult } from '../../eval/coco/index.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import { detPipelineSpecs } from '../config-pipeline.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { toCocoResults } from '../../eval/coco/detection-results.js';
import { cocoTrainData, openCocoSplit, type CocoSplit } from './detection-data.js';
import { collateDet } from '../../datasets/loader/collate.js';
import type { LoaderTrainData } from '../../train/loader-train-data.js';
import { Progress } from '../../train/progress.js';
import type { EvalOptions, EvalReport, TaskRuntime, WorkerOptions } from '../task.js';
import { mapInShardTask } from '../shard-task.js';
import type { DetectionShardSetup } from './detection-shard-task.js';

/** One image's detections as COCO results (bbox, and segm as compressed RLE when masks were asked for). */
export interface ImageCocoResults {
  imageId: number;
  bbox: CocoResult[];
  segm: CocoResult[];
}

const STAT_NAMES = ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l'];

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

  async classNames(): Promise<string[]> {
    try {
      return this.split('test').dataset.classNames;
    } catch {
      return this.config.data.classes ?? Array.from({ length: this.model.numClasses }, (_, i) => `class ${i}`);
    }
  }

  async trainData(): Promise<LoaderTrainData<DetBatch>> {
    return cocoTrainData(this.split('train'), this.config.data, this.config.seed);
  }

  /** mmdet single_gpu_test + CocoDataset.evaluate: one image per batch, COCO results, pycocotools summaries. */
  async evaluate(opts: EvalOptions): Promise<EvalReport> {
    const metrics = opts.metrics ?? this.config.evaluation.metrics;
    for (const m of metrics) if (m !== 'bbox' && m !== 'segm') throw new UserError(`--eval ${m}: detection metrics are bbox and segm`);
    const { dataset, pipeline } = this.split(opts.split);
    const n = Math.min(opts.limit ?? Infinity, dataset.length);
    const withMask = metrics.includes('segm') || opts.out !== null;
    const wasTraining = this.model.training;
    this.model.eval();
    const results = { bbox: [] as CocoResult[], segm: [] as CocoResult[] };
    const imgIds: number[] = [];
    const progress = new Progress('test', n, { enabled: opts.progress ?? true, unit: 'images' });
    const t0 = performance.now();
    try {
      // Results are merged in image order either way, so COCOeval sees the same list.
      const images = opts.workers && opts.workers.count > 1 && n > 1 ? this.predictInWorkers(opts.split, n, withMask, opts.workers) : this.predictInProcess(opts.split, n, withMask);
      let i = 0;
      for await (const coco of images) {
        results.bbox.push(...coco.bbox);
        results.segm.push(...coco.segm);
        imgIds.push(coco.imageId);
        i++;
        progress.update(i, `${((performance.now() - t0) / 1000 / i).toFixed(2)} s/img`);
      }
    } finally {
      progress.stop();
      this.model.train(wasTraining);
    }
    const lines: string[] = [];
    if (opts.out) {
      const base = opts.out.replace(/\.json$/, '');
      for (const kind of ['bbox', 'segm'] as const) {
        if (kind === 'segm' && !withMask) continue;
        writeFileSync(`${base}.${kind}.json`, JSON.stringify(results[kind]));
        lines.push(`wrote ${results[kind].length} ${kind} results to ${base}.${kind}.json`);
      }
    }
    const out: Record<string, number> = {};
    const gt = new COCO(dataset.opts.annFile);
    for (const kind of metrics as ('bbox' | 'segm')[]) {
      lines.push(`Evaluating ${kind}...`);
      const E = new COCOeval(gt, gt.loadRes(results[kind]), kind, { log: () => {} });
      E.params.imgIds = [...new Set(imgIds)].sort((a, b) => a - b);
      E.evaluate();
      E.accumulate();
      const stats = E.summarize();
      lines.push(...E.summaryLines);
      STAT_NAMES.forEach((s, k) => (out[`${kind}_${s}`] = stats[k]!));
    }
    return { metrics: out, lines };
  }

  /** The first n images of a split, one at a time in this thread (the next one loading meanwhile). */
  private async *predictInProcess(split: 'val' | 'test', n: number, withMask: boolean): AsyncGenerator<ImageCocoResults> {
    const { dataset, pipeline } = this.split(split);
    const load = (i: number) => dataset.get(i).then((s) => this.testSample(s, pipeline));
    let pending = n > 0 ? load(0) : null;
    for (let i = 0; i < n; i++) {
      const sample = await pending!;
      pending = i + 1 < n ? load(i + 1) : null;
      pending?.catch(() => {});
      yield this.cocoResultsOf(sample, withMask, dataset.catIds);
    }
  }

  /** The first n images of a split on worker threads (tasks/detection/detection-shard-task.ts), in image order. */
  private async *predictInWorkers(split: 'val' | 'test', n: number, withMask: boolean, workers: WorkerOptions): AsyncGenerator<ImageCocoResults> {
    const setup: DetectionShardSetup = { backend: workers.backend, imports: this.config.customImports, checkpoint: workers.checkpoint, config: this.config, split, withMask };
    const indices = Array.from({ length: n }, (_, i) => i);
    yield* mapInShardTask<DetectionShardSetup, number, ImageCocoResults>('tasks/detection/detection-shard-task.js', setup, indices, workers.count);
  }

  /** One image of a split through the test pipeline and the model, as COCO results (used by the workers). */
  async cocoResultsAt(split: 'val' | 'test', index: number, withMask: boolean): Promise<ImageCocoResults> {
    const { dataset, pipeline } = this.split(split);
    this.model.eval();
    return this.cocoResultsOf(this.testSample(await dataset.get(index), pipeline), withMask, dataset.catIds);
  }

  private cocoResultsOf(sample: DetSample, withMask: boolean, catIds: readonly number[]): ImageCocoResults {
    const [r] = this.model.simpleTest(collateDet([sample]), withMask);
    return { imageId: sample.meta.imageId, ...toCocoResults(r!, sample.meta.imageId, catIds) };
  }

  private testSample(s: DetSample, pipeline: DetTransform): DetSample {
    // The test pipeline has no random step; an Rng is required by the transform interface only.
    const t = pipeline.apply(s, new Rng(0));
    if (!t) throw new Error(`${s.meta.filename}: the test pipeline dropped the image`);
    return t;
  }

  async predictImage(path: string): Promise<{ image: HostImage; result: DetectionResult }> {
    const image = await decodeImageFile(path);
    const pipeline = this.splits.get('test')?.pipeline ?? buildDetPipeline(detPipelineSpecs(this.config.data.test.pipeline, 'data.test.pipeline'));
    const sample: DetSample = {
      img: image,
      meta: {
        filename: path,
        imageId: 0,
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
    this.model.eval();
    const [result] = this.model.simpleTest(collateDet([this.testSample(sample, pipeline)]), true);
    return { image, result: result! };
  }
}

