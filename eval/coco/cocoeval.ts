/**
 * pycocotools' `COCOeval` for bbox and segm: evaluate(), accumulate(), summarize() give the same
 * stats and the same printed table. Keypoints are not implemented.
 */
import { accumulateEval, type AccumulatedEval } from './accumulate.js';
import type { COCO } from './coco.js';
import { evaluateImages, type EvalImgs } from './evaluate.js';
import { Params, type IouType } from './params.js';
import { summarizeDets } from './summarize.js';

export interface COCOevalOptions {
  /** Where summarize() prints its table (default console.log); pass () => {} for silence. */
  log?: (line: string) => void;
  /** Also log pycocotools' progress messages with timings. */
  verbose?: boolean;
}

const uniqueSorted = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

export class COCOeval {
  readonly cocoGt: COCO;
  readonly cocoDt: COCO;
  params: Params;
  /** Per-image results after evaluate() (typed arrays; see EvalImgs). */
  evalImgs: EvalImgs | null = null;
  /** Precision/recall arrays after accumulate(). */
  eval: AccumulatedEval | null = null;
  /** The 12 numbers after summarize(). */
  stats: number[] = [];
  /** The 12 lines summarize() printed. */
  summaryLines: string[] = [];
  private evaluatedParams: Params | null = null;
  private readonly log: (line: string) => void;
  private readonly verbose: boolean;

  constructor(cocoGt: COCO, cocoDt: COCO, iouType: IouType = 'segm', options: COCOevalOptions = {}) {
    this.cocoGt = cocoGt;
    this.cocoDt = cocoDt;
    this.params = new Params(iouType);
    this.params.imgIds = uniqueSorted(cocoGt.getImgIds());
    this.params.catIds = uniqueSorted(cocoGt.getCatIds());
    this.log = options.log ?? ((line) => console.log(line));
    this.verbose = options.verbose ?? false;
  }

  private progress(msg: string): void {
    if (this.verbose) this.log(msg);
  }

  /** Match detections to ground truths per image and category (pycocotools' evaluate). */
  evaluate(): void {
    const tic = performance.now();
    this.progress('Running per image evaluation...');
    this.progress(`Evaluate annotation type *${this.params.iouType}*`);
    const p = this.params;
    p.imgIds = uniqueSorted(p.imgIds);
    p.catIds = p.useCats ? uniqueSorted(p.catIds) : [...new Set(p.catIds)];
    p.maxDets = [...p.maxDets].sort((a, b) => a - b);
    if (p.maxDets.length === 0) throw new Error('params.maxDets is empty');
    this.evalImgs = evaluateImages(this.cocoGt, this.cocoDt, p);
    this.evaluatedParams = p.clone();
    this.eval = null;
    this.progress(`DONE (t=${((performance.now() - tic) / 1000).toFixed(2)}s).`);
  }

  /** Precision and recall for every setting (pycocotools' accumulate). */
  accumulate(): void {
    if (!this.evalImgs || !this.evaluatedParams) throw new Error('Please run evaluate() first');
    const tic = performance.now();
    this.progress('Accumulating evaluation results...');
    this.eval = accumulateEval(this.evalImgs, this.evaluatedParams);
    this.progress(`DONE (t=${((performance.now() - tic) / 1000).toFixed(2)}s).`);
  }

  /** The 12 stats; prints pycocotools' table through the `log` option. */
  summarize(): number[] {
    if (!this.eval) throw new Error('Please run accumulate() first');
    const { stats, lines } = summarizeDets(this.eval);
    for (const line of lines) this.log(line);
    this.stats = stats;
    this.summaryLines = lines;
    return stats;
  }

  /** len(evalImgs) and how many entries are not None in pycocotools' list. */
  evalImgsCounts(): { total: number; notNone: number } {
    const E = this.evalImgs;
    if (!E) throw new Error('Please run evaluate() first');
    let cells = 0;
    for (let c = 0; c < E.cellNone.length; c++) if (!E.cellNone[c]) cells++;
    return { total: E.K * E.A * E.I, notNone: cells * E.A };
  }

  /**
   * AP per category (mean of precision over IoU thresholds and recall points for area "all" and the
   * largest maxDets), -1 where there is no ground truth: mmdet's classwise table.
   */
  perCategoryAP(): { catId: number; ap: number }[] {
    const ev = this.eval;
    if (!ev) throw new Error('Please run accumulate() first');
    const [T, R, K, A, M] = ev.counts;
    const catIds = ev.params.useCats ? ev.params.catIds : [-1];
    const out: { catId: number; ap: number }[] = [];
    for (let k = 0; k < K; k++) {
      let sum = 0;
      let n = 0;
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < R; r++) {
          const v = ev.precision[(((t * R + r) * K + k) * A + 0) * M + (M - 1)]!;
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
      out.push({ catId: catIds[k]!, ap: n ? sum / n : -1 });
    }
    return out;
  }
}
