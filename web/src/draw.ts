import { detectionMarks, labelOverlayRgb, maskLayerRgba, shownDetections, type DetectionResult, type HostImage } from '../../browser/index.js';
import { rgbToImageData } from './decode.js';

/** Small images are shown enlarged by a whole factor (pixels as blocks, no smoothing): 192 px -> 576 px. */
export function displayScale(width: number, height: number): number {
  return Math.max(1, Math.floor(576 / Math.max(width, height)));
}

function layerCanvas(pixels: ImageData): OffscreenCanvas {
  const c = new OffscreenCanvas(pixels.width, pixels.height);
  c.getContext('2d')!.putImageData(pixels, 0, 0);
  return c;
}

function prepare(canvas: HTMLCanvasElement, width: number, height: number): { ctx: CanvasRenderingContext2D; s: number } {
  const s = displayScale(width, height);
  canvas.width = width * s;
  canvas.height = height * s;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = false;
  return { ctx, s };
}

/**
 * The picture `mila infer` writes, on a canvas: the image, the translucent masks, boxes and `class|score` labels of
 * the detections at or above `scoreThr` (the layout is tasks/detection/detection-layers.ts', shared with Node).
 * Returns how many were drawn.
 */
export function drawDetections(canvas: HTMLCanvasElement, img: HostImage, result: DetectionResult, classNames: readonly string[], scoreThr: number): number {
  const { width: w, height: h } = img;
  const { ctx, s } = prepare(canvas, w, h);
  ctx.drawImage(layerCanvas(rgbToImageData(img.data as Uint8Array, w, h)), 0, 0, w * s, h * s);
  const shown = shownDetections(result, scoreThr);
  const masks = maskLayerRgba(result, shown, w, h);
  if (masks) {
    const layer = new ImageData(w, h);
    layer.data.set(masks);
    ctx.drawImage(layerCanvas(layer), 0, 0, w * s, h * s);
  }
  for (const m of detectionMarks(result, shown, classNames, w, h)) {
    const [x1, y1, x2, y2] = m.box;
    ctx.strokeStyle = `rgb(${m.color.join(',')})`;
    ctx.lineWidth = m.stroke * s;
    ctx.strokeRect(x1 * s, y1 * s, Math.max(0, x2 - x1) * s, Math.max(0, y2 - y1) * s);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.6)';
    ctx.fillRect(m.labelX * s, m.labelY * s, m.labelWidth * s, (m.font + 2) * s);
    ctx.fillStyle = 'white';
    ctx.font = `${m.font * s}px 'DejaVu Sans', sans-serif`;
    ctx.fillText(m.text, (m.labelX + 2) * s, (m.labelY + m.font - 1) * s);
  }
  return shown.length;
}

/** mmseg's overlay (image and class colours, opacity 0.5) on a canvas. */
export function drawSegmentation(canvas: HTMLCanvasElement, img: HostImage, labels: Uint8Array): void {
  const { width: w, height: h } = img;
  const { ctx, s } = prepare(canvas, w, h);
  ctx.drawImage(layerCanvas(rgbToImageData(labelOverlayRgb(img, labels), w, h)), 0, 0, w * s, h * s);
}
