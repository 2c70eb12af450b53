import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { decodeRowMajor, frPoly } from '../../core/mask/index.js';
import { encodeLabelPng } from '../../core/io/label-png.js';
import { mixSeed } from './coco-synthetic.js';
import { newCanvas, paintMask, type Rgb, type Texture } from './paint.js';
import { shapePolygon } from './shape-polygons.js';
import { forEachLimited, writeJpeg } from './write-jpeg.js';

export interface SyntheticAde20kOptions {
  out: string;
  trainImages: number;
  valImages: number;
  seed: number;
  width: number;
  height: number;
}

/**
 * The ADE20K label values the synthetic scenes use (1-based ADE20K class ids; 0 is "other"), each
 * with a characteristic colour and texture so that the classes are learnable.
 */
export const SYNTHETIC_ADE20K_CLASSES: { value: number; name: string; colour: Rgb; texture: Texture['kind'] }[] = [
  { value: 1, name: 'wall', colour: [200, 190, 170], texture: 'flat' },
  { value: 2, name: 'building', colour: [150, 90, 70], texture: 'checker' },
  { value: 3, name: 'sky', colour: [110, 170, 235], texture: 'flat' },
  { value: 4, name: 'floor', colour: [160, 120, 80], texture: 'stripes' },
  { value: 5, name: 'tree', colour: [40, 120, 40], texture: 'noise' },
  { value: 7, name: 'road', colour: [90, 90, 95], texture: 'noise' },
  { value: 10, name: 'grass', colour: [90, 180, 60], texture: 'stripes' },
  { value: 13, name: 'person', colour: [220, 150, 120], texture: 'flat' },
  { value: 21, name: 'car', colour: [200, 30, 40], texture: 'flat' },
];

const byName = new Map(SYNTHETIC_ADE20K_CLASSES.map((c) => [c.name, c]));

/**
 * Write ADEChallengeData2016/{images,annotations}/{training,validation}: JPEG scenes (sky, ground,
 * buildings or walls, trees, people, cars, unlabelled clutter) and 8-bit grayscale label PNGs.
 */
export async function writeSyntheticAde20k(o: SyntheticAde20kOptions): Promise<{ images: number }> {
  const root = join(o.out, 'ADEChallengeData2016');
  let images = 0;
  for (const [split, prefix, count, splitId] of [['training', 'ADE_train', o.trainImages, 1], ['validation', 'ADE_val', o.valImages, 2]] as const) {
    mkdirSync(join(root, 'images', split), { recursive: true });
    mkdirSync(join(root, 'annotations', split), { recursive: true });
    await forEachLimited(count, 4, async (i) => {
      const name = `${prefix}_${String(i + 1).padStart(8, '0')}`;
      const { canvas, labels } = renderAdeScene(new Rng(mixSeed(o.seed, 10 + splitId, i)), o.width, o.height);
      writeFileSync(join(root, 'annotations', split, `${name}.png`), encodeLabelPng(labels, o.height, o.width));
      await writeJpeg(canvas, join(root, 'images', split, `${name}.jpg`));
    });
    images += count;
  }
  return { images };
}

export function renderAdeScene(rng: Rng, w: number, h: number): { canvas: ReturnType<typeof newCanvas>; labels: Uint8Array } {
  const canvas = newCanvas(w, h);
  const labels = new Uint8Array(w * h);
  const paint = (poly: number[], cls: string | null, colourJitter = 25): void => {
    const mask = decodeRowMajor(frPoly(poly, h, w));
    const c = cls ? byName.get(cls)! : null;
    const base: Rgb = c ? c.colour : [rng.uniform(40, 220), rng.uniform(40, 220), rng.uniform(40, 220)];
    const col: Rgb = [base[0] + rng.uniform(-colourJitter, colourJitter), base[1] + rng.uniform(-colourJitter, colourJitter), base[2] + rng.uniform(-colourJitter, colourJitter)];
    const tex: Texture = { kind: c ? c.texture : 'noise', period: 4 + rng.next() * 6, angle: rng.next() * Math.PI, amp: 12 + rng.next() * 18, seed: rng.int(0, 1 << 30) };
    paintMask(canvas, mask, col, tex, 8, rng.int(0, 1 << 30));
    const v = c ? c.value : 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) labels[i] = v;
  };

  const outdoor = rng.next() < 0.6;
  const horizon = h * (0.35 + rng.next() * 0.25);
  // Upper part: sky outdoors, wall indoors; lower part: grass/road outdoors, floor indoors.
  paint([0, 0, w, 0, w, horizon + 0.06 * h, 0, horizon + 0.06 * h], outdoor ? 'sky' : 'wall');
  const wave: number[] = [];
  for (let k = 0; k <= 8; k++) wave.push((w * k) / 8, horizon + rng.uniform(-0.04, 0.04) * h);
  paint([...wave, w, h, 0, h], outdoor ? (rng.next() < 0.5 ? 'grass' : 'road') : 'floor');

  if (outdoor) {
    const nb = rng.int(0, 3);
    for (let k = 0; k < nb; k++) {
      const bw = w * (0.12 + rng.next() * 0.2);
      const x = rng.next() * (w - bw);
      const top = horizon * (0.2 + rng.next() * 0.5);
      paint([x, top, x + bw, top, x + bw, horizon + 2, x, horizon + 2], 'building');
    }
    const nt = rng.int(0, 4);
    for (let k = 0; k < nt; k++) {
      const r = h * (0.06 + rng.next() * 0.08);
      paint(shapePolygon({ kind: 'circle', cx: rng.next() * w, cy: horizon - r * 0.6, r, angle: 0, ratio: 1 }), 'tree');
    }
    const nc = rng.int(0, 3);
    for (let k = 0; k < nc; k++) {
      const cw = w * (0.12 + rng.next() * 0.12);
      const ch = cw * 0.45;
      const x = rng.next() * (w - cw);
      const y = horizon + rng.next() * (h - horizon - ch);
      paint([x, y + ch * 0.4, x + cw * 0.25, y, x + cw * 0.75, y, x + cw, y + ch * 0.4, x + cw, y + ch, x, y + ch], 'car');
    }
  }
  const np = rng.int(0, 4);
  for (let k = 0; k < np; k++) {
    const ph = h * (0.15 + rng.next() * 0.2);
    const x = rng.next() * w;
    const foot = horizon + rng.next() * (h - horizon);
    paint(shapePolygon({ kind: 'rectangle', cx: x, cy: foot - ph * 0.4, r: ph * 0.42, angle: 0, ratio: 2.2 }), 'person');
    paint(shapePolygon({ kind: 'circle', cx: x, cy: foot - ph * 0.88, r: ph * 0.12, angle: 0, ratio: 1 }), 'person');
  }
  // Unlabelled clutter ("other", value 0).
  const nx = rng.int(1, 4);
  for (let k = 0; k < nx; k++) {
    const r = Math.min(w, h) * (0.03 + rng.next() * 0.06);
    paint(shapePolygon({ kind: rng.next() < 0.5 ? 'triangle' : 'star', cx: rng.next() * w, cy: rng.next() * h, r, angle: rng.next() * 6.28, ratio: 0.45 }), null, 0);
  }
  return { canvas, labels };
}
