/**
 * mmdet's SingleRoIExtractor.map_roi_levels: a RoI of scale sqrt(w * h) goes to level
 * floor(log2(scale / finest_scale + 1e-6)), clamped to [0, numLevels - 1]. With finest_scale 56 and strides
 * 4..32: scale < 112 -> P2, [112, 224) -> P3, [224, 448) -> P4, >= 448 -> P5.
 */
export function mapRoiLevels(rois: ArrayLike<number>, numLevels: number, finestScale = 56): Int32Array {
  if (rois.length % 5 !== 0) throw new Error(`heads/det/roi/level-mapping: rois must have 5 values per row, got ${rois.length} values`);
  const n = rois.length / 5;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // float32 like the torch tensors mmdet computes with, so boundary cases land on the same level.
    const w = Math.fround(rois[i * 5 + 3]! - rois[i * 5 + 1]!);
    const h = Math.fround(rois[i * 5 + 4]! - rois[i * 5 + 2]!);
    const scale = Math.fround(Math.sqrt(Math.fround(w * h)));
    const lvl = Math.floor(Math.log2(Math.fround(Math.fround(scale / finestScale) + 1e-6)));
    out[i] = Math.min(Math.max(lvl, 0), numLevels - 1);
  }
  return out;
}
