import type { CocoResult } from '../eval/coco/index.js';
import type { MIoUTotals } from '../eval/miou/index.js';

/**
 * What an evaluation computed over some images of a split, before any metric: the COCO results (detection) or the
 * per-class pixel counts (segmentation). `mila test` scores one part covering the split; a shard writes its part
 * to disk and `mila merge` joins the parts (in shard order) and scores them with the same code (eval-report.ts).
 */
export type EvalPart = CocoEvalPart | MIoUEvalPart;

/** Which images of the split a part covers: positions [start, end) of the `total` images (after --limit). */
export interface PartRange {
  total: number;
  start: number;
  end: number;
  /** SHA-256 of the whole split's image list (ids or names, in order): shards must have seen the same split. */
  listSha256: string;
}

export interface CocoEvalPart {
  kind: 'coco';
  range: PartRange;
  /** The annotation file the results are scored against (absolute, as the config resolved it). */
  annFile: string;
  metrics: ('bbox' | 'segm')[];
  /** Mask results were computed (segm is scored, or results are written). */
  withMask: boolean;
  /** COCO image ids of the part's images, in split order. */
  imageIds: number[];
  bbox: CocoResult[];
  segm: CocoResult[];
}

export interface MIoUEvalPart {
  kind: 'miou';
  range: PartRange;
  /** Class names for the table rows; null = class indices. */
  classNames: string[] | null;
  /** Image names of the part, in split order. */
  names: string[];
  totals: MIoUTotals;
}
