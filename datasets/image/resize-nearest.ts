/**
 * cv2.resize(..., interpolation=INTER_NEAREST) on a stack of single-channel uint8 planes (instance
 * masks or a label map): source index floor(d * src/dst), clamped. No half-pixel offset, as OpenCV.
 */
export function resizeNearestPlanesU8(src: Uint8Array, count: number, srcH: number, srcW: number, dstH: number, dstW: number): Uint8Array {
  const xofs = new Int32Array(dstW);
  const fx = srcW / dstW;
  const fy = srcH / dstH;
  for (let x = 0; x < dstW; x++) xofs[x] = Math.min(Math.floor(x * fx), srcW - 1);
  const out = new Uint8Array(count * dstH * dstW);
  for (let c = 0; c < count; c++) {
    const srcPlane = c * srcH * srcW;
    const dstPlane = c * dstH * dstW;
    for (let y = 0; y < dstH; y++) {
      const sy = Math.min(Math.floor(y * fy), srcH - 1);
      const sRow = srcPlane + sy * srcW;
      const dRow = dstPlane + y * dstW;
      for (let x = 0; x < dstW; x++) out[dRow + x] = src[sRow + xofs[x]!]!;
    }
  }
  return out;
}
