/**
 * mmdet 2.x `_do_paste_mask` (CPU path, skip_empty=True) for one detection: the S x S mask probabilities are
 * resampled onto the image pixels around `box` the way F.grid_sample(align_corners=False, zero padding) does
 * (pixel centre x + 0.5 maps to mask coordinate ((x + 0.5 - x0) / (x1 - x0)) * S - 0.5, bilinear, samples
 * outside the mask read 0), then thresholded (>= threshold). Pixels outside
 * [floor(x0) - 1, ceil(x1) + 1) x [floor(y0) - 1, ceil(y1) + 1) stay 0, as mmdet's pasted region.
 * Coordinates are rounded to float32 at each step, as torch computes them.
 *
 * Writes 0/1 into `out`, a row-major H x W image (a BitmapMasks plane), and leaves every pixel outside the
 * pasted region untouched (callers pass a zeroed plane).
 */
export function pasteMask(probs: ArrayLike<number>, size: number, box: ArrayLike<number>, imgH: number, imgW: number, out: Uint8Array, threshold = 0.5): void {
  const f = Math.fround;
  const x0 = f(box[0]!);
  const y0 = f(box[1]!);
  const x1 = f(box[2]!);
  const y1 = f(box[3]!);
  const xs = Math.max(Math.floor(x0) - 1, 0);
  const ys = Math.max(Math.floor(y0) - 1, 0);
  const xe = Math.min(Math.ceil(x1) + 1, imgW);
  const ye = Math.min(Math.ceil(y1) + 1, imgH);
  if (xe <= xs || ye <= ys) return;
  const toMask = (pix: number, lo: number, hi: number): number => {
    let g = f(f(f(f(pix + 0.5) - lo) / f(hi - lo)) * 2 - 1);
    if (g === Infinity || g === -Infinity) g = 0; // mmdet zeroes infinities (zero-size boxes)
    return f(f(f(g + 1) * size - 1) / 2);
  };
  // Per column / row: the two mask indices and their weights (each computed once).
  const colLo = new Int32Array(xe - xs);
  const colW = new Float32Array(xe - xs);
  for (let x = xs; x < xe; x++) {
    const ix = toMask(x, x0, x1);
    colLo[x - xs] = Number.isNaN(ix) ? -2 : Math.floor(ix);
    colW[x - xs] = Number.isNaN(ix) ? 0 : ix - Math.floor(ix);
  }
  const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? probs[r * size + c]! : 0);
  for (let y = ys; y < ye; y++) {
    const iy = toMask(y, y0, y1);
    if (Number.isNaN(iy)) continue;
    const r0 = Math.floor(iy);
    const wy = iy - r0;
    for (let x = xs; x < xe; x++) {
      const c0 = colLo[x - xs]!;
      if (c0 === -2) continue;
      const wx = colW[x - xs]!;
      const v =
        (1 - wy) * (1 - wx) * at(r0, c0) + (1 - wy) * wx * at(r0, c0 + 1) + wy * (1 - wx) * at(r0 + 1, c0) + wy * wx * at(r0 + 1, c0 + 1);
      out[y * imgW + x] = v >= threshold ? 1 : 0;
    }
  }
}
