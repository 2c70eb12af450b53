/**
 * COCOeval.evaluate: per (category, image) greedy matching of detections to ground truths at every
 * IoU threshold and area range, stored in flat typed arrays instead of pycocotools' per-image dicts.
 * Annotation fields are copied once into typed arrays; the per-cell work reuses scratch buffers, so
 * nothing is allocated per (image, category) pair for box evaluation.
 */
import { boxesOf, rleIouInto, type Rle } from '../../core/mask/index.js';
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
  /** MATCHED | IGNORED bits at [(a * T + t) * nDets + det]: one plane per (area, threshold). */
  detFlags: Uint8Array;
  /** Number of non-ignored ground truths per (category, area range): [k * A + a]. */
  npig: Float64Array;
}

/** The annotations of the evaluated images grouped by (image, category index), file order within a group. */
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

/** Typed-array copies of the fields evaluation reads, in grouped order. */
interface Fields {
  area: Float64Array;
  score: Float64Array;
  crowd: Uint8Array;
  idZero: Uint8Array;
  box: Float64Array;
}

function fieldsOf(anns: readonly CocoAnnotation[], source: string, isDt: boolean, wantBox: boolean): Fields {
  const n = anns.length;
  const f: Fields = {
    area: new Float64Array(n),
    score: new Float64Array(isDt ? n : 0),
    crowd: new Uint8Array(n),
    idZero: new Uint8Array(n),
    box: new Float64Array(wantBox ? n * 4 : 0),
  };
  for (let j = 0; j < n; j++) {
    const a = anns[j]!;
    f.area[j] = need(a.area, 'area', a, source);
    if (isDt) f.score[j] = need(a.score, 'score', a, source);
    f.crowd[j] = a.iscrowd ? 1 : 0; // ignore := iscrowd; pycocotools drops any "ignore" field
    f.idZero[j] = a.id === 0 ? 1 : 0;
    if (wantBox) {
      const bb = a.bbox;
      if (!bb || bb.length !== 4) throw new Error(`${source}: annotation ${a.id} has no "bbox" [x, y, w, h]`);
      for (let c = 0; c < 4; c++) f.box[j * 4 + c] = bb[c]!;
    }
  }
  return f;
}

/**
 * Stable argsort by descending key of idx[0..n) (np.argsort(-key, kind='mergesort')): insertion
 * sort for short runs, merging with `tmp` above that.
 */
export function argsortDesc(key: Float64Array, idx: Int32Array, n: number, tmp: Int32Array): void {
  const RUN = 32;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(n, lo + RUN);
    for (let i = lo + 1; i < hi; i++) {
      const v = idx[i]!;
      const kv = key[v]!;
      let j = i - 1;
      while (j >= lo && key[idx[j]!]! < kv) {
        idx[j + 1] = idx[j]!;
        j--;
      }
      idx[j + 1] = v;
    }
  }
  let src = idx;
  let dst = tmp;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let a = lo;
      let b = mid;
      let o = lo;
      // Take from the right run only when strictly greater: ties keep the left (earlier) element first.
      while (a < mid && b < hi) dst[o++] = key[src[b]!]! > key[src[a]!]! ? src[b++]! : src[a++]!;
      while (a < mid) dst[o++] = src[a++]!;
      while (b < hi) dst[o++] = src[b++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== idx) idx.set(src.subarray(0, n));
}


/** Scratch buffers grown on demand and reused across cells. */
class Scratch {
  i32: Record<string, Int32Array> = {};
  u8: Record<string, Uint8Array> = {};
  f64: Record<string, Float64Array> = {};
  int(name: string, n: number): Int32Array {
    const b = this.i32[name];
    return b && b.length >= n ? b : (this.i32[name] = new Int32Array(Math.max(n, 64) * 2));
  }
  byte(name: string, n: number): Uint8Array {
    const b = this.u8[name];
    return b && b.length >= n ? b : (this.u8[name] = new Uint8Array(Math.max(n, 64) * 2));
  }
  float(name: string, n: number): Float64Array {
    const b = this.f64[name];
    return b && b.length >= n ? b : (this.f64[name] = new Float64Array(Math.max(n, 64) * 2));
  }
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
  const gf = fieldsOf(G.anns, gt.source, false, !segm);
  const df = fieldsOf(D.anns, dt.source, true, !segm);

  // Cell (k, i) covers groups [i*Kc + k, +1) with categories, or all of image i's groups without.
  const g0Of = (k: number, i: number) => (p.useCats ? i * Kc + k : i * Kc);
  const g1Of = (k: number, i: number) => (p.useCats ? i * Kc + k + 1 : i * Kc + Kc);

