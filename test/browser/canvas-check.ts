/**
 * Whether a canvas shows what the page says it drew: the page paints the image, the masks and the marks at an
 * integer scale without smoothing (web/src/draw.ts), so every image pixel is a block of canvas pixels whose centre
 * has an exactly predictable colour, except where a box outline or a label (anti-aliased, font-dependent) covers it.
 */
import type { HostImage } from '../../core/types/data.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { detectionMarks, maskLayerRgba, shownDetections, type DetectionMark } from '../../tasks/detection/detection-layers.js';
import { labelOverlayRgb } from '../../tasks/segmentation/overlay.js';

export interface CanvasPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

function blockCentre(c: CanvasPixels, s: number, x: number, y: number): [number, number, number] {
  const o = 4 * ((y * s + (s >> 1)) * c.width + x * s + (s >> 1));
  return [c.data[o]!, c.data[o + 1]!, c.data[o + 2]!];
}

const near = (a: readonly number[], b: readonly number[], tol: number) => a.every((v, k) => Math.abs(v - b[k]!) <= tol);

/** Image pixels the marks' outlines and/or labels cover (with a pixel of margin for anti-aliasing). */
function coveredByMarks(marks: readonly DetectionMark[], width: number, height: number, what: { outlines: boolean; labels: boolean }): Uint8Array {
  const covered = new Uint8Array(width * height);
  const fill = (x0: number, y0: number, x1: number, y1: number) => {
    for (let y = Math.max(0, Math.floor(y0)); y <= Math.min(height - 1, Math.ceil(y1)); y++) {
      for (let x = Math.max(0, Math.floor(x0)); x <= Math.min(width - 1, Math.ceil(x1)); x++) covered[y * width + x] = 1;
    }
  };
  for (const m of marks) {
    const [x1, y1, x2, y2] = m.box;
    const r = m.stroke / 2 + 1;
    if (what.outlines) {
      fill(x1 - r, y1 - r, x2 + r, y1 + r);
      fill(x1 - r, y2 - r, x2 + r, y2 + r);
      fill(x1 - r, y1 - r, x1 + r, y2 + r);
      fill(x2 - r, y1 - r, x2 + r, y2 + r);
    }
    if (what.labels) fill(m.labelX - 1, m.labelY - 1, m.labelX + m.labelWidth + 1, m.labelY + m.font + 3);
  }
  return covered;
}

export interface DetectionCanvasReport {
  /** Image pixels outside outlines and labels, and how many of them are not the image blended with the mask layer. */
  pixelsChecked: number;
  pixelsDiffering: number;
  /** Checked pixels under a shown mask. */
  maskPixelsChecked: number;
  /** Share of sampled outline points (not covered by a later mark) in their class colour. */
  outlineMatching: number;
  outlinePoints: number;
  shown: number;
}

export function checkDetectionCanvas(c: CanvasPixels, img: HostImage, result: DetectionResult, classNames: readonly string[], scoreThr: number): DetectionCanvasReport {
  const { width: w, height: h } = img;
  const s = c.width / w;
  if (!Number.isInteger(s) || c.height !== h * s) throw new Error(`canvas ${c.width}x${c.height} is not the ${w}x${h} image at an integer scale`);
  const shown = shownDetections(result, scoreThr);
  const layer = maskLayerRgba(result, shown, w, h);
  const marks = detectionMarks(result, shown, classNames, w, h);
  const covered = coveredByMarks(marks, w, h, { outlines: true, labels: true });
  const rgb = img.data as Uint8Array;
  let checked = 0;
  let differing = 0;
  let masked = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (covered[p]) continue;
      const base = [rgb[3 * p]!, rgb[3 * p + 1]!, rgb[3 * p + 2]!];
      const a = layer ? layer[4 * p + 3]! / 255 : 0;
      const expected = base.map((v, k) => (a ? v * (1 - a) + layer![4 * p + k]! * a : v));
      checked++;
      if (a) masked++;
      if (!near(blockCentre(c, s, x, y), expected, 2)) differing++;
    }
  }
  // Outlines: points along each box's edges, on the stroke's centre line, not under a later mark or any label.
  let points = 0;
  let inColour = 0;
  const labels = coveredByMarks(marks, w, h, { outlines: false, labels: true });
  marks.forEach((m, i) => {
    const later = coveredByMarks(marks.slice(i + 1), w, h, { outlines: true, labels: false });
    const [x1, y1, x2, y2] = m.box;
    const edge: [number, number][] = [];
    for (let t = 0.1; t < 0.95; t += 0.1) {
      const x = x1 + (x2 - x1) * t;
      const y = y1 + (y2 - y1) * t;
      edge.push([x, y1], [x, y2], [x1, y], [x2, y]);
    }
    for (const [x, y] of edge) {
      const px = Math.min(w - 1, Math.max(0, Math.floor(x)));
      const py = Math.min(h - 1, Math.max(0, Math.floor(y)));
      if (later[py * w + px] || labels[py * w + px]) continue;
      const cx = Math.min(c.width - 1, Math.round(x * s));
      const cy = Math.min(c.height - 1, Math.round(y * s));
      const o = 4 * (cy * c.width + cx);
      points++;
      if (near([c.data[o]!, c.data[o + 1]!, c.data[o + 2]!], m.color, 40)) inColour++;
    }
  });
  return { pixelsChecked: checked, pixelsDiffering: differing, maskPixelsChecked: masked, outlineMatching: inColour / Math.max(1, points), outlinePoints: points, shown: shown.length };
}

/** Share of image pixels whose block shows mmseg's overlay of the label map exactly (within 1 per channel). */
export function checkSegmentationCanvas(c: CanvasPixels, img: HostImage, labels: Uint8Array): number {
  const { width: w, height: h } = img;
  const s = c.width / w;
  const overlay = labelOverlayRgb(img, labels);
  let matching = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (near(blockCentre(c, s, x, y), [overlay[3 * p]!, overlay[3 * p + 1]!, overlay[3 * p + 2]!], 1)) matching++;
    }
  }
  return matching / (w * h);
}
