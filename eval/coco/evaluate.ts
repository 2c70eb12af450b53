/**
 * COCOeval.evaluate: per (category, image) greedy matching of detections to ground truths at every
 * IoU threshold and area range, stored in flat typed arrays instead of pycocotools' per-image dicts.
 */
import { bboxIouInto, boxesOf, rleIouInto, type Rle } from '../mask/index.js';
import type { COCO } from './coco.js';
import type { Params } from './params.js';
import type { CocoAnnotation } from './types.js';

/** Bit set in `EvalImgs.detFlags` when the detection matched a ground truth (pycocotools: dtMatches != 0). */
export const MATCHED = 1;
/** Bit set in `EvalImgs.detFlags` when the detection is ignored (dtIgnore). */
export const IGNORED = 2;

/**
 * Everything pycocotools' `evalImgs` holds that `accumulate` needs. Cells are (category, image) pairs
 * in the order c = k * I + i; each cell's kept detections (sorted by score, at most maxDets[-1]) are
 * contiguous, so one category's detections are one range in image order.
 */
export interface EvalImgs {
  /** Categories (1 when useCats is off), area ranges, images, IoU thresholds. */
  K: number;
  A: number;
  I: number;
  T: number;
  /** K*I+1 offsets into the detection arrays. */
  cellStart: Int32Array;
  /** 1 where the cell has neither ground truth nor detections (its evalImgs entries are None). */
  cellNone: Uint8Array;
  /** Score of each kept detection. */
  detScore: Float64Array;
  /** Position of each kept detection in its cell's score order (0 = highest). */
  detRank: Int32Array;
  /** MATCHED | IGNORED bits at [(det * A + a) * T + t]. */
  detFlags: Uint8Array;
  /** Number of non-ignored ground truths per (category, area range): [k * A + a]. */
  npig: Float64Array;
}

/** The annotations of the evaluated images grouped by (image, category index), stable within a group. */
interface Grouped {
  anns: CocoAnnotation[];
  /** I*K+1 offsets into anns, group g = i * K + k. */
  start: Int32Array;
}

function groupByImageAndCategory(coco: COCO, imgIds: readonly number[], catIndex: Map<number, number>, K: number): Grouped {
  const I = imgIds.length;
  const counts = new Int32Array(I * K + 1);
  const picked: CocoAnnotation[] = [];
  const keys: number[] = [];
  imgIds.forEach((imgId, i) => {
    const list = coco.imgToAnns.get(imgId);
    if (!list) return;
    for (const ann of list) {
      const k = catIndex.get(ann.category_id);
      if (k === undefined) continue; // categories outside params.catIds are never evaluated
      picked.push(ann);
      keys.push(i * K + k);
      counts[i * K + k + 1]!++;
    }
  });
  for (let g = 0; g < I * K; g++) counts[g + 1]! += counts[g]!;
  const fill = counts.slice(0, I * K);
  const anns: CocoAnnotation[] = new Array(picked.length);
  for (let j = 0; j < picked.length; j++) anns[fill[keys[j]!]!++] = picked[j]!;
  return { anns, start: counts };
}

function need(x: unknown, what: string, ann: CocoAnnotation, source: string): number {
  if (typeof x !== 'number') throw new Error(`${source}: annotation ${ann.id} has no numeric "${what}"`);
  return x;
}

function boxOf(ann: CocoAnnotation, source: string): ArrayLike<number> {
  const bb = ann.bbox;
  if (!bb || bb.length !== 4) throw new Error(`${source}: annotation ${ann.id} has no "bbox" [x, y, w, h]`);
  return bb;
}

