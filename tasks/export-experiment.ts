/**
 * `mila export` as a function: an experiment (and optionally its trained weights) as a directory the official
 * MLLA mmdetection/mmsegmentation code trains from: `config.py`, `model.pth` (the whole model, mmcv's checkpoint
 * layout) and `backbone.pth` (the backbone alone, which the official MLLA backbone's init_weights insists on).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { BACKBONE_FILE, MODEL_FILE, exportMmConfig } from '../configs/export/index.js';
import type { ExperimentConfig } from '../configs/types.js';
import { writeFileAtomic } from '../core/checkpoint/atomic-write.js';
import { PickleTuple, mmcvCheckpointValue, stateDictValue, writePth, type PickleValue } from '../core/checkpoint/pth-writer.js';
import { stripPrefix } from '../core/checkpoint/state-dict.js';
import { manualSeed } from '../core/rng.js';
import { CocoInstancesFile } from '../datasets/coco/coco-instances-file.js';
import { ADE20K_CLASSES, ADE20K_PALETTE } from '../datasets/ade20k/ade20k-classes.js';
import { describeLoad, loadBackboneWeights } from '../train/experiment.js';
import { loadModelWeights } from '../train/model-weights.js';
import { createTask } from './create-task.js';

/** mmdet's CocoDataset with classes=None serves the 80 COCO categories. */
const COCO_CLASS_COUNT = 80;

export interface ExportOptions {
  /** Trained weights (ours or an mmdet/mmseg .pth); null exports the initial weights `mila train` would start from. */
  checkpoint: string | null;
  outDir: string;
  log?: (line: string) => void;
}

export interface ExportResult {
  configPath: string;
  modelPath: string;
  backbonePath: string;
  classes: readonly string[] | null;
  numTensors: number;
}

/**
 * Detection: class names as mmdet must be told them. With `data.classes` null, mmdet's CocoDataset would use the
 * 80 COCO names, so unless the model has 80 classes the names are read from the split's annotation file. mmdet
 * numbers categories in file order, mila-dense by id: the two agree only when the file lists them by id.
 */
function detectionClasses(cfg: ExperimentConfig): readonly string[] | null {
  const d = cfg.data;
  const files = [d.test, d.val, d.train].map((s) => (s.annFile === null ? null : join(d.root, s.annFile))).filter((f): f is string => f !== null);
  const file = files.find((f) => existsSync(f));
  if (!file) {
    if (d.classes) return d.classes;
    const k = (cfg.model as { roiHead?: { bboxHead?: { numClasses?: number } } }).roiHead?.bboxHead?.numClasses;
    if (k === COCO_CLASS_COUNT) return null;
    throw new UserError(
      `data.classes is null and no annotation file of the config exists (${files.join(', ')}): mmdet would use the 80 COCO class names for this ${k}-class model; give the data (--set data.root=...) or --set 'data.classes=[...]'`,
    );
  }
  const cats = new CocoInstancesFile(file).categories;
  const wanted = d.classes ? new Set(d.classes) : null;
  const unknown = (d.classes ?? []).filter((n) => !cats.some((c) => c.name === n));
  if (unknown.length) throw new UserError(`${file}: data.classes not among its categories: ${unknown.join(', ')}`);
  const kept = cats.filter((c) => !wanted || wanted.has(c.name));
  const byId = [...kept].sort((a, b) => a.id - b.id);
  if (kept.some((c, i) => c !== byId[i])) {
    throw new UserError(`${file}: categories are not listed in id order; mmdet numbers classes in file order, mila-dense by id, so labels would differ`);
  }
  // In label order (also when data.classes lists them otherwise: both mmdet and mila-dense number them by the file).
  return byId.map((c) => c.name);
}

/** mmcv-style checkpoint meta: mmdet's init_detector and mmseg's init_segmentor read CLASSES (and PALETTE) from it. */
function checkpointMeta(cfg: ExperimentConfig, classes: readonly string[] | null, numClasses: number, source: string): Record<string, PickleValue> {
  const meta: Record<string, PickleValue> = {};
  if (cfg.task === 'segmentation') {
    const names = classes ?? (numClasses === ADE20K_CLASSES.length ? ADE20K_CLASSES : Array.from({ length: numClasses }, (_, i) => `class ${i}`));
    meta.CLASSES = new PickleTuple([...names]);
    meta.PALETTE = ADE20K_PALETTE.slice(0, numClasses).map((c) => [...c]);
  } else if (classes) {
    meta.CLASSES = new PickleTuple([...classes]);
  }
  meta.mila_config = cfg.name;
  meta.mila_weights = source;
  return meta;
}

export async function exportExperiment(cfg: ExperimentConfig, opts: ExportOptions): Promise<ExportResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const classes = cfg.task === 'detection' ? detectionClasses(cfg) : cfg.data.classes;
  // The text first: a config without an mmdet/mmseg equivalent stops before a model is built.
  const text = exportMmConfig(cfg, { classes: cfg.task === 'detection' ? classes : null });

  manualSeed(cfg.seed);
  const task = await createTask(cfg);
  const model = task.model;
  let source: string;
  if (opts.checkpoint) {
    const report = loadModelWeights(model, opts.checkpoint);
    if (report) throw new UserError(`${report}: the export needs weights that fit the config exactly`);
    source = opts.checkpoint;
  } else {
    source = `initial weights (seed ${cfg.seed})`;
    if (cfg.backboneWeights) {
      log(describeLoad(`loaded ${cfg.backboneWeights} into backbone`, loadBackboneWeights(model, cfg.backboneWeights)));
      source += ` with ${cfg.backboneWeights} in the backbone`;
    }
  }
  const sd = model.stateDict();
  const numClasses = (model as unknown as { numClasses: number }).numClasses;

  mkdirSync(opts.outDir, { recursive: true });
  const modelPath = join(opts.outDir, MODEL_FILE);
  const backbonePath = join(opts.outDir, BACKBONE_FILE);
  const configPath = join(opts.outDir, 'config.py');
  writePth(modelPath, mmcvCheckpointValue(sd, checkpointMeta(cfg, classes, numClasses, source)));
  writePth(backbonePath, stateDictValue(stripPrefix(sd, 'backbone.')));
  writeFileAtomic(configPath, [new TextEncoder().encode(text)]);
  return { configPath, modelPath, backbonePath, classes, numTensors: sd.size };
}
