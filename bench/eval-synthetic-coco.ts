/**
 * A COCO-val-sized synthetic detection case for the evaluator bench: 5,000 images, about 37k
 * ground-truth boxes over 80 categories (a few crowd), and 100 scored detections per image mixing
 * jittered true boxes, wrong classes and background boxes, with tied scores.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: small, seeded, good enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** COCO's 80 category ids (1..90 with gaps). */
const COCO_CAT_IDS = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
  42, 43, 44, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81,
  82, 84, 85, 86, 87, 88, 89, 90,
];

export interface SyntheticCocoCase {
  gtFile: string;
  dtFile: string;
  numImages: number;
  numGt: number;
  numDt: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function writeSyntheticCoco(dir: string, opts: { images?: number; detsPerImage?: number; seed?: number } = {}): SyntheticCocoCase {
  const nImg = opts.images ?? 5000;
  const detsPerImage = opts.detsPerImage ?? 100;
  const rand = rng(opts.seed ?? 2017);
  const images: object[] = [];
  const anns: object[] = [];
  const dets: string[] = [];
  // A skewed category distribution, as COCO's (person dominates).
  const catWeight = COCO_CAT_IDS.map((_, k) => 1 / (1 + k * 0.15));
  const totalW = catWeight.reduce((a, b) => a + b, 0);
  const pickCat = () => {
    let u = rand() * totalW;
    for (let k = 0; k < COCO_CAT_IDS.length; k++) if ((u -= catWeight[k]!) <= 0) return COCO_CAT_IDS[k]!;
    return COCO_CAT_IDS[COCO_CAT_IDS.length - 1]!;
  };
  let annId = 1;
  const box = (W: number, H: number): number[] => {
    // Log-uniform sizes give COCO-like small/medium/large proportions.
    const w = Math.min(W - 1, Math.exp(Math.log(4) + rand() * Math.log(W / 4)));
    const h = Math.min(H - 1, w * Math.exp((rand() - 0.5) * 1.2));
    const x = rand() * (W - w);
    const y = rand() * (H - h);
    return [r2(x), r2(y), r2(w), r2(Math.max(1, h))];
  };
  for (let i = 0; i < nImg; i++) {
    const id = 100000 + i * 7; // sparse ids as COCO's
    const W = rand() < 0.5 ? 640 : 480 + Math.floor(rand() * 160);
    const H = 360 + Math.floor(rand() * 280);
    images.push({ id, width: W, height: H, file_name: `${String(id).padStart(12, '0')}.jpg` });
    // About 7.36 GT per image (36,781 / 5,000), geometric-like spread (flooring loses about 0.5).
    const nGt = Math.floor(-Math.log(1 - rand()) * 7.86);
    const gts: { bbox: number[]; cat: number }[] = [];
    for (let g = 0; g < nGt; g++) {
      const bbox = box(W, H);
      const cat = pickCat();
      const iscrowd = rand() < 0.01 ? 1 : 0;
      anns.push({ id: annId++, image_id: id, category_id: cat, bbox, area: r2(bbox[2]! * bbox[3]! * 0.8), iscrowd, segmentation: [] });
      gts.push({ bbox, cat });
    }
    for (let d = 0; d < detsPerImage; d++) {
      let bbox: number[];
      let cat: number;
      const u = rand();
      if (gts.length && u < 0.5) {
        // A jittered true box, sometimes with the wrong class.
        const g = gts[Math.floor(rand() * gts.length)]!;
        const j = 0.25 * rand();
        const [x, y, w, h] = g.bbox as [number, number, number, number];
        bbox = [r2(x + (rand() - 0.5) * j * w), r2(y + (rand() - 0.5) * j * h), r2(w * (1 + (rand() - 0.5) * j)), r2(h * (1 + (rand() - 0.5) * j))];
        cat = rand() < 0.85 ? g.cat : pickCat();
      } else {
        bbox = box(W, H);
        cat = pickCat();
      }
      // Scores on a 1e-3 grid: many exact ties, as real detectors' rounded outputs.
      const score = Math.round((u < 0.5 ? 0.3 + 0.7 * rand() : 0.7 * rand()) * 1000) / 1000;
      dets.push(`{"image_id":${id},"category_id":${cat},"bbox":[${bbox.join(',')}],"score":${score}}`);
    }
  }
  const categories = COCO_CAT_IDS.map((id) => ({ id, name: `class_${id}`, supercategory: 'thing' }));
  const gtFile = path.join(dir, 'instances_synthetic_val.json');
  const dtFile = path.join(dir, 'results_synthetic_bbox.json');
  writeFileSync(gtFile, JSON.stringify({ info: { description: 'synthetic COCO-val-sized case' }, images, annotations: anns, categories }));
  writeFileSync(dtFile, `[${dets.join(',\n')}]`);
  return { gtFile, dtFile, numImages: nImg, numGt: anns.length, numDt: dets.length };
}
