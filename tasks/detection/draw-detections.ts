import sharp, { type OverlayOptions } from 'sharp';
import type { HostImage } from '../../core/types/data.js';
import type { DetectionResult } from '../../core/types/detection-result.js';

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

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);
}

/**
 * Render detections over an RGB image as a PNG: translucent instance masks (a raw RGBA layer, alpha 0.5 as
 * mmdet's show_result), then boxes and `class|score` labels (an SVG layer). Detections under `scoreThr` are
 * left out. Returns how many were drawn.
 */
export async function drawDetections(
  img: HostImage,
  result: DetectionResult,
  classNames: readonly string[],
  outPath: string,
  scoreThr = 0.3,
): Promise<number> {
  const { width: w, height: h } = img;
  const keep = [...result.scores.keys()].filter((i) => result.scores[i]! >= scoreThr).sort((a, b) => result.scores[a]! - result.scores[b]!);
  const layers: OverlayOptions[] = [];
  if (result.masks && keep.length) {
    if (result.masks.height !== h || result.masks.width !== w) {
      throw new Error(`${outPath}: masks are ${result.masks.width}x${result.masks.height}, the image ${w}x${h}`);
    }
    const rgba = new Uint8Array(w * h * 4);
    const plane = w * h;
    for (const i of keep) {
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
    layers.push({ input: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.length), raw: { width: w, height: h, channels: 4 }, left: 0, top: 0 });
  }
  if (keep.length) {
    const font = Math.max(10, Math.round(Math.min(w, h) / 40));
    const stroke = Math.max(1, Math.round(Math.min(w, h) / 300));
    const parts: string[] = [];
    for (const i of keep) {
      // x1y1x2y2 of detection i: the four values of its row (boxes holds n * 4).
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = result.boxes.subarray(4 * i, 4 * i + 4);
      const [r, g, b] = classColor(result.labels[i]!);
      const colour = `rgb(${r},${g},${b})`;
      const text = `${classNames[result.labels[i]!] ?? `class ${result.labels[i]}`}|${result.scores[i]!.toFixed(2)}`;
      const tw = Math.ceil(text.length * font * 0.62) + 4;
      const ty = y1 - font - 2 >= 0 ? y1 - font - 2 : y1;
      // Keep the label inside the picture when the box touches the right edge.
      const tx = Math.max(0, Math.min(x1, w - tw));
      parts.push(
        `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(0, x2 - x1).toFixed(1)}" height="${Math.max(0, y2 - y1).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
        `<rect x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" width="${tw}" height="${font + 2}" fill="black" fill-opacity="0.6"/>`,
        `<text x="${(tx + 2).toFixed(1)}" y="${(ty + font - 1).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="white">${escapeXml(text)}</text>`,
      );
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  }
  const rgb = img.data instanceof Uint8Array ? img.data : Uint8Array.from(img.data);
  await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width: w, height: h, channels: 3 } })
    .composite(layers)
    .png()
    .toFile(outPath);
  return keep.length;
}
