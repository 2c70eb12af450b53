import type { Command } from 'commander';
import { action } from '../action.js';
import { UserError } from '../../core/errors.js';
import { COCO } from '../../eval/coco/coco.js';
import { COCOeval } from '../../eval/coco/cocoeval.js';
import type { IouType } from '../../eval/coco/params.js';

export interface CocoEvalCliOptions {
  gt: string;
  dt: string;
  iouType: string;
  useCats?: boolean;
  maxDets?: string;
  json?: boolean;
}

export interface CocoEvalCliSummary {
  iouType: IouType;
  stats: number[];
  numImages: number;
  numDetections: number;
  seconds: { load: number; evaluate: number; accumulate: number; total: number };
  /** CPU seconds (user + system) of this process so far: wall time inflates on a busy machine, this does not. */
  cpuSeconds: number;
  maxRssMB: number;
}

function parseMaxDets(s: string): number[] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.length < 3 || v.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new UserError(`--max-dets must be at least 3 positive integers separated by commas (summarize reads 3), got '${s}'`);
  }
  return v;
}

/**
 * `mila coco-eval` without the command line: pycocotools' COCO(gt) / loadRes(dt) / COCOeval
 * evaluate / accumulate / summarize, printing what pycocotools prints; with `json`, a last line
 * holding the stats, timings and peak memory.
 */
export function runCocoEval(opts: CocoEvalCliOptions, out: (line: string) => void = (l) => console.log(l)): CocoEvalCliSummary {
  if (opts.iouType !== 'bbox' && opts.iouType !== 'segm') {
    throw new UserError(`--iou-type must be bbox or segm (keypoints are not implemented), got '${opts.iouType}'`);
  }
  const iouType = opts.iouType as IouType;
  const maxDets = opts.maxDets ? parseMaxDets(opts.maxDets) : undefined;
  const t0 = performance.now();
  out('loading annotations into memory...');
  const gt = new COCO(opts.gt);
  out(`Done (t=${((performance.now() - t0) / 1000).toFixed(2)}s)`);
  out('Loading and preparing results...');
  const tr = performance.now();
  const dt = gt.loadRes(opts.dt);
  out(`DONE (t=${((performance.now() - tr) / 1000).toFixed(2)}s)`);
  const t1 = performance.now();
  const E = new COCOeval(gt, dt, iouType, { log: out, verbose: true });
  if (opts.useCats === false) E.params.useCats = false;
  if (maxDets) E.params.maxDets = maxDets;
  E.evaluate();
  const t2 = performance.now();
  E.accumulate();
  const t3 = performance.now();
  const stats = E.summarize();
  const t4 = performance.now();
  const summary: CocoEvalCliSummary = {
    iouType,
    stats,
    numImages: E.params.imgIds.length,
    numDetections: dt.anns.size,
    seconds: {
      load: (t1 - t0) / 1000,
      evaluate: (t2 - t1) / 1000,
      accumulate: (t3 - t2) / 1000,
      total: (t4 - t0) / 1000,
    },
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  if (opts.json) out(JSON.stringify(summary));
  return summary;
}

/** `mila coco-eval`: COCO bbox/segm mAP of a results file, with pycocotools' numbers and table. */
export function register(program: Command): void {
  program
    .command('coco-eval')
    .description('COCO detection/segmentation mAP of a results JSON against an instances JSON (pycocotools COCOeval, same numbers)')
    .requiredOption('--gt <instances.json>', 'ground truth in COCO instances format')
    .requiredOption('--dt <results.json>', 'results: a list of {image_id, category_id, score, bbox | segmentation (RLE)}')
    .requiredOption('--iou-type <type>', 'bbox | segm')
    .option('--no-use-cats', 'ignore categories (every detection may match every ground truth)')
    .option('--max-dets <list>', 'max detections per image, comma-separated', '1,10,100')
    .option('--json', 'end with one JSON line: {"stats": [12 numbers], ...}')
    .action(
      action('coco-eval', (opts: CocoEvalCliOptions) => {
        runCocoEval(opts);
      }),
    );
}
