/**
 * mmcv.rescale_size with a (long, short) tuple: the largest factor that keeps the long edge within
 * max(scale) and the short edge within min(scale), then `int(x * factor + 0.5)` per side.
 * Returns [newW, newH]. A side that would round to 0 pixels (a 1x5000 image at 1333x800) is kept at 1: mmcv
 * passes the 0 on and cv2.resize fails its `inv_scale_x > 0` assertion; one pixel keeps the image running.
 */
export function rescaleSize(w: number, h: number, scale: [number, number]): [number, number] {
  const maxLong = Math.max(scale[0], scale[1]);
  const maxShort = Math.min(scale[0], scale[1]);
  const factor = Math.min(maxLong / Math.max(h, w), maxShort / Math.min(h, w));
  return [Math.max(1, Math.trunc(w * factor + 0.5)), Math.max(1, Math.trunc(h * factor + 0.5))];
}
