import { writeOutputFile } from '../core/output-file.js';
import { COCO, COCOeval } from '../eval/coco/index.js';
import { formatMIoUReport, MIoUAccumulator, type MIoUResult } from '../eval/miou/index.js';
import type { CocoEvalPart, EvalPart, MIoUEvalPart } from './eval-part.js';
import type { EvalReport } from './task.js';

const STAT_NAMES = ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l'];

/**
 * Score an evaluation part and print it as `mila test` does: for detection the results files (`out`, mmdet's
 * jsonfile_prefix: `X.bbox.json`, `X.segm.json`) then pycocotools' summaries per metric; for segmentation mmseg's
 * tables (and, when `out` is given, `X.miou.json`). One run and `mila merge` both end here, so they print alike.
 */
export function reportEvalPart(part: EvalPart, out: string | null): EvalReport {
  return part.kind === 'coco' ? cocoReport(part, out) : miouReport(part, out);
}

function cocoReport(part: CocoEvalPart, out: string | null): EvalReport {
  const lines: string[] = [];
  if (out) {
    const base = out.replace(/\.json$/, '');
    for (const kind of ['bbox', 'segm'] as const) {
      if (kind === 'segm' && !part.withMask) continue;
      writeOutputFile(`${base}.${kind}.json`, JSON.stringify(part[kind]));
      lines.push(`wrote ${part[kind].length} ${kind} results to ${base}.${kind}.json`);
    }
  }
  const metrics: Record<string, number> = {};
  const gt = part.metrics.length ? new COCO(part.annFile) : null;
  for (const kind of part.metrics) {
    lines.push(`Evaluating ${kind}...`);
    const E = new COCOeval(gt!, gt!.loadRes(part[kind]), kind, { log: () => {} });
    E.params.imgIds = [...new Set(part.imageIds)].sort((a, b) => a - b);
    E.evaluate();
    E.accumulate();
    const stats = E.summarize();
    lines.push(...E.summaryLines);
    STAT_NAMES.forEach((s, k) => (metrics[`${kind}_${s}`] = stats[k]!));
  }
  return { metrics, lines };
}

/** mmseg's metrics from a part's pixel counts. */
export function miouResult(part: MIoUEvalPart): MIoUResult {
  const acc = new MIoUAccumulator({ numClasses: part.totals.intersect.length });
  acc.addTotals(part.totals);
  return acc.result();
}

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);

function miouReport(part: MIoUEvalPart, out: string | null): EvalReport {
  const m = miouResult(part);
  const lines = formatMIoUReport(m, part.classNames ?? undefined).split('\n');
  if (out) {
    const file = `${out.replace(/\.json$/, '')}.miou.json`;
    const json = {
      numImages: m.numImages,
      aAcc: nullIfNaN(m.aAcc),
      mIoU: nullIfNaN(m.mIoU),
      mAcc: nullIfNaN(m.mAcc),
      classNames: part.classNames,
      IoU: m.IoU.map(nullIfNaN),
      Acc: m.Acc.map(nullIfNaN),
      totalAreaIntersect: m.totalAreaIntersect,
      totalAreaUnion: m.totalAreaUnion,
      totalAreaPredLabel: m.totalAreaPredLabel,
      totalAreaLabel: m.totalAreaLabel,
    };
    writeOutputFile(file, `${JSON.stringify(json)}\n`);
    lines.push(`wrote the per-class areas and metrics of ${m.numImages} images to ${file}`);
  }
  return { metrics: { aAcc: m.aAcc, mIoU: m.mIoU, mAcc: m.mAcc }, lines };
}
