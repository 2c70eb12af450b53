import { basename } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { Ade20kDataset } from '../../datasets/ade20k/ade20k-dataset.js';
import { segLoader } from '../../datasets/loader/data-loader.js';
import type { SegBatch } from '../../core/types/data.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { ADE20K_CLASSES } from '../../datasets/ade20k/ade20k-classes.js';
import { listAde20kSplit } from '../../datasets/ade20k/ade20k-split.js';
import { evaluateSegmentor } from './evaluate.js';
import { testViewOptions } from './test-views.js';
import { findStep, segPipelineSpecs } from '../config-pipeline.js';
import { LoaderTrainData } from '../../train/loader-train-data.js';
import type { EvalOptions, EvalReport, TaskRuntime } from '../task.js';
import type { MIoUEvalPart } from '../eval-part.js';
import { reportEvalPart } from '../eval-report.js';
import { sha256 } from '../sharding/hashes.js';
import { imagesProgress } from '../sharding/shard-progress.js';
import { shardRange } from '../sharding/shard-spec.js';

/** The ADE20K split folder name of a config split ('images/training' -> 'training'). */
function splitFolder(imgPrefix: string): string {
  return basename(imgPrefix.replace(/\/+$/, ''));
}

/** data.classes, else ADE20K's names for a 150-class model, else `class i`. */
export function segmentationClassNames(classes: string[] | null, numClasses: number): string[] {
  return classes ?? (numClasses === ADE20K_CLASSES.length ? [...ADE20K_CLASSES] : Array.from({ length: numClasses }, (_, i) => `class ${i}`));
}

/** An encoder-decoder segmentor on an ADE20K-format dataset: mmseg's iteration-based training and mIoU evaluation. */
export class SegmentationTask implements TaskRuntime<SegBatch> {
  private constructor(readonly config: ExperimentConfig<EncoderDecoderConfig>, readonly model: EncoderDecoder) {}

  static async create(cfg: ExperimentConfig): Promise<SegmentationTask> {
    const c = cfg as ExperimentConfig<EncoderDecoderConfig>;
    if ((c.model as { type?: string }).type !== 'EncoderDecoder') throw new UserError(`${cfg.name}: model.type must be 'EncoderDecoder' for task segmentation`);
    if (c.data.type !== 'ADE20KDataset') throw new UserError(`${cfg.name}: data.type '${c.data.type}' is not supported for segmentation (expected ADE20KDataset)`);
    return new SegmentationTask(c, new EncoderDecoder(c.model));
  }

  async classNames(): Promise<string[]> {
    return segmentationClassNames(this.config.data.classes, this.model.numClasses);
  }

  async trainData(): Promise<LoaderTrainData<SegBatch>> {
    const d = this.config.data;
    const split = splitFolder(d.train.imgPrefix);
    if (split !== 'training' && split !== 'validation') throw new UserError(`data.train.imgPrefix '${d.train.imgPrefix}' must end in training or validation`);
    const reduceZeroLabel = findStep(d.train.pipeline, 'LoadAnnotations')?.reduceZeroLabel !== false;
    const dataset = new Ade20kDataset({ root: d.root, split, reduceZeroLabel });
    const transforms = segPipelineSpecs(d.train.pipeline, 'data.train.pipeline');
    return new LoaderTrainData(segLoader({ dataset, pipeline: { kind: 'seg', transforms }, batchSize: d.samplesPerGpu, shuffle: true, seed: this.config.seed, workers: d.workersPerGpu }));
  }

  /** mmseg single_gpu_test + ADE20KDataset.evaluate('mIoU'), streaming (see tasks/segmentation/evaluate.ts). */
  async evaluate(opts: EvalOptions): Promise<EvalReport> {
    return reportEvalPart(await this.evaluatePart(opts), null);
  }

  /** The per-class pixel counts of the split's images (all of them, or `opts.shard`'s block). */
  async evaluatePart(opts: EvalOptions): Promise<MIoUEvalPart> {
    const metrics = opts.metrics ?? this.config.evaluation.metrics;
    for (const m of metrics) if (m !== 'mIoU') throw new UserError(`--eval ${m}: segmentation reports mIoU`);
    if (opts.out) throw new UserError(`--out ${opts.out}: segmentation results are label maps; write them with mila seg-test --out-dir <dir>`);
    const d = this.config.data;
    let all = listAde20kSplit(d.root, splitFolder(d[opts.split].imgPrefix));
    if (opts.limit) all = all.slice(0, opts.limit);
    const { start, end } = opts.shard ? shardRange(all.length, opts.shard) : { start: 0, end: all.length };
    const items = all.slice(start, end);
    const views = testViewOptions(d[opts.split].pipeline);
    const progress = imagesProgress('test', items.length, opts.progress ?? true, opts.shard);
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      const r = await evaluateSegmentor(this.model, items, {
        testCfg: this.config.model.testCfg,
        views,
        numClasses: this.model.numClasses,
        reduceZeroLabel: findStep(d.train.pipeline, 'LoadAnnotations')?.reduceZeroLabel !== false,
        outDir: null,
        showDir: null,
        onImage: (done) => progress.update(done),
      });
      const range = { total: all.length, start, end, listSha256: sha256(JSON.stringify(all.map((it) => it.name))) };
      return { kind: 'miou', range, classNames: await this.classNames(), names: items.map((it) => it.name), totals: r.totals };
    } finally {
      progress.stop();
      this.model.train(wasTraining);
    }
  }
}
