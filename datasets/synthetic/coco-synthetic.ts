import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { area as rleArea, decodeRowMajor, encodeRowMajor, frPoly, merge, toBbox } from '../../core/mask/index.js';
import { lineSegmentPolygon, newCanvas, paintBackground, paintMask, randomColour, randomTexture, type Canvas, type Rgb } from './paint.js';
import { roundPolygon, shapePolygon, SHAPE_KINDS, type ShapeKind, type ShapeParams } from './shape-polygons.js';
import { forEachLimited, writeJpeg } from './write-jpeg.js';

export interface SyntheticCocoOptions {
  out: string;
  trainImages: number;
  valImages: number;
  seed: number;
  width: number;
  height: number;
}

/** Category ids 1..5, in the order of SHAPE_KINDS. */
export const SYNTHETIC_COCO_CATEGORIES = SHAPE_KINDS.map((name, i) => ({ id: i + 1, name, supercategory: 'shape' }));

interface CocoAnnotationJson {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: number[][] | { counts: number[]; size: [number, number] };
  area: number;
  bbox: [number, number, number, number];
  iscrowd: 0 | 1;
}

/**
 * Write a COCO-format instance dataset of textured shapes on cluttered backgrounds:
 * annotations/instances_{train,val}2017.json and {train,val}2017/*.jpg. Every image and annotation
 * derives from (seed, split, index) alone, so the output is byte-identical for a seed.
 */
export async function writeSyntheticCoco(o: SyntheticCocoOptions): Promise<{ images: number; annotations: number }> {
  mkdirSync(join(o.out, 'annotations'), { recursive: true });
  let images = 0;
  let annotations = 0;
  for (const [split, count, splitId] of [['train2017', o.trainImages, 1], ['val2017', o.valImages, 2]] as const) {
    mkdirSync(join(o.out, split), { recursive: true });
    const imgs: object[] = [];
    const anns: CocoAnnotationJson[][] = new Array(count);
    await forEachLimited(count, 4, async (i) => {
      const imageId = i + 1;
      const fileName = `${String(imageId).padStart(12, '0')}.jpg`;
      const scene = renderShapesScene(new Rng(mixSeed(o.seed, splitId, i)), o.width, o.height, imageId);
      anns[i] = scene.annotations;
      imgs[i] = { id: imageId, file_name: fileName, width: o.width, height: o.height };
      await writeJpeg(scene.canvas, join(o.out, split, fileName));
    });
    // Annotation ids are assigned after rendering, in image order, so they do not depend on timing.
    let nextId = 1;
    const flat = anns.flat().map((a) => ({ ...a, id: nextId++ }));
    const json = {
      info: { description: `MILA-Dense synthetic shapes (seed ${o.seed})`, version: '1.0', year: 2024 },
      licenses: [],
      images: imgs,
      annotations: flat,
      categories: SYNTHETIC_COCO_CATEGORIES,
    };
    writeFileSync(join(o.out, 'annotations', `instances_${split}.json`), JSON.stringify(json));
    images += count;
    annotations += flat.length;
  }
  return { images, annotations };
}

