/** One sliding window: rows [y1, y2) and columns [x1, x2) of the image. */
export interface SlideWindow {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

/**
 * mmseg's slide_inference window grid: grids = max(img - crop + stride - 1, 0) // stride + 1 per axis,
 * window i starts at i*stride, and a window running past the far edge is shifted back to end at it
 * (never before 0, so an image smaller than the crop is one window of the whole image).
 */
export function slideWindows(hImg: number, wImg: number, crop: readonly [number, number], stride: readonly [number, number]): SlideWindow[] {
  const [hCrop, wCrop] = crop;
  const [hStride, wStride] = stride;
  if (hStride <= 0 || wStride <= 0 || hCrop <= 0 || wCrop <= 0) throw new Error('slide inference needs positive crop size and stride');
  const hGrids = Math.floor(Math.max(hImg - hCrop + hStride - 1, 0) / hStride) + 1;
  const wGrids = Math.floor(Math.max(wImg - wCrop + wStride - 1, 0) / wStride) + 1;
  const windows: SlideWindow[] = [];
  for (let hi = 0; hi < hGrids; hi++) {
    for (let wi = 0; wi < wGrids; wi++) {
      const y2 = Math.min(hi * hStride + hCrop, hImg);
      const x2 = Math.min(wi * wStride + wCrop, wImg);
      windows.push({ y1: Math.max(y2 - hCrop, 0), y2, x1: Math.max(x2 - wCrop, 0), x2 });
    }
  }
  return windows;
}

/** How many windows cover each pixel (mmseg's count_mat), row-major [hImg, wImg]. */
export function windowCounts(hImg: number, wImg: number, windows: readonly SlideWindow[]): Uint16Array {
  const count = new Uint16Array(hImg * wImg);
  for (const { y1, y2, x1, x2 } of windows) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) count[y * wImg + x]!++;
  }
  return count;
}
