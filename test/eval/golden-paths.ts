import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** ../shared next to the repository (read-only ground truth). */
export const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const GOLDEN_COCO = path.join(SHARED, 'golden/coco');
export const GOLDEN_MIOU = path.join(SHARED, 'golden/miou');
export const COCO_DUMMY = path.join(SHARED, 'data/coco_dummy/annotations/instances_val2017.json');