  const cellStart = new Int32Array(K * I + 1);
  const cellNone = new Uint8Array(K * I);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const a = g0Of(k, i);
      const b = g1Of(k, i);
      const nd = D.start[b]! - D.start[a]!;
      const ng = G.start[b]! - G.start[a]!;
      cellNone[k * I + i] = nd === 0 && ng === 0 ? 1 : 0;
      cellStart[k * I + i + 1] = cellStart[k * I + i]! + Math.min(nd, maxDet);
    }
  }
  const nKept = cellStart[K * I]!;
  const detScore = new Float64Array(nKept);
  const detRank = new Int32Array(nKept);
  const detFlags = new Uint8Array(nKept * A * T);
  const npig = new Float64Array(K * A);

  const iouThr = Float64Array.from(p.iouThrs, (t) => Math.min(t, 1 - 1e-10));
  const areaLo = Float64Array.from(p.areaRng, (r) => r[0]);
  const areaHi = Float64Array.from(p.areaRng, (r) => r[1]);
  const S = new Scratch();

  for (let k = 0; k < K; k++) {
    for (let i = 0; i < I; i++) {
      const cell = k * I + i;
      if (cellNone[cell]) continue;
      const gs = G.start[g0Of(k, i)]!;
      const ng = G.start[g1Of(k, i)]! - gs;
      const ds = D.start[g0Of(k, i)]!;
      const nAll = D.start[g1Of(k, i)]! - ds;
      const order = S.int('order', nAll);
      for (let j = 0; j < nAll; j++) order[j] = ds + j;
      argsortDesc(df.score, order, nAll, S.int('tmp', nAll));
      const nd = Math.min(nAll, maxDet);
      const base = cellStart[cell]!;
      for (let d = 0; d < nd; d++) {
        detScore[base + d] = df.score[order[d]!]!;
        detRank[base + d] = d;
      }

      // ious[d * ng + g]: detections in score order, ground truths in file order.
      const ious = S.float('ious', nd * ng);
      if (nd > 0 && ng > 0) {
        if (segm) {
          const dr: Rle[] = [];
          const gr: Rle[] = [];
          for (let d = 0; d < nd; d++) dr.push(dt.annToRLE(D.anns[order[d]!]!));
          for (let g = 0; g < ng; g++) gr.push(gt.annToRLE(G.anns[gs + g]!));
          rleIouInto(dr, gr, gf.crowd.subarray(gs, gs + ng), ious, boxesOf(dr), boxesOf(gr));
        } else {
          // bbIou of maskApi.c, inline over the typed fields.
          for (let d = 0; d < nd; d++) {
            const o = order[d]! * 4;
            const dx = df.box[o]!;
            const dy = df.box[o + 1]!;
            const dw = df.box[o + 2]!;
            const dh = df.box[o + 3]!;
            const da = dw * dh;
            for (let g = 0; g < ng; g++) {
              const q = (gs + g) * 4;
              const gx = gf.box[q]!;
              const gy = gf.box[q + 1]!;
              const gw = gf.box[q + 2]!;
              const gh = gf.box[q + 3]!;
              let v = 0;
              const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
              if (iw > 0) {
                const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
                if (ih > 0) {
                  const inter = iw * ih;
                  v = inter / (gf.crowd[gs + g] ? da : da + gw * gh - inter);
                }
              }
              ious[d * ng + g] = v;
            }
          }
        }
      }

      const gtind = S.int('gtind', ng);
      const ign = S.byte('ign', ng); // _ignore, in ignore-sorted order
      const crowdS = S.byte('crowd', ng);
      const idZeroS = S.byte('idzero', ng);
      const gtm = S.byte('gtm', ng);
      for (let a = 0; a < A; a++) {
        const lo = areaLo[a]!;
        const hi = areaHi[a]!;
        // Ground truths sorted with ignored ones last, stable.
        let n0 = 0;
        for (let g = 0; g < ng; g++) {
          const ar = gf.area[gs + g]!;
          if (!(gf.crowd[gs + g] || ar < lo || ar > hi)) gtind[n0++] = g;
        }
        let n1 = n0;
        for (let g = 0; g < ng; g++) {
          const ar = gf.area[gs + g]!;
          if (gf.crowd[gs + g] || ar < lo || ar > hi) gtind[n1++] = g;
        }
        for (let s = 0; s < ng; s++) {
          ign[s] = s >= n0 ? 1 : 0;
          crowdS[s] = gf.crowd[gs + gtind[s]!]!;
          idZeroS[s] = gf.idZero[gs + gtind[s]!]!;
        }
        npig[k * A + a]! += n0;
        for (let t = 0; t < T; t++) {
          gtm.fill(0, 0, ng);
          const thr = iouThr[t]!;
          for (let d = 0; d < nd; d++) {
            let best = thr;
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
              matchedNonzero = idZeroS[m] === 0; // pycocotools stores the gt id; id 0 reads as unmatched
              if (matchedNonzero) flag |= MATCHED;
              gtm[m] = 1;
            }
            // Unmatched detections outside the area range are ignored.
            const dar = df.area[order[d]!]!;
            if (!matchedNonzero && (dar < lo || dar > hi)) flag |= IGNORED;
            detFlags[(a * T + t) * nKept + base + d] = flag;
          }
        }
      }
    }
  }
  return { K, A, I, T, cellStart, cellNone, detScore, detRank, detFlags, npig };
}
