/**
 * cv2.resize(..., interpolation=INTER_LINEAR) for HWC uint8 images, reproducing OpenCV's
 * fixed-point arithmetic so resized pixels match what mmcv feeds mmdet/mmseg models:
 * half-pixel centres (sx = (dx + 0.5) * scale - 0.5, computed in float32), edge clamping,
 * 11-bit weights, and the SIMD vertical pass ((x >> 4) * beta >> 16, then (sum + 2) >> 2). An exact
 * 2x downscale is an area average, as OpenCV switches to INTER_AREA in that case. Bit-exact against
 * cv2 5.0 on random images (OpenCV 4.x builds may finish a row's last < 16 values with the scalar
 * rounding, a difference of at most 1).
 */
const COEF_SCALE = 2048;

export function resizeBilinearU8(src: Uint8Array, srcH: number, srcW: number, cn: number, dstH: number, dstW: number): Uint8Array {
  if (dstH === srcH && dstW === srcW) return src.slice();
  const scaleX = srcW / dstW;
  const scaleY = srcH / dstH;
  if (scaleX === 2 && scaleY === 2) return halveByAreaU8(src, srcH, srcW, cn, dstH, dstW);

  const rowLen = dstW * cn;
  // Per destination column: the two source offsets (already times cn) and their 11-bit weights.
  const xofs = new Int32Array(dstW);
  const xofs1 = new Int32Array(dstW);
  const alpha0 = new Int32Array(dstW);
  const alpha1 = new Int32Array(dstW);
  for (let dx = 0; dx < dstW; dx++) {
    let fx = Math.fround((dx + 0.5) * scaleX - 0.5);
    let sx = Math.floor(fx);
    fx = Math.fround(fx - sx);
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx >= srcW - 1) {
      fx = 0;
      sx = srcW - 1;
    }
    xofs[dx] = sx * cn;
    xofs1[dx] = Math.min(sx + 1, srcW - 1) * cn;
    alpha0[dx] = roundHalfEven(Math.fround(1 - fx) * COEF_SCALE);
    alpha1[dx] = roundHalfEven(fx * COEF_SCALE);
  }

  const out = new Uint8Array(dstH * rowLen);
  const rowA = new Int32Array(rowLen);
  const rowB = new Int32Array(rowLen);
  let cachedA = -1;
  let cachedB = -1;
  const srcRowLen = srcW * cn;
  const hresize = (sy: number, dst: Int32Array): void => {
    const base = sy * srcRowLen;
    if (cn === 3) {
      // The common RGB case unrolled: about 1.5x faster than the generic channel loop in V8.
      for (let dx = 0, o = 0; dx < dstW; dx++, o += 3) {
        const p0 = base + xofs[dx]!;
        const p1 = base + xofs1[dx]!;
        const a0 = alpha0[dx]!;
        const a1 = alpha1[dx]!;
        dst[o] = src[p0]! * a0 + src[p1]! * a1;
        dst[o + 1] = src[p0 + 1]! * a0 + src[p1 + 1]! * a1;
        dst[o + 2] = src[p0 + 2]! * a0 + src[p1 + 2]! * a1;
      }
      return;
    }
    for (let dx = 0, o = 0; dx < dstW; dx++) {
      const p0 = base + xofs[dx]!;
      const p1 = base + xofs1[dx]!;
      const a0 = alpha0[dx]!;
      const a1 = alpha1[dx]!;
      for (let k = 0; k < cn; k++, o++) dst[o] = src[p0 + k]! * a0 + src[p1 + k]! * a1;
    }
  };

  for (let dy = 0; dy < dstH; dy++) {
    let fy = Math.fround((dy + 0.5) * scaleY - 0.5);
    const sy = Math.floor(fy);
    fy = Math.fround(fy - sy);
    const b0 = roundHalfEven(Math.fround(1 - fy) * COEF_SCALE);
    const b1 = roundHalfEven(fy * COEF_SCALE);
    const y0 = clamp(sy, 0, srcH - 1);
    const y1 = clamp(sy + 1, 0, srcH - 1);
    if (cachedA !== y0) {
      if (cachedB === y0) rowA.set(rowB);
      else hresize(y0, rowA);
      cachedA = y0;
    }
    if (cachedB !== y1 || cachedA === y1) {
      if (y1 === y0) rowB.set(rowA);
      else hresize(y1, rowB);
      cachedB = y1;
    }
    const o = dy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      const v = (((rowA[i]! >> 4) * b0) >> 16) + (((rowB[i]! >> 4) * b1) >> 16);
      out[o + i] = saturateU8((v + 2) >> 2);
    }
  }
  return out;
}

function halveByAreaU8(src: Uint8Array, srcH: number, srcW: number, cn: number, dstH: number, dstW: number): Uint8Array {
  const out = new Uint8Array(dstH * dstW * cn);
  const srcRowLen = srcW * cn;
  for (let y = 0; y < dstH; y++) {
    const r0 = 2 * y * srcRowLen;
    const r1 = r0 + srcRowLen;
    for (let x = 0; x < dstW; x++) {
      for (let k = 0; k < cn; k++) {
        const c = 2 * x * cn + k;
        out[(y * dstW + x) * cn + k] = (src[r0 + c]! + src[r0 + c + cn]! + src[r1 + c]! + src[r1 + c + cn]! + 2) >> 2;
      }
    }
  }
  return out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function saturateU8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