/** Run the per-image evaluation for `p` (already normalised: sorted unique ids, sorted maxDets). */
export function evaluateImages(gt: COCO, dt: COCO, p: Params): EvalImgs {
  const I = p.imgIds.length;
  const Kc = p.catIds.length;
  const K = p.useCats ? Kc : 1;
  const A = p.areaRng.length;
  const T = p.iouThrs.length;
  const maxDet = p.maxDets[p.maxDets.length - 1]!;
  const segm = p.iouType === 'segm';
  const catIndex = new Map<number, number>();
  p.catIds.forEach((id, k) => catIndex.set(id, k));
  const G = groupByImageAndCategory(gt, p.imgIds, catIndex, Kc);
  const D = groupByImageAndCategory(dt, p.imgIds, catIndex, Kc);

  // Cell (k, i) covers groups [i*Kc + k0, i*Kc + k1) of both grouped lists.
  const groupRange = (k: number, i: number): [number, number] => (p.useCats ? [i * Kc + k, i * Kc + k + 1] : [i * Kc, i * Kc + Kc]);

  const cellStart = new Int32Array(K * I + 1);
  const cellNone = new Uint8Array(K * I);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const [g0, g1] = groupRange(k, i);
      const nd = D.start[g1]! - D.start[g0]!;
      const ng = G.start[g1]! - G.start[g0]!;
      cellNone[k * I + i] = nd === 0 && ng === 0 ? 1 : 0;
      cellStart[k * I + i + 1] = cellStart[k * I + i]! + Math.min(nd, maxDet);
    }
  }
  const nKept = cellStart[K * I]!;
  const detScore = new Float64Array(nKept);
  const detRank = new Int32Array(nKept);
  const detFlags = new Uint8Array(nKept * A * T);
  const npig = new Float64Array(K * A);

  const iouThr = p.iouThrs.map((t) => Math.min(t, 1 - 1e-10));
  let iouBuf = new Float64Array(1024);
  const gtSrc = gt.source;
  const dtSrc = dt.source;

  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const cell = k * I + i;
      if (cellNone[cell]) continue;
      const [g0, g1] = groupRange(k, i);
      const gts = G.anns.slice(G.start[g0]!, G.start[g1]!);
      const dtsAll = D.anns.slice(D.start[g0]!, D.start[g1]!);
      // Stable sort by descending score (np.argsort(-score, kind='mergesort')), then the maxDets cut.
      const scoresAll = dtsAll.map((d) => need(d.score, 'score', d, dtSrc));
      const order = dtsAll.map((_, j) => j).sort((a, b) => scoresAll[b]! - scoresAll[a]!);
      const nd = Math.min(order.length, maxDet);
      const dts = order.slice(0, nd).map((j) => dtsAll[j]!);
      const ng = gts.length;
      const base = cellStart[cell]!;
      for (let d = 0; d < nd; d++) {
        detScore[base + d] = dts[d]!.score as number;
        detRank[base + d] = d;
      }

      const gtArea = new Float64Array(ng);
      const gtCrowd = new Uint8Array(ng);
      const gtIdZero = new Uint8Array(ng);
      for (let g = 0; g < ng; g++) {
        const ann = gts[g]!;
        gtArea[g] = need(ann.area, 'area', ann, gtSrc);
        gtCrowd[g] = ann.iscrowd ? 1 : 0; // ignore := iscrowd; pycocotools drops any "ignore" field
        gtIdZero[g] = ann.id === 0 ? 1 : 0;
      }
      const dtArea = new Float64Array(nd);
      for (let d = 0; d < nd; d++) dtArea[d] = need(dts[d]!.area, 'area', dts[d]!, dtSrc);

      // ious[d * ng + g], detections in score order, ground truths in file order.
      if (nd * ng > iouBuf.length) iouBuf = new Float64Array(nd * ng * 2);
      const ious = iouBuf;
      if (nd > 0 && ng > 0) {
        if (segm) {
          const dr: Rle[] = dts.map((a) => dt.annToRLE(a));
          const gr: Rle[] = gts.map((a) => gt.annToRLE(a));
          rleIouInto(dr, gr, gtCrowd, ious, boxesOf(dr), boxesOf(gr));
        } else {
          const db = new Float64Array(nd * 4);
          const gb = new Float64Array(ng * 4);
          dts.forEach((a, d) => db.set(boxOf(a, dtSrc), d * 4));
          gts.forEach((a, g) => gb.set(boxOf(a, gtSrc), g * 4));
          bboxIouInto(db, gb, nd, ng, gtCrowd, ious);
        }
      }

      const gtind = new Int32Array(ng);
      const ign = new Uint8Array(ng); // _ignore in sorted order
      const crowdS = new Uint8Array(ng);
      const gtm = new Uint8Array(ng);
      for (let a = 0; a < A; a++) {
        const [lo, hi] = p.areaRng[a]!;
        // Ground truths sorted with ignored ones last, stable.
        let n0 = 0;
        for (let g = 0; g < ng; g++) if (!(gtCrowd[g] || gtArea[g]! < lo || gtArea[g]! > hi)) gtind[n0++] = g;
        let n1 = n0;
        for (let g = 0; g < ng; g++) if (gtCrowd[g] || gtArea[g]! < lo || gtArea[g]! > hi) gtind[n1++] = g;
        for (let s = 0; s < ng; s++) {
          ign[s] = s >= n0 ? 1 : 0;
          crowdS[s] = gtCrowd[gtind[s]!]!;
        }
        npig[k * A + a]! += n0;
        for (let t = 0; t < T; t++) {
          gtm.fill(0);
          for (let d = 0; d < nd; d++) {
            let best = iouThr[t]!;
            let m = -1;
            const row = d * ng;
            for (let s = 0; s < ng; s++) {
              if (gtm[s] && !crowdS[s]) continue; // already matched and not a crowd
              if (m > -1 && ign[m] === 0 && ign[s] === 1) break; // matched a real gt; only ignored ones remain
              const v = ious[row + gtind[s]!]!;
              if (v < best) continue;
              best = v; // >= : a later ground truth with the same IoU wins
              m = s;
            }
            let flag = 0;
            let matchedNonzero = false;
            if (m !== -1) {
              if (ign[m]) flag |= IGNORED;
              matchedNonzero = gtIdZero[gtind[m]!] === 0;
              if (matchedNonzero) flag |= MATCHED;
              gtm[m] = 1;
            }
            // Unmatched detections outside the area range are ignored.
            if (!matchedNonzero && (dtArea[d]! < lo || dtArea[d]! > hi)) flag |= IGNORED;
            detFlags[((base + d) * A + a) * T + t] = flag;
          }
        }
      }
    }
  }
  return { K, A, I, T, cellStart, cellNone, detScore, detRank, detFlags, npig };
}
