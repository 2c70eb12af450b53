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

const f32 = Math.fround;

/**
 * The weights of one axis: `start` is the box start in feature coordinates (already scaled and shifted),
 * `length` the box length, `size` the feature axis length, `out` the number of output bins. Bin size, grid
 * count and sample positions are float32 in the kernel's operation order (they decide which pixels are read);
 * the per-axis weights are summed in doubles.
 */
export function axisWeights(start: number, length: number, size: number, out: number, samplingRatio: number): AxisWeights {
  const bin = f32(length / out);
  // mmcv: ceilf(roi_height / pooled_height), the same float32 quotient as the bin size
  const grid = samplingRatio > 0 ? samplingRatio : Math.ceil(bin);
  const positions = samplePositions(start, bin, grid, out);
  // Collect (bin, index, weight) triples first, so the window can be sized to exactly what is touched.
  const entries: number[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < positions.length; k++) {
    const smp = axisSample(positions[k]!, size);
    if (!smp) continue;
    const p = Math.floor(k / grid);
    entries.push(p, smp.low, smp.lowWeight / grid, p, smp.high, smp.highWeight / grid);
    if (smp.low < lo) lo = smp.low;
    if (smp.high > hi) hi = smp.high;
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

/** The sample coordinates of one axis, bin-major: roi_start + p * bin + (i + .5) * bin / grid, in float32. */
export function samplePositions(start: number, bin: number, grid: number, out: number): Float32Array {
  const pos = new Float32Array(out * grid);
  for (let p = 0; p < out; p++) {
    const binStart = f32(start + f32(p * bin));
    for (let i = 0; i < grid; i++) pos[p * grid + i] = f32(binStart + f32(f32((i + 0.5) * bin) / grid));
  }
  return pos;
}

/** One axis of mmcv's bilinear_interpolate at coordinate `c`: the two pixels read and their float32 weights. */
export interface AxisSample {
  low: number;
  high: number;
  lowWeight: number;
  highWeight: number;
}

/** null for a sample beyond one pixel outside the map (it contributes nothing); one just outside reads the border. */
export function axisSample(c: number, size: number): AxisSample | null {
  if (c < -1 || c > size) return null;
  let v = c <= 0 ? 0 : c;
  let low = Math.trunc(v);
  let high: number;
  if (low >= size - 1) {
    low = high = size - 1;
    v = low;
  } else {
    high = low + 1;
  }
  const l = f32(v - low);
  return { low, high, lowWeight: f32(1 - l), highWeight: l };
}

/** A RoI row [batch_idx, x1, y1, x2, y2] in feature coordinates, as mmcv's kernel computes them in float32. */
export function roiGeometry(rois: ArrayLike<number>, r: number, spatialScale: number, aligned: boolean): { x1: number; y1: number; w: number; h: number } {
  const scale = f32(spatialScale);
  const offset = aligned ? 0.5 : 0;
  const x1 = f32(f32(rois[r * 5 + 1]! * scale) - offset);
  const y1 = f32(f32(rois[r * 5 + 2]! * scale) - offset);
  let w = f32(f32(f32(rois[r * 5 + 3]! * scale) - offset) - x1);
  let h = f32(f32(f32(rois[r * 5 + 4]! * scale) - offset) - y1);
  if (!aligned) {
    // mmcv (aligned=False) forces malformed RoIs to be 1x1.
    w = Math.max(w, 1);
    h = Math.max(h, 1);
  } else if (!(w >= 0 && h >= 0)) {
    throw new Error(`heads/det/roi/roi-align: RoI ${r} has negative width or height (x2 < x1 or y2 < y1)`);
  }
  return { x1, y1, w, h };
}

/**
 * Weights of every RoI. `rois` holds rows [batch_idx, x1, y1, x2, y2] in image coordinates; the feature map is
 * `height x width` at `spatialScale`.
 */
export function roiAlignWeights(rois: ArrayLike<number>, height: number, width: number, opts: RoiAlignOptions): RoiWeights[] {
  if (rois.length % 5 !== 0) throw new Error(`heads/det/roi/roi-align: rois must have 5 values per row, got ${rois.length} values`);
  const [oh, ow] = opts.outSize;
  const sr = opts.samplingRatio ?? 0;
  const n = rois.length / 5;
  const out: RoiWeights[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const { x1, y1, w, h } = roiGeometry(rois, r, opts.spatialScale, opts.aligned ?? true);
    out[r] = { batchIndex: rois[r * 5]!, y: axisWeights(y1, h, height, oh, sr), x: axisWeights(x1, w, width, ow, sr) };
  }
  return out;
}
