/**
 * COCOeval.accumulate: precision/recall curves per (IoU threshold, category, area range, max
 * detections) from the per-image results, as pycocotools computes them.
 */
import { argsortDesc, IGNORED, MATCHED, type EvalImgs } from './evaluate.js';
import type { Params } from './params.js';

/** pycocotools' `eval` dict. Arrays are row-major with the shapes in `counts`. */
export interface AccumulatedEval {
  params: Params;
  /** [T, R, K, A, M]. */
  counts: [number, number, number, number, number];
  /** [T, R, K, A, M]; -1 where a setting has no ground truth. */
  precision: Float64Array;
  /** [T, K, A, M]; -1 where a setting has no ground truth. */
  recall: Float64Array;
  /** [T, R, K, A, M]: the score at which each recall threshold is reached. */
  scores: Float64Array;
}

const EPS = 2.220446049250313e-16; // np.spacing(1)

export function accumulateEval(E: EvalImgs, p: Params): AccumulatedEval {
  const { K, A, I, T } = E;
  const R = p.recThrs.length;
  const M = p.maxDets.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const scores = new Float64Array(T * R * K * A * M).fill(-1);
  const recThrs = p.recThrs;
  let rc = new Float64Array(0);
  let pr = new Float64Array(0);
  let sub = new Int32Array(0);
  const nDets = E.detScore.length;
  const sc = E.detScore;

  for (let k = 0; k < K; k++) {
    let anyCell = false;
    for (let i = 0; i < I; i++) if (!E.cellNone[k * I + i]) anyCell = true;
    if (!anyCell) continue; // no evalImgs entry: stays -1
    const s0 = E.cellStart[k * I]!;
    const n = E.cellStart[k * I + I]! - s0;
    // The category's detections, concatenated in image order, stably sorted by descending score.
    // Keeping only ranks < maxDet afterwards equals pycocotools' sort of the cut lists: a stable sort
    // keeps the relative order of any subsequence.
    const all = new Int32Array(n);
    for (let j = 0; j < n; j++) all[j] = s0 + j;
    argsortDesc(sc, all, n, new Int32Array(n));
    if (sub.length < n) {
      sub = new Int32Array(n);
      rc = new Float64Array(n);
      pr = new Float64Array(n);
    }
    for (let m = 0; m < M; m++) {
      const maxDet = p.maxDets[m]!;
      let nd = 0;
      for (let j = 0; j < n; j++) if (E.detRank[all[j]!]! < maxDet) sub[nd++] = all[j]!;
      for (let a = 0; a < A; a++) {
        const npig = E.npig[k * A + a]!;
        if (npig === 0) continue;
        for (let t = 0; t < T; t++) {
          // The flag plane of (a, t); the category's detections are one short range of it.
          const plane = E.detFlags.subarray((a * T + t) * nDets, (a * T + t + 1) * nDets);
          let tp = 0;
          let fp = 0;
          let curRc = 0;
          let curPr = 0;
          for (let j = 0; j < nd; j++) {
            const f = plane[sub[j]!]!;
            // Ignored detections change neither count: repeat the previous values.
            if (!(f & IGNORED)) {
              if (f & MATCHED) tp++;
              else fp++;
              curRc = tp / npig;
              curPr = tp / (fp + tp + EPS);
            }
            rc[j] = curRc;
            pr[j] = curPr;
          }
          recall[((t * K + k) * A + a) * M + m] = nd ? rc[nd - 1]! : 0;
          // One right-to-left pass does pycocotools' precision envelope (pr[i-1] = max(pr[i-1], pr[i]),
          // i.e. the suffix maximum) and np.searchsorted(rc, recThrs, 'left'): the thresholds whose
          // first index with rc >= thr is j are those in (rc[j-1], rc[j]]. Past the last recall: 0.
          const last = nd ? rc[nd - 1]! : -Infinity;
          let r = R - 1;
          for (; r >= 0 && recThrs[r]! > last; r--) {
            const at = (((t * R + r) * K + k) * A + a) * M + m;
            precision[at] = 0;
            scores[at] = 0;
          }
          let envelope = -Infinity;
          for (let j = nd - 1; j >= 0 && r >= 0; j--) {
            if (pr[j]! > envelope) envelope = pr[j]!;
            const prev = j > 0 ? rc[j - 1]! : -Infinity;
            for (; r >= 0 && recThrs[r]! > prev; r--) {
              const at = (((t * R + r) * K + k) * A + a) * M + m;
              precision[at] = envelope;
              scores[at] = sc[sub[j]!]!;
            }
          }
        }
      }
    }
  }
  return { params: p, counts: [T, R, K, A, M], precision, recall, scores };
}
