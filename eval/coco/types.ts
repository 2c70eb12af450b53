/** The COCO instances JSON format and the detection results format that `COCO.loadRes` accepts. */
import type { Rle } from '../../core/mask/rle.js';
import type { RleJson } from '../../core/mask/rle-string.js';

export interface CocoImage {
  id: number;
  width: number;
  height: number;
  file_name?: string;
  [key: string]: unknown;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  [key: string]: unknown;
}

/** Polygons (flat [x0, y0, x1, y1, ...] lists), an RLE object as JSON, or an Rle. */
export type Segmentation = number[][] | RleJson | Rle;

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height]. */
  bbox?: number[];
  area?: number;
  iscrowd?: number | boolean;
  segmentation?: Segmentation;
  /** Present on results. */
  score?: number;
  [key: string]: unknown;
}

export interface CocoDataset {
  images?: CocoImage[];
  annotations?: CocoAnnotation[];
  categories?: CocoCategory[];
  info?: unknown;
  licenses?: unknown;
  [key: string]: unknown;
}

/**
 * One detection, as the COCO results format: a box result carries `bbox`, a mask result
 * `segmentation` as an RLE (compressed `counts` string, as pycocotools' encode writes it).
 */
export interface CocoResult {
  image_id: number;
  category_id: number;
  score: number;
  /** [x, y, w, h]; any array-like of 4 numbers. */
  bbox?: ArrayLike<number>;
  /** RLE of the mask: JSON form (compressed string counts, as pycocotools' encode) or an Rle. */
  segmentation?: RleJson | Rle;
  [key: string]: unknown;
}
