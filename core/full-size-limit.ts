import { UserError } from './errors.js';

/**
 * The most bytes the original-size outputs of one image may take: instance masks (detection, one bitmap per
 * detection as mmdet keeps them) or class scores (segmentation, K floats per pixel before the argmax). 4 GiB
 * is both the longest typed array and the whole wasm heap; past it the allocation would fail anyway, deep in
 * the model and without naming the image.
 */
export const MAX_FULL_SIZE_BYTES = 2 ** 32;

/** Throws a one-line error naming the image and the limit when `bytes` of original-size output would not fit. */
export function checkFullSizeOutput(image: string, width: number, height: number, what: string, bytes: number): void {
  if (bytes < MAX_FULL_SIZE_BYTES) return;
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  throw new UserError(
    `${image}: ${width}x${height} image: ${what} at the original size need ${gb(bytes)}, over the ${gb(MAX_FULL_SIZE_BYTES)} limit for one image; downscale the image`,
  );
}
