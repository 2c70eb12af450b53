/**
 * mmdet 2.x `DeltaXYWHBBoxCoder` (bbox2delta / delta2bbox), on host arrays.
 *
 * encode: (dx, dy, dw, dh) = ((gx - px) / pw, (gy - py) / ph, log(gw / pw), log(gh / ph)), then
 *   (delta - means) / stds. Centres are (x1 + x2) / 2, sizes x2 - x1 (no "+1").
 * decode: delta * stds + means; dw, dh clamped to ±|log(wh_ratio_clip)| (16/1000 → ±4.135) so exp() cannot
 *   explode; then centre/size back to x1y1x2y2, clipped to [0, W] x [0, H] of `maxShape` when given.
 */
import { boxCount } from './box-overlaps.js';

export type Quad = [number, number, number, number];

export interface DeltaCoderOptions {
  /** Subtracted from deltas at encode, added back at decode (mmdet: target_means). Default 0s. */
  means?: Quad;
  /** Divide at encode, multiply at decode (mmdet: target_stds). RPN 1s, RoI box head (0.1, 0.1, 0.2, 0.2). */
  stds?: Quad;
  /** Clip decoded boxes to maxShape (mmdet's clip_border, default true). */
  clipBorder?: boolean;
}

export const DEFAULT_WH_RATIO_CLIP = 16 / 1000;

export class DeltaXYWHBBoxCoder {
  readonly means: Quad;
  readonly stds: Quad;
  readonly clipBorder: boolean;

  constructor(opts: DeltaCoderOptions = {}) {
    this.means = opts.means ?? [0, 0, 0, 0];
    this.stds = opts.stds ?? [1, 1, 1, 1];
    this.clipBorder = opts.clipBorder ?? true;
  }

  /** Deltas (n * 4) that move each proposal onto its paired gt box; both inputs n * 4. */
  encode(proposals: ArrayLike<number>, gts: ArrayLike<number>): Float32Array {
    const n = boxCount(proposals, 'proposals');
    if (boxCount(gts, 'gt boxes') !== n) throw new Error(`DeltaXYWHBBoxCoder.encode: ${n} proposals but ${gts.length / 4} gt boxes`);
    const out = new Float32Array(n * 4);
    const [m0, m1, m2, m3] = this.means;
    const [s0, s1, s2, s3] = this.stds;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      // mmdet computes in float32 tensors; rounding the intermediate sizes keeps us on the same values.
      const pw = Math.fround(proposals[o + 2]! - proposals[o]!);
      const ph = Math.fround(proposals[o + 3]! - proposals[o + 1]!);
      const px = Math.fround((proposals[o]! + proposals[o + 2]!) * 0.5);
      const py = Math.fround((proposals[o + 1]! + proposals[o + 3]!) * 0.5);
      const gw = Math.fround(gts[o + 2]! - gts[o]!);
      const gh = Math.fround(gts[o + 3]! - gts[o + 1]!);
      const gx = Math.fround((gts[o]! + gts[o + 2]!) * 0.5);
      const gy = Math.fround((gts[o + 1]! + gts[o + 3]!) * 0.5);
      out[o] = ((gx - px) / pw - m0) / s0;
      out[o + 1] = ((gy - py) / ph - m1) / s1;
      out[o + 2] = (Math.log(gw / pw) - m2) / s2;
      out[o + 3] = (Math.log(gh / ph) - m3) / s3;
    }
    return out;
  }

  /**
   * Boxes from rois (n * 4) and deltas (n * 4k: k = 1, or one group of 4 per class as the class-specific
   * box head predicts); returns n * 4k boxes in the same layout. `maxShape` is [height, width] (img_shape).
   */
  decode(rois: ArrayLike<number>, deltas: ArrayLike<number>, maxShape?: readonly [number, number] | null, whRatioClip = DEFAULT_WH_RATIO_CLIP): Float32Array {
    const n = boxCount(rois, 'rois');
    if (n === 0) return new Float32Array(0);
    if (deltas.length % (4 * n) !== 0) throw new Error(`DeltaXYWHBBoxCoder.decode: ${deltas.length} delta values do not fit ${n} rois`);
    const k = deltas.length / (4 * n);
    const out = new Float32Array(deltas.length);
    const maxRatio = Math.abs(Math.log(whRatioClip));
    const [m0, m1, m2, m3] = this.means;
    const [s0, s1, s2, s3] = this.stds;
    const clip = this.clipBorder && maxShape != null;
    const maxH = maxShape ? maxShape[0] : 0;
    const maxW = maxShape ? maxShape[1] : 0;
    for (let i = 0; i < n; i++) {
      const r = 4 * i;
      const px = Math.fround((rois[r]! + rois[r + 2]!) * 0.5);
      const py = Math.fround((rois[r + 1]! + rois[r + 3]!) * 0.5);
      const pw = Math.fround(rois[r + 2]! - rois[r]!);
      const ph = Math.fround(rois[r + 3]! - rois[r + 1]!);
      for (let c = 0; c < k; c++) {
        const o = 4 * (i * k + c);
        const dx = deltas[o]! * s0 + m0;
        const dy = deltas[o + 1]! * s1 + m1;
        const dw = Math.min(Math.max(deltas[o + 2]! * s2 + m2, -maxRatio), maxRatio);
        const dh = Math.min(Math.max(deltas[o + 3]! * s3 + m3, -maxRatio), maxRatio);
        const gx = px + pw * dx;
        const gy = py + ph * dy;
        const gw = pw * Math.exp(dw);
        const gh = ph * Math.exp(dh);
        let x1 = gx - gw * 0.5;
        let y1 = gy - gh * 0.5;
        let x2 = gx + gw * 0.5;
        let y2 = gy + gh * 0.5;
        if (clip) {
          x1 = Math.min(Math.max(x1, 0), maxW);
          x2 = Math.min(Math.max(x2, 0), maxW);
          y1 = Math.min(Math.max(y1, 0), maxH);
          y2 = Math.min(Math.max(y2, 0), maxH);
        }
        out[o] = x1;
        out[o + 1] = y1;
        out[o + 2] = x2;
        out[o + 3] = y2;
      }
    }
    return out;
  }
}