export function mixSeed(seed: number, split: number, index: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x01000193) ^ Math.imul(split + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

interface Scene {
  canvas: Canvas;
  annotations: CocoAnnotationJson[];
}

/** One image: background, clutter, 1-6 instances (overlaps limited so masks stay truthful), sometimes a crowd. */
export function renderShapesScene(rng: Rng, w: number, h: number, imageId: number): Scene {
  const c = newCanvas(w, h);
  const muted = (): Rgb => {
    const g = 70 + rng.next() * 110;
    return [g + rng.uniform(-25, 25), g + rng.uniform(-25, 25), g + rng.uniform(-25, 25)];
  };
  paintBackground(c, muted(), muted(), { ...randomTexture(rng, 3), amp: 10 + rng.next() * 15 }, 8, rng.int(0, 1 << 30));

  // Clutter: thin lines and specks, thin enough that they never look like a shape instance.
  const clutter = rng.int(3, 10);
  for (let k = 0; k < clutter; k++) {
    const x0 = rng.next() * w;
    const y0 = rng.next() * h;
    const len = (0.1 + rng.next() * 0.4) * Math.min(w, h);
    const a = rng.next() * Math.PI * 2;
    const poly = k % 3 === 2 ? speck(x0, y0, 1 + rng.next() * 2) : lineSegmentPolygon(x0, y0, x0 + len * Math.cos(a), y0 + len * Math.sin(a), 1 + rng.next() * 2);
    paintMask(c, decodeRowMajor(frPoly(poly, h, w)), randomColour(rng, 0.2), { kind: 'flat', period: 1, angle: 0, amp: 0, seed: 0 }, 6, k);
  }

  // Which instance owns each pixel (-1: none), so that overlaps can be kept small for both sides.
  const owner = new Int16Array(w * h).fill(-1);
  const ownerArea: number[] = [];
  const annotations: CocoAnnotationJson[] = [];
  const minSide = Math.min(w, h);
  const n = rng.int(1, 7);
  for (let k = 0, tries = 0; k < n && tries < 40; tries++) {
    const kind = SHAPE_KINDS[rng.int(0, SHAPE_KINDS.length)]!;
    const r = minSide * (0.06 + 0.22 * rng.next() ** 1.5);
    const p: ShapeParams = {
      kind,
      cx: r + rng.next() * (w - 2 * r),
      cy: r + rng.next() * (h - 2 * r),
      r,
      angle: rng.next() * Math.PI * 2,
      ratio: kind === 'rectangle' ? 0.4 + rng.next() * 0.6 : kind === 'ring' ? 0.45 + rng.next() * 0.2 : 0.4 + rng.next() * 0.1,
    };
    const poly = roundPolygon(shapePolygon(p));
    const rle = frPoly(poly, h, w);
    const mask = decodeRowMajor(rle);
    const a = rleArea(rle);
    if (a < 16 || maxOverlapShare(mask, owner, ownerArea, a) > 0.15) continue;
    paintMask(c, mask, randomColour(rng), randomTexture(rng, 1), 10, imageId * 31 + k);
    for (let i = 0; i < mask.length; i++) if (mask[i]) owner[i] = ownerArea.length;
    ownerArea.push(a);
    annotations.push(instanceAnnotation(imageId, kind, poly, rle));
    k++;
  }

  // A crowd: a cluster of small shapes of one kind, annotated once as iscrowd=1 with an RLE.
  if (rng.next() < 0.2) {
    const kind: ShapeKind = SHAPE_KINDS[rng.int(0, SHAPE_KINDS.length)]!;
    const cx = rng.next() * w;
    const cy = rng.next() * h;
    const spread = minSide * 0.12;
    const col = randomColour(rng);
    const members = [];
    for (let k = 0; k < 8; k++) {
      const r = minSide * (0.015 + 0.015 * rng.next());
      const p: ShapeParams = { kind, cx: clamp(cx + rng.uniform(-spread, spread), r, w - r), cy: clamp(cy + rng.uniform(-spread, spread), r, h - r), r, angle: rng.next() * 6.28, ratio: kind === 'ring' ? 0.5 : 0.45 };
      members.push(frPoly(shapePolygon(p), h, w));
    }
    const union = merge(members);
    const mask = decodeRowMajor(union);
    const a = rleArea(union);
    if (a >= 16 && maxOverlapShare(mask, owner, ownerArea, a) === 0) {
      paintMask(c, mask, col, randomTexture(rng, 0.5), 10, imageId * 31 + 99);
      const crowd = encodeRowMajor(mask, h, w);
      annotations.push({
        id: 0,
        image_id: imageId,
        category_id: SHAPE_KINDS.indexOf(kind) + 1,
        segmentation: { counts: Array.from(crowd.counts), size: [h, w] },
        area: a,
        bbox: toBbox(crowd),
        iscrowd: 1,
      });
    }
  }
  return { canvas: c, annotations };
}

function instanceAnnotation(imageId: number, kind: ShapeKind, poly: number[], rle: ReturnType<typeof frPoly>): CocoAnnotationJson {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i < poly.length; i += 2) {
    x1 = Math.min(x1, poly[i]!);
    x2 = Math.max(x2, poly[i]!);
    y1 = Math.min(y1, poly[i + 1]!);
    y2 = Math.max(y2, poly[i + 1]!);
  }
  const r2 = (v: number): number => Math.round(v * 100) / 100;
  return {
    id: 0,
    image_id: imageId,
    category_id: SHAPE_KINDS.indexOf(kind) + 1,
    segmentation: [poly],
    area: rleArea(rle),
    bbox: [r2(x1), r2(y1), r2(x2 - x1), r2(y2 - y1)],
    iscrowd: 0,
  };
}

/** The largest share, of the new mask or of any earlier instance, that the new mask would cover. */
function maxOverlapShare(mask: Uint8Array, owner: Int16Array, ownerArea: number[], a: number): number {
  const per = new Float64Array(ownerArea.length);
  let total = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] && owner[i]! >= 0) {
      per[owner[i]!]!++;
      total++;
    }
  }
  let share = total / a;
  per.forEach((o, k) => (share = Math.max(share, o / ownerArea[k]!)));
  return share;
}

function speck(x: number, y: number, r: number): number[] {
  return [x - r, y - r, x + r, y - r, x + r, y + r, x - r, y + r];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
