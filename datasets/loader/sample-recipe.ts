import { UserError } from '../../core/errors.js';
import { readLabelPngFile } from '../../core/io/label-png.js';
import { reduceZeroLabel } from '../ade20k/reduce-zero-label.js';
import type { CompactSegmentation } from '../coco/coco-instances-file.js';
import { decodeSegmentationInto } from '../coco/segmentation-mask.js';
import { decodeImageFile } from '../image/decode-image.js';
import type { DetSample, ImageMeta, SegSample } from '../../core/types/data.js';

/**
 * Everything needed to produce one untransformed sample, small and structured-cloneable: the main
 * thread keeps the dataset index and sends recipes to loader workers, which decode and transform.
 */
export interface DetRecipe {
  kind: 'det';
  imagePath: string;
  imageId: number;
  /** Recorded [height, width]; the decoded image must match. */
  height: number;
  width: number;
  annFile: string;
  bboxes: Float32Array;
  labels: Int32Array;
  bboxesIgnore: Float32Array;
  /** One per box, or null when masks are not wanted. */
  segmentations: CompactSegmentation[] | null;
  annIds: number[];
}

export interface SegRecipe {
  kind: 'seg';
  imagePath: string;
  imageId: number;
  labelPath: string | null;
  reduceZeroLabel: boolean;
}

export type SampleRecipe = DetRecipe | SegRecipe;

function originalMeta(path: string, id: number, h: number, w: number): ImageMeta {
  return { filename: path, imageId: id, oriShape: [h, w], imgShape: [h, w], padShape: [h, w], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null };
}

export async function loadDetRecipe(r: DetRecipe): Promise<DetSample> {
  const img = await decodeImageFile(r.imagePath);
  if (img.height !== r.height || img.width !== r.width) {
    throw new UserError(`image ${r.imagePath} is ${img.height}x${img.width} but ${r.annFile} records ${r.height}x${r.width} for image id ${r.imageId}`);
  }
  let gtMasks = null;
  if (r.segmentations) {
    const { height: h, width: w } = img;
    const data = new Uint8Array(r.segmentations.length * h * w);
    r.segmentations.forEach((seg, j) => {
      try {
        decodeSegmentationInto(seg, h, w, data, j * h * w, `annotation ${r.annIds[j]}`);
      } catch (err) {
        throw new UserError(`${r.annFile}: ${(err as Error).message}`);
      }
    });
    gtMasks = { count: r.segmentations.length, height: h, width: w, data };
  }
  return {
    img,
    meta: originalMeta(r.imagePath, r.imageId, img.height, img.width),
    gtBoxes: r.bboxes,
    gtLabels: r.labels,
    gtBoxesIgnore: r.bboxesIgnore,
    gtMasks,
  };
}

export async function loadSegRecipe(r: SegRecipe): Promise<SegSample> {
  const img = await decodeImageFile(r.imagePath);
  let gt: Uint8Array | null = null;
  if (r.labelPath) {
    const label = readLabelPngFile(r.labelPath);
    if (label.height !== img.height || label.width !== img.width) {
      throw new UserError(`label ${r.labelPath} is ${label.height}x${label.width} but its image ${r.imagePath} is ${img.height}x${img.width}`);
    }
    gt = r.reduceZeroLabel ? reduceZeroLabel(label.data) : label.data;
  }
  return { img, meta: originalMeta(r.imagePath, r.imageId, img.height, img.width), gtSemanticSeg: gt };
}
