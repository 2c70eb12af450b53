/**
 * mmdet 2.x `AnchorGenerator` (mmdet/core/anchor/anchor_generator.py) for the RPN, on host arrays.
 *
 * Base anchors of a level (base size = the level's stride by default, centre offset 0 so the centre is the
 * cell's top-left corner): h_ratio = sqrt(r), w_ratio = 1 / h_ratio, w = base * w_ratio * scale,
 * h = base * h_ratio * scale, box = (cx - w/2, cy - h/2, cx + w/2, cy + h/2); ordered ratio-major
 * (scale_major: for each ratio, each scale). Grid anchors of an H x W map: for each cell in row-major order
 * (y outer, x inner), shifted by (x * stride, y * stride), the A base anchors in order — index
 * ((y * W + x) * A + a), matching an NHWC head output reshaped to [H * W * A, ...].
 */
import { boxCount } from '../../core/boxes/box-overlaps.js';

export interface AnchorGeneratorOptions {
  /** One stride per level (mmdet strides [4, 8, 16, 32, 64]). */
  strides: number[];
  /** Aspect ratios h / w (mmdet [0.5, 1.0, 2.0]). */
  ratios: number[];
  /** Scales relative to the base size (mmdet [8]). */
  scales: number[];
  /** Base size per level; default = strides. */
  baseSizes?: number[];
  /** 0 (mmdet default): anchors centred on the cell's top-left corner; 0.5 centres them in the cell. */
  centerOffset?: number;
}

export type FeatSize = readonly [number, number];

const f32 = Math.fround;

export class AnchorGenerator {
  readonly strides: number[];
  readonly ratios: number[];
  readonly scales: number[];
  readonly baseSizes: number[];
  readonly centerOffset: number;
  /** Per level, the A base anchors (A * 4) centred at the origin cell. */
  readonly baseAnchors: Float32Array[];

  constructor(opts: AnchorGeneratorOptions) {
    this.strides = [...opts.strides];
    this.ratios = [...opts.ratios];
    this.scales = [...opts.scales];
    this.baseSizes = opts.baseSizes ? [...opts.baseSizes] : [...opts.strides];
    this.centerOffset = opts.centerOffset ?? 0;
    if (this.baseSizes.length !== this.strides.length) {
      throw new Error(`AnchorGenerator: ${this.baseSizes.length} base sizes for ${this.strides.length} strides`);
    }
    this.baseAnchors = this.baseSizes.map((b) => this.levelBaseAnchors(b));
  }

  get numLevels(): number {
    return this.strides.length;
  }

  /** Anchors per feature-map location (A = ratios x scales), the same on every level. */
  get numBaseAnchors(): number {
    return this.ratios.length * this.scales.length;
  }

  private levelBaseAnchors(base: number): Float32Array {
    const cx = f32(this.centerOffset * base);
    const cy = f32(this.centerOffset * base);
    const out = new Float32Array(this.numBaseAnchors * 4);
    let k = 0;
    // float32 at each step, as the torch tensors compute them
    for (const r of this.ratios) {
      const hRatio = f32(Math.sqrt(f32(r)));
      const wRatio = f32(1 / hRatio);
      for (const s of this.scales) {
        const w = f32(f32(base * wRatio) * s);
        const h = f32(f32(base * hRatio) * s);
        out[k++] = f32(cx - f32(0.5 * w));
        out[k++] = f32(cy - f32(0.5 * h));
        out[k++] = f32(cx + f32(0.5 * w));
        out[k++] = f32(cy + f32(0.5 * h));
      }
    }
    return out;
  }

  /** Anchors of one level for an H x W map: (H * W * A) * 4, in the order described above. */
  levelAnchors(level: number, [h, w]: FeatSize): Float32Array {
    const base = this.baseAnchors[level];
    if (!base) throw new Error(`AnchorGenerator: level ${level} out of range (${this.numLevels} levels)`);
    const stride = this.strides[level]!;
    const a = boxCount(base);
    const out = new Float32Array(h * w * a * 4);
    let k = 0;
    for (let y = 0; y < h; y++) {
      const sy = y * stride;
      for (let x = 0; x < w; x++) {
        const sx = x * stride;
        for (let i = 0; i < a; i++) {
          out[k++] = base[4 * i]! + sx;
          out[k++] = base[4 * i + 1]! + sy;
          out[k++] = base[4 * i + 2]! + sx;
          out[k++] = base[4 * i + 3]! + sy;
        }
      }
    }
    return out;
  }

  /** Anchors of every level (mmdet grid_anchors / grid_priors). */
  gridAnchors(featSizes: readonly FeatSize[]): Float32Array[] {
    this.checkLevels(featSizes);
    return featSizes.map((s, l) => this.levelAnchors(l, s));
  }

  /**
   * mmdet valid_flags: 1 for anchors whose cell lies inside the image's own padded size (padShape, [h, w]);
   * cells that only exist because the batch was padded to a larger image are 0. Per level, H * W * A flags.
   */
  validFlags(featSizes: readonly FeatSize[], padShape: readonly [number, number]): Uint8Array[] {
    this.checkLevels(featSizes);
    const a = this.numBaseAnchors;
    return featSizes.map(([fh, fw], l) => {
      const stride = this.strides[l]!;
      const vh = Math.min(Math.ceil(padShape[0] / stride), fh);
      const vw = Math.min(Math.ceil(padShape[1] / stride), fw);
      const out = new Uint8Array(fh * fw * a);
      for (let y = 0; y < vh; y++) out.fill(1, (y * fw) * a, (y * fw + vw) * a);
      return out;
    });
  }

  private checkLevels(featSizes: readonly FeatSize[]): void {
    if (featSizes.length !== this.numLevels) {
      throw new Error(`AnchorGenerator: ${featSizes.length} feature maps for ${this.numLevels} anchor levels`);
    }
  }
}
