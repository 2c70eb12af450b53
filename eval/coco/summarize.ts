/** COCOeval.summarize: the 12 standard numbers and the table pycocotools prints. */
import type { AccumulatedEval } from './accumulate.js';
import { numpySum } from '../numeric/numpy-sum.js';
import { pyFixed } from '../numeric/python-format.js';

export interface Summary {
  stats: number[];
  lines: string[];
}

/** Pairs of (area index, maxDets index) as numpy's broadcast of two index lists. */
function pairs(aind: number[], mind: number[]): [number, number][] {
  const n = aind.length === 1 ? mind.length : mind.length === 1 ? aind.length : aind.length === mind.length ? aind.length : -1;
  if (n < 0) throw new Error('summarize: area range and maxDets lookups do not broadcast');
  const out: [number, number][] = [];
  for (let j = 0; j < n; j++) out.push([aind[aind.length === 1 ? 0 : j]!, mind[mind.length === 1 ? 0 : j]!]);
  return out;
}

function summarizeOne(ev: AccumulatedEval, ap: boolean, iouThr: number | null, areaRng: string, maxDets: number): [number, string] {
  const p = ev.params;
  const [, R, K, A, M] = ev.counts;
  const aind = p.areaRngLbl.flatMap((l, i) => (l === areaRng ? [i] : []));
  // Looked up by value: a maxDets list without 100 gives -1 for the AP rows.
  const mind = p.maxDets.flatMap((m, i) => (m === maxDets ? [i] : []));
  const tind = iouThr === null ? p.iouThrs.map((_, i) => i) : p.iouThrs.flatMap((t, i) => (t === iouThr ? [i] : []));
  const am = pairs(aind, mind);
  const amA = am.map((x) => x[0]);
  const amM = am.map((x) => x[1]);
  const nAm = am.length;
  const vals = new Float64Array(tind.length * (ap ? R * K : K) * nAm);
  let n = 0;
  // Values in the C order of s[t][:, :, aind, mind], keeping those > -1.
  for (const t of tind) {
    if (ap) {
      for (let r = 0; r < R; r++) {
        for (let k = 0; k < K; k++) {
          const base = ((t * R + r) * K + k) * A;
          for (let j = 0; j < nAm; j++) {
            const v = ev.precision[(base + amA[j]!) * M + amM[j]!]!;
            if (v > -1) vals[n++] = v;
          }
        }
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < nAm; j++) {
          const v = ev.recall[((t * K + k) * A + amA[j]!) * M + amM[j]!]!;
          if (v > -1) vals[n++] = v;
        }
      }
    }
  }
  const mean = n === 0 ? -1 : numpySum(vals, 0, n) / n;
  const title = (ap ? 'Average Precision' : 'Average Recall').padEnd(18);
  const type = ap ? '(AP)' : '(AR)';
  const iouStr = (iouThr === null ? `${pyFixed(p.iouThrs[0]!, 2)}:${pyFixed(p.iouThrs[p.iouThrs.length - 1]!, 2)}` : pyFixed(iouThr, 2)).padEnd(9);
  const line = ` ${title} ${type} @[ IoU=${iouStr} | area=${areaRng.padStart(6)} | maxDets=${String(maxDets).padStart(3)} ] = ${pyFixed(mean, 3)}`;
  return [mean, line];
}

/** The 12 detection stats (AP, AP50, AP75, AP S/M/L, AR1, AR10, AR100, AR S/M/L) and their printed lines. */
export function summarizeDets(ev: AccumulatedEval): Summary {
  const md = ev.params.maxDets;
  if (md.length < 3) throw new Error(`summarize needs 3 maxDets values, as pycocotools (got ${md.join(',')})`);
  const rows: [boolean, number | null, string, number][] = [
    [true, null, 'all', 100],
    [true, 0.5, 'all', md[2]!],
    [true, 0.75, 'all', md[2]!],
    [true, null, 'small', md[2]!],
    [true, null, 'medium', md[2]!],
    [true, null, 'large', md[2]!],
    [false, null, 'all', md[0]!],
    [false, null, 'all', md[1]!],
    [false, null, 'all', md[2]!],
    [false, null, 'small', md[2]!],
    [false, null, 'medium', md[2]!],
    [false, null, 'large', md[2]!],
  ];
  const stats: number[] = [];
  const lines: string[] = [];
  for (const [ap, thr, area, m] of rows) {
    const [v, line] = summarizeOne(ev, ap, thr, area, m);
    stats.push(v);
    lines.push(line);
  }
  return { stats, lines };
}
