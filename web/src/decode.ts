import { rgbaToImage, type HostImage } from '../../browser/index.js';

/**
 * Decode an image file to RGB bytes with the browser's decoder, without colour management (as sharp leaves
 * pixel values alone in Node): for a PNG both give the same pixels, so the page's results equal Node's.
 */
export async function decodeImage(blob: Blob): Promise<HostImage> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context');
    ctx.drawImage(bitmap, 0, 0);
    return rgbaToImage(ctx.getImageData(0, 0, bitmap.width, bitmap.height));
  } finally {
    bitmap.close();
  }
}

/** RGBA pixels of an RGB image (opaque), for putImageData. */
export function rgbToImageData(rgb: Uint8Array, width: number, height: number): ImageData {
  const out = new ImageData(width, height);
  for (let p = 0; p < width * height; p++) {
    out.data[4 * p] = rgb[3 * p]!;
    out.data[4 * p + 1] = rgb[3 * p + 1]!;
    out.data[4 * p + 2] = rgb[3 * p + 2]!;
    out.data[4 * p + 3] = 255;
  }
  return out;
}
