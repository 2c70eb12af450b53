/**
 * mmdet 2.x `DeltaXYWHBBoxCoder` (bbox2delta / delta2bbox), on host arrays.
 *
 * encode: (dx, dy, dw, dh) = ((gx - px) / pw, (gy - py) / ph, log(gw / pw), log(gh / ph)), then
 *   (delta - means) / stds. Centres are (x1 + x2) / 2, sizes x2 - x1 (no "+1").
 * decode: delta * stds + means; dw, dh clamped to ±|log(wh_ratio_clip)| (16/1000 → ±4.135) so exp() cannot
 *   explode; then centre/size back to x1y1x2y2, clipped to [0, W] x [0, H] of `maxShape` when given.
 *
 * Both run in float32 operation by operation in the order of mmdet's bbox2delta / delta2bbox (means, stds and
 * the clamp bound are float32 tensors or scalars there too), so proposals, and the IoU and NMS decisions made on
 * them, are torch's. Only exp and log differ: we round the double result (correctly rounded), torch's
 * vectorised SLEEF kernels are within 1 ulp, which is far below the network's own float noise.
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

const f32 = Math.fround;

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
    const [m0, m1, m2, m3] = this.means.map(f32) as Quad;
    const [s0, s1, s2, s3] = this.stds.map(f32) as Quad;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      const px = f32(f32(proposals[o]! + proposals[o + 2]!) * 0.5);
      const py = f32(f32(proposals[o + 1]! + proposals[o + 3]!) * 0.5);
      const pw = f32(proposals[o + 2]! - proposals[o]!);
      const ph = f32(proposals[o + 3]! - proposals[o + 1]!);
      const gx = f32(f32(gts[o]! + gts[o + 2]!) * 0.5);
      const gy = f32(f32(gts[o + 1]! + gts[o + 3]!) * 0.5);
      const gw = f32(gts[o + 2]! - gts[o]!);
      const gh = f32(gts[o + 3]! - gts[o + 1]!);
      out[o] = f32(f32(f32(gx - px) / pw) - m0) / s0;
      out[o + 1] = f32(f32(f32(gy - py) / ph) - m1) / s1;
      out[o + 2] = f32(f32(Math.log(f32(gw / pw))) - m2) / s2;
      out[o + 3] = f32(f32(Math.log(f32(gh / ph))) - m3) / s3;
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
    // np.abs(np.log(wh_ratio_clip)) is a double; clamp() rounds it to the tensor's float32.
    const maxRatio = f32(Math.abs(Math.log(whRatioClip)));
    const [m0, m1, m2, m3] = this.means.map(f32) as Quad;
    const [s0, s1, s2, s3] = this.stds.map(f32) as Quad;
    const clip = this.clipBorder && maxShape != null;
    const maxH = maxShape ? maxShape[0] : 0;
    const maxW = maxShape ? maxShape[1] : 0;
    for (let i = 0; i < n; i++) {
      const r = 4 * i;
      const px = f32(f32(rois[r]! + rois[r + 2]!) * 0.5);
      const py = f32(f32(rois[r + 1]! + rois[r + 3]!) * 0.5);
      const pw = f32(rois[r + 2]! - rois[r]!);
      const ph = f32(rois[r + 3]! - rois[r + 1]!);
      for (let c = 0; c < k; c++) {
        const o = 4 * (i * k + c);
        const dx = f32(f32(deltas[o]! * s0) + m0);
        const dy = f32(f32(deltas[o + 1]! * s1) + m1);
        const dw = Math.min(Math.max(f32(f32(deltas[o + 2]! * s2) + m2), -maxRatio), maxRatio);
        const dh = Math.min(Math.max(f32(f32(deltas[o + 3]! * s3) + m3), -maxRatio), maxRatio);
        const gx = f32(px + f32(pw * dx));
        const gy = f32(py + f32(ph * dy));
        const halfW = f32(f32(pw * f32(Math.exp(dw))) * 0.5);
        const halfH = f32(f32(ph * f32(Math.exp(dh))) * 0.5);
        let x1 = f32(gx - halfW);
        let y1 = f32(gy - halfH);
        let x2 = f32(gx + halfW);
        let y2 = f32(gy + halfH);
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
