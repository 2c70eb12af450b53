import sharp, { type OverlayOptions } from 'sharp';
import type { HostImage } from '../../core/types/data.js';
import { outputError } from '../../core/output-file.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { detectionMarks, maskLayerRgba, shownDetections } from './detection-layers.js';

export { classColor } from './detection-layers.js';

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
  const shown = shownDetections(result, scoreThr);
  const layers: OverlayOptions[] = [];
  let masks: Uint8Array | null;
  try {
    masks = maskLayerRgba(result, shown, w, h);
  } catch (e) {
    throw new Error(`${outPath}: ${(e as Error).message}`);
  }
  if (masks) layers.push({ input: Buffer.from(masks.buffer, masks.byteOffset, masks.length), raw: { width: w, height: h, channels: 4 }, left: 0, top: 0 });
  if (shown.length) {
    const parts: string[] = [];
    for (const m of detectionMarks(result, shown, classNames, w, h)) {
      const [x1, y1, x2, y2] = m.box;
      const colour = `rgb(${m.color.join(',')})`;
      parts.push(
        `<rect x="${x1.toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(0, x2 - x1).toFixed(1)}" height="${Math.max(0, y2 - y1).toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${m.stroke}"/>`,
        `<rect x="${m.labelX.toFixed(1)}" y="${m.labelY.toFixed(1)}" width="${m.labelWidth}" height="${m.font + 2}" fill="black" fill-opacity="0.6"/>`,
        `<text x="${(m.labelX + 2).toFixed(1)}" y="${(m.labelY + m.font - 1).toFixed(1)}" font-family="DejaVu Sans, sans-serif" font-size="${m.font}" fill="white">${escapeXml(m.text)}</text>`,
      );
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top: 0 });
  }
  const rgb = img.data instanceof Uint8Array ? img.data : Uint8Array.from(img.data);
  await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width: w, height: h, channels: 3 } })
    .composite(layers)
    .png()
    .toFile(outPath)
    .catch((err: unknown) => {
      throw outputError(outPath, err);
    });
  return shown.length;
}
