import type { DetectionResult } from '../../core/types/detection-result.js';

/**
 * What a picture of detections shows, independent of how it is painted: `mila infer` paints it with sharp
 * (draw-detections.ts), the web page on a canvas. Masks are a translucent layer (alpha 0.5, mmdet's
 * show_result), then per detection a box and a `class|score` label.
 */

/** A distinct colour per class (golden-angle hues), as [r, g, b]. */
export function classColor(label: number): [number, number, number] {
  const h = (label * 137.508) % 360;
  const s = 0.75;
  const v = 0.95;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** Indices of the detections at or above `scoreThr`, lowest score first (so the best is painted last, on top). */
export function shownDetections(result: DetectionResult, scoreThr: number): number[] {
  return [...result.scores.keys()].filter((i) => result.scores[i]! >= scoreThr).sort((a, b) => result.scores[a]! - result.scores[b]!);
}

/** The masks of the shown detections as one RGBA layer of the image's size (class colour, alpha 128). */
export function maskLayerRgba(result: DetectionResult, shown: readonly number[], width: number, height: number): Uint8Array | null {
  if (!result.masks || shown.length === 0) return null;
  if (result.masks.height !== height || result.masks.width !== width) {
    throw new Error(`masks are ${result.masks.width}x${result.masks.height}, the image ${width}x${height}`);
  }
  const rgba = new Uint8Array(width * height * 4);
  const plane = width * height;
  for (const i of shown) {
    const [r, g, b] = classColor(result.labels[i]!);
    const m = result.masks.data.subarray(i * plane, (i + 1) * plane);
    for (let p = 0; p < plane; p++) {
      if (!m[p]) continue;
      rgba[4 * p] = r;
      rgba[4 * p + 1] = g;
      rgba[4 * p + 2] = b;
      rgba[4 * p + 3] = 128;
    }
  }
  return rgba;
}

/** One detection's box and label, laid out in image pixels. */
export interface DetectionMark {
  box: [number, number, number, number];
  color: [number, number, number];
  text: string;
  /** The label's dark background: top-left corner and size. */
  labelX: number;
  labelY: number;
  labelWidth: number;
  font: number;
  stroke: number;
}

/** Boxes and `class|score` labels of the shown detections, sized for an image of width x height. */
export function detectionMarks(result: DetectionResult, shown: readonly number[], classNames: readonly string[], width: number, height: number): DetectionMark[] {
  const font = Math.max(10, Math.round(Math.min(width, height) / 40));
  const stroke = Math.max(1, Math.round(Math.min(width, height) / 300));
  return shown.map((i) => {
    const box = [0, 1, 2, 3].map((k) => result.boxes[4 * i + k]!) as [number, number, number, number];
    const label = result.labels[i]!;
    const text = `${classNames[label] ?? `class ${label}`}|${result.scores[i]!.toFixed(2)}`;
    const labelWidth = Math.ceil(text.length * font * 0.62) + 4;
    const labelY = box[1] - font - 2 >= 0 ? box[1] - font - 2 : box[1];
    // Keep the label inside the picture when the box touches the right edge.
    const labelX = Math.max(0, Math.min(box[0], width - labelWidth));
    return { box, color: classColor(label), text, labelX, labelY, labelWidth, font, stroke };
  });
}
