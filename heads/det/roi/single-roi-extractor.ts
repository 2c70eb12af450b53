import * as tf from '@tensorflow/tfjs-core';
import { mapRoiLevels } from './level-mapping.js';
import { checkBatchIndices, RoiAlignPlan } from './roi-align.js';
import { hostKernelAvailable, hostRoi, hostRoiAlign } from './roi-align-host-kernel.js';
import { roiAlignWeights } from './roi-align-weights.js';

export interface SingleRoIExtractorOptions {
  /** RoIAlign output size: 7 for the box head, 14 for the mask head. */
  outSize: number;
  /** Strides of the feature levels used (mmdet: [4, 8, 16, 32]). */
  featmapStrides: number[];
  /** mmdet default 56. */
  finestScale?: number;
  /** RoIAlign sampling_ratio; 0 = adaptive (mmdet's Mask R-CNN config). */
  samplingRatio?: number;
}

/**
 * mmdet's SingleRoIExtractor with RoIAlign(aligned=True): each RoI is pooled from the one FPN level its scale
 * maps to. All levels form one custom-gradient op (the JS kernel on cpu/wasm writes every RoI straight into its
 * output row; elsewhere per-level gather + matmul plans), so the gradient reaches every level without a
 * differentiated gather.
 */
export class SingleRoIExtractor {
  readonly outSize: number;
  readonly featmapStrides: number[];
  readonly finestScale: number;
  readonly samplingRatio: number;

  constructor(opts: SingleRoIExtractorOptions) {
    this.outSize = opts.outSize;
    this.featmapStrides = opts.featmapStrides;
    this.finestScale = opts.finestScale ?? 56;
    this.samplingRatio = opts.samplingRatio ?? 0;
  }

  get numLevels(): number {
    return this.featmapStrides.length;
  }

  /**
   * Pool `rois` (host rows [batch_idx, x1, y1, x2, y2], image coordinates) from `feats` (finest level first;
   * extra coarser levels such as P6 are ignored). Returns [R, outSize, outSize, C].
   */
  forward(feats: readonly tf.Tensor4D[], rois: ArrayLike<number>, forceComposed = false): tf.Tensor4D {
    const L = this.numLevels;
    if (feats.length < L) throw new Error(`heads/det/roi/single-roi-extractor: ${L} feature levels expected, got ${feats.length}`);
    const levels = feats.slice(0, L);
    const c = levels[0]!.shape[3];
    const s = this.outSize;
    const r = rois.length / 5;
    if (r === 0) return tf.zeros([0, s, s, c]);
    const target = L === 1 ? new Int32Array(r) : mapRoiLevels(rois, L, this.finestScale);
    // Per level: its RoIs (original indices) and a RoIAlign plan over them.
    const members: number[][] = Array.from({ length: L }, () => []);
    for (let i = 0; i < r; i++) members[target[i]!]!.push(i);
    const subsetOf = (idx: number[]) => {
      const sub = new Float32Array(idx.length * 5);
      idx.forEach((i, k) => {
        for (let j = 0; j < 5; j++) sub[k * 5 + j] = rois[i * 5 + j]!;
      });
      return sub;
    };
    if (hostKernelAvailable() && !forceComposed) {
      const jobLevels = members.map((idx, l) => {
        const [n, h, w] = levels[l]!.shape;
        const weights = roiAlignWeights(subsetOf(idx), h, w, { outSize: [s, s], spatialScale: 1 / this.featmapStrides[l]!, samplingRatio: this.samplingRatio, aligned: true });
        checkBatchIndices(weights, n);
        return weights.map((rw, k) => hostRoi(rw, idx[k]!, s, s));
      });
      return hostRoiAlign(levels, { outH: s, outW: s, numRois: r, levels: jobLevels });
    }
    const plans = members.map((idx, l) => {
      return new RoiAlignPlan(levels[l]!.shape, subsetOf(idx), {
        outSize: [s, s],
        spatialScale: 1 / this.featmapStrides[l]!,
        samplingRatio: this.samplingRatio,
        aligned: true,
      });
    });
    // Concatenating the levels' outputs gives the RoIs in level order; `inverse` restores the input order.
    const levelOrder = Int32Array.from(members.flat());
    const inverse = new Int32Array(r);
    levelOrder.forEach((orig, k) => (inverse[orig] = k));
    const used = plans.map((p, l) => (p.numRois > 0 ? l : -1)).filter((l) => l >= 0);

    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      (args[L] as tf.GradSaveFunc)([]);
      const inputs = args.slice(0, L) as tf.Tensor[];
      const value = tf.tidy(() => {
        const outs = used.map((l) => plans[l]!.forward(inputs[l]!));
        const cat = outs.length === 1 ? outs[0]! : tf.concat(outs, 0);
        return tf.gather(cat, tf.tensor1d(inverse, 'int32'));
      });
      const gradFunc = (dy: tf.Tensor) =>
        tf.tidy(() => {
          const inLevelOrder = tf.gather(dy, tf.tensor1d(levelOrder, 'int32'));
          let offset = 0;
          return plans.map((p, l) => {
            if (p.numRois === 0) return tf.zerosLike(inputs[l]!);
            const part = tf.slice(inLevelOrder, [offset, 0, 0, 0], [p.numRois, s, s, c]);
            offset += p.numRois;
            return p.backward(part);
          });
        });
      return { value, gradFunc };
    });
    return op(...levels) as tf.Tensor4D;
  }
}
