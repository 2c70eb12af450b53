/**
 * The typed values that flow from datasets through transforms and collation into models
 * (see ../shared/DESIGN.md: each arrow is a typed value). Pixel data stay in host memory until the
 * model turns a batch into a tensor.
 */

/** Where an image came from and every geometric step applied to it, so predictions can be mapped back. */
export interface ImageMeta {
  /** Path (or name) of the source image. */
  filename: string;
  /** COCO image id, or the index in the dataset when the format has none. */
  imageId: number;
  /** [height, width] of the decoded original image. */
  oriShape: [number, number];
  /** [height, width] after resizing (and cropping), before padding. */
  imgShape: [number, number];
  /** [height, width] after padding (the size of the tensor the model sees, before batch padding). */
  padShape: [number, number];
  /** mmdet's scale_factor: [w_scale, h_scale, w_scale, h_scale] from the original to imgShape. */
  scaleFactor: [number, number, number, number];
  flip: boolean;
  flipDirection: 'horizontal' | 'vertical' | null;
}

/** An HWC image in host memory: uint8 before Normalize, float32 after. */
export interface HostImage {
  data: Float32Array | Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** Instance masks as full-image bitmaps (mmdet's BitmapMasks): `count` masks of height x width, row-major. */
export interface BitmapMasks {
  count: number;
  height: number;
  width: number;
  /** count * height * width bytes, 0 or 1. */
  data: Uint8Array;
}

/** One detection training/test sample after the pipeline. Boxes are x1y1x2y2 in imgShape coordinates. */
export interface DetSample {
  img: HostImage;
  meta: ImageMeta;
  /** n * 4, x1y1x2y2. */
  gtBoxes: Float32Array;
  /** n contiguous labels 0..K-1. */
  gtLabels: Int32Array;
  /** m * 4: crowd regions, ignored in assignment (mmdet's gt_bboxes_ignore). */
  gtBoxesIgnore: Float32Array;
  gtMasks: BitmapMasks | null;
}

/** A collated detection batch: images padded to a common size (zeros at bottom/right), NHWC. */
export interface DetBatch {
  /** n * H * W * 3 float32, normalised. */
  images: Float32Array;
  shape: [number, number, number, number];
  metas: ImageMeta[];
  gtBoxes: Float32Array[];
  gtLabels: Int32Array[];
  gtBoxesIgnore: Float32Array[];
  gtMasks: (BitmapMasks | null)[];
}

/** One segmentation sample: label map in the model's class space (after reduce_zero_label), 255 = ignore. */
export interface SegSample {
  img: HostImage;
  meta: ImageMeta;
  /** height * width class indices (imgShape/padShape sized like img), or null at test time. */
  gtSemanticSeg: Uint8Array | null;
}

export interface SegBatch {
  images: Float32Array;
  shape: [number, number, number, number];
  metas: ImageMeta[];
  /** n * H * W labels (padded with 255), or null at test time. */
  labels: Uint8Array | null;
}
