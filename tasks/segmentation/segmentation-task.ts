import { basename } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ExperimentConfig, JsonValue, TransformStep } from '../../configs/types.js';
import { Ade20kDataset } from '../../datasets/ade20k/ade20k-dataset.js';
import { segLoader } from '../../datasets/loader/data-loader.js';
import type { SegBatch } from '../../core/types/data.js';
import { formatMIoUReport } from '../../eval/miou/table.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { ADE20K_CLASSES } from '../../datasets/ade20k/ade20k-classes.js';
import { listAde20kSplit } from '../../datasets/ade20k/ade20k-split.js';
import { evaluateSegmentor } from './evaluate.js';
import type { TestViewOptions } from './test-views.js';
import { segPipelineSpecs } from '../config-pipeline.js';
import { LoaderTrainData } from '../../train/loader-train-data.js';
import { Progress } from '../../train/progress.js';
import type { EvalOptions, EvalReport, TaskRuntime } from '../task.js';

function findStep(steps: readonly TransformStep[], type: string): TransformStep | undefined {
  for (const s of steps) {
    if (s.type === type) return s;
    if (Array.isArray(s.transforms)) {
      const found = findStep(s.transforms as unknown as TransformStep[], type);
      if (found) return found;
    }
  }
  return undefined;
}

function pair(v: JsonValue | undefined, fallback: [number, number]): [number, number] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : fallback;
}

/** The ADE20K split folder name of a config split ('images/training' -> 'training'). */
function splitFolder(imgPrefix: string): string {
  return basename(imgPrefix.replace(/\/+$/, ''));
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
    const k = this.model.numClasses;
    return this.config.data.classes ?? (k === ADE20K_CLASSES.length ? [...ADE20K_CLASSES] : Array.from({ length: k }, (_, i) => `class ${i}`));
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
    const metrics = opts.metrics ?? this.config.evaluation.metrics;
    for (const m of metrics) if (m !== 'mIoU') throw new UserError(`--eval ${m}: segmentation reports mIoU`);
    const d = this.config.data;
    let items = listAde20kSplit(d.root, splitFolder(d[opts.split].imgPrefix));
    if (opts.limit) items = items.slice(0, opts.limit);
    const pipeline = d[opts.split].pipeline;
    const aug = findStep(pipeline, 'MultiScaleFlipAug');
    const norm = findStep(pipeline, 'Normalize');
    const views: TestViewOptions = {
      imgScale: pair(aug?.imgScale ?? findStep(pipeline, 'Resize')?.imgScale, [2048, 512]),
      ratios: Array.isArray(aug?.imgRatios) ? (aug.imgRatios as number[]) : null,
      flip: aug?.flip === true,
      mean: Array.isArray(norm?.mean) ? (norm.mean as number[]) : undefined,
      std: Array.isArray(norm?.std) ? (norm.std as number[]) : undefined,
    };
    const progress = new Progress('test', items.length, { enabled: opts.progress ?? true, unit: 'images' });
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
      const m = r.metrics;
      const names = await this.classNames();
      return { metrics: { aAcc: m.aAcc, mIoU: m.mIoU, mAcc: m.mAcc }, lines: formatMIoUReport(m, names).split('\n') };
    } finally {
      progress.stop();
      this.model.train(wasTraining);
    }
  }
}
