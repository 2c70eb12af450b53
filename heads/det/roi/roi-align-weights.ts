/**
 * Host-side precomputation for RoIAlign (mmcv `RoIAlign`, `pool_mode='avg'`, `aligned=True` by default).
 *
 * mmcv averages `gh x gw` bilinear samples per output bin. A sample's value is
 * sum over its 4 neighbours of wy * wx * F[y, x], and a sample counts only when both of its coordinates are
 * in range (y in [-1, H], x in [-1, W]); both factors split along the axes, so the whole bin is
 * out[p, q] = sum_y sum_x Ay[p, y] * Ax[q, x] * F[y, x]
 * with Ay = (1/gh) * sum over the bin's y-samples of their y-weights (0 for out-of-range samples), and Ax alike.
 * Each RoI therefore needs only two small dense matrices over a window of the feature map, which turns the op
 * into a gather of the window plus two batched matmuls (forward) and their transposes (backward).
 */

/** One axis of one RoI: the window [start, start + size) of the feature axis and the bins' weights over it. */
export interface AxisWeights {
  start: number;
  size: number;
  /** out x size, row-major: weight of window position i for output bin p at [p * size + i]. */
  weights: Float64Array;
}

export interface RoiWeights {
  batchIndex: number;
  y: AxisWeights;
  x: AxisWeights;
}

export interface RoiAlignOptions {
  /** Output size [height, width] (7x7 for boxes, 14x14 for masks, 28x28 for mask targets). */
  outSize: [number, number];
  /** 1 / stride of the feature map. */
  spatialScale: number;
  /** Samples per bin along each axis; 0 = adaptive ceil(roi_size / out_size), as mmcv. */
  samplingRatio?: number;
  /** mmcv's `aligned`: shift box corners by -0.5 pixel so that pixel centres sit at integer + 0.5. */
  aligned?: boolean;
}

/**
 * The weights of one axis: `start` is the box start in feature coordinates (already scaled and shifted),
 * `length` the box length, `size` the feature axis length, `out` the number of output bins.
 */
export function axisWeights(start: number, length: number, size: number, out: number, samplingRatio: number): AxisWeights {
  const bin = length / out;
  const grid = samplingRatio > 0 ? samplingRatio : Math.ceil(length / out);
  // Collect (bin, index, weight) triples first, so the window can be sized to exactly what is touched.
  const entries: number[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let p = 0; p < out; p++) {
    for (let i = 0; i < grid; i++) {
      const s = start + p * bin + ((i + 0.5) * bin) / grid;
      // mmcv's bilinear_interpolate: a sample beyond one pixel outside the map contributes nothing...
      if (s < -1 || s > size) continue;
      // ...and one just outside reads the border pixel.
      let v = s <= 0 ? 0 : s;
      let low = Math.floor(v);
      let high: number;
      if (low >= size - 1) {
        low = high = size - 1;
        v = low;
      } else {
        high = low + 1;
      }
      const l = v - low;
      entries.push(p, low, (1 - l) / grid, p, high, l / grid);
      if (low < lo) lo = low;
      if (high > hi) hi = high;
    }
  }
  if (entries.length === 0) return { start: 0, size: 1, weights: new Float64Array(out) };
  const windowSize = hi - lo + 1;
  const weights = new Float64Array(out * windowSize);
  for (let k = 0; k < entries.length; k += 3) {
    const at = entries[k]! * windowSize + entries[k + 1]! - lo;
    weights[at] = weights[at]! + entries[k + 2]!;
  }
  return { start: lo, size: windowSize, weights };
}

/**
 * Weights of every RoI. `rois` holds rows [batch_idx, x1, y1, x2, y2] in image coordinates; the feature map is
 * `height x width` at `spatialScale`.
 */
export function roiAlignWeights(rois: ArrayLike<number>, height: number, width: number, opts: RoiAlignOptions): RoiWeights[] {
  if (rois.length % 5 !== 0) throw new Error(`heads/det/roi/roi-align: rois must have 5 values per row, got ${rois.length} values`);
  const [oh, ow] = opts.outSize;
  const sr = opts.samplingRatio ?? 0;
  const offset = (opts.aligned ?? true) ? 0.5 : 0;
  const n = rois.length / 5;
  const out: RoiWeights[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const b = rois[r * 5]!;
    const x1 = rois[r * 5 + 1]! * opts.spatialScale - offset;
    const y1 = rois[r * 5 + 2]! * opts.spatialScale - offset;
    let w = rois[r * 5 + 3]! * opts.spatialScale - offset - x1;
    let h = rois[r * 5 + 4]! * opts.spatialScale - offset - y1;
    if (offset === 0) {
      // mmcv (aligned=False) forces malformed RoIs to be 1x1.
      w = Math.max(w, 1);
      h = Math.max(h, 1);
    } else if (!(w >= 0 && h >= 0)) {
      throw new Error(`heads/det/roi/roi-align: RoI ${r} has negative width or height (x2 < x1 or y2 < y1)`);
    }
    out[r] = { batchIndex: b, y: axisWeights(y1, h, height, oh, sr), x: axisWeights(x1, w, width, ow, sr) };
  }
  return out;
}

/**
 * RoIAlign of a single-channel host map (row-major `height x width`) for one RoI's weights: the reference
 * path mask targets use (mmdet's BitmapMasks.crop_and_resize runs RoIAlign on the binary gt mask).
 */
export function roiAlignHostSingle(map: ArrayLike<number>, width: number, rw: RoiWeights, outSize: [number, number], out: Float32Array, outOffset = 0): void {
  const [oh, ow] = outSize;
  const { y, x } = rw;
  // Contract x first for every window row, then y: the separable form of the bin average.
  const rowsByQ = new Float64Array(y.size * ow);
  for (let i = 0; i < y.size; i++) {
    const rowBase = (y.start + i) * width + x.start;
    for (let q = 0; q < ow; q++) {
      let s = 0;
      for (let j = 0; j < x.size; j++) {
        const wx = x.weights[q * x.size + j]!;
        if (wx !== 0) s += wx * map[rowBase + j]!;
      }
      rowsByQ[i * ow + q] = s;
    }
  }
  for (let p = 0; p < oh; p++) {
    for (let q = 0; q < ow; q++) {
      let s = 0;
      for (let i = 0; i < y.size; i++) {
        const wy = y.weights[p * y.size + i]!;
        if (wy !== 0) s += wy * rowsByQ[i * ow + q]!;
      }
      out[outOffset + p * ow + q] = s;
    }
  }
}
