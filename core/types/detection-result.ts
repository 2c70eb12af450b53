import type { BitmapMasks } from './data.js';

/**
 * One image's detections in original-image coordinates, after the test-time postprocess
 * (score threshold, class-wise NMS, max per image, masks pasted at threshold 0.5).
 */
export interface DetectionResult {
  /** n * 4, x1y1x2y2 in pixels of the original image. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Contiguous labels 0..K-1. */
  labels: Int32Array;
  /** n binary masks of the original image's size, or null for a box-only model. */
  masks: BitmapMasks | null;
}
