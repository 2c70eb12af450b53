import { COCO } from './coco.js';
import { COCOeval } from './cocoeval.js';
import type { IouType } from './params.js';
import type { CocoDataset, CocoResult } from './types.js';

export interface CocoEvalResult {
  stats: number[];
  lines: string[];
  perCategoryAP: { catId: number; ap: number }[];
}

/**
 * One call for the usual run: ground truth (file, object or COCO) and results (file or list) to the
 * 12 stats and the printed table. `maxDets` defaults to [1, 10, 100].
 */
export function evaluateCoco(
  gt: COCO | CocoDataset | string,
  results: readonly CocoResult[] | string,
  iouType: IouType,
  opts: { useCats?: boolean; maxDets?: number[]; log?: (line: string) => void } = {},
): CocoEvalResult {
  const cocoGt = gt instanceof COCO ? gt : new COCO(gt);
  const cocoDt = cocoGt.loadRes(results);
  const E = new COCOeval(cocoGt, cocoDt, iouType, { log: opts.log ?? (() => {}) });
  if (opts.useCats !== undefined) E.params.useCats = opts.useCats;
  if (opts.maxDets) E.params.maxDets = [...opts.maxDets];
  E.evaluate();
  E.accumulate();
  const stats = E.summarize();
  return { stats, lines: E.summaryLines, perCategoryAP: E.perCategoryAP() };
}
