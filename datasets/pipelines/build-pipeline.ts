import { autoAugment } from '../transforms/auto-augment.js';
import { detNormalize } from '../transforms/det-normalize.js';
import { detPad } from '../transforms/det-pad.js';
import { detRandomCrop } from '../transforms/det-random-crop.js';
import { detRandomFlip } from '../transforms/det-random-flip.js';
import { detResize } from '../transforms/det-resize.js';
import { photoMetricDistortion } from '../transforms/photo-metric-distortion.js';
import { segNormalize } from '../transforms/seg-normalize.js';
import { segPad } from '../transforms/seg-pad.js';
import { segRandomCrop } from '../transforms/seg-random-crop.js';
import { segRandomFlip } from '../transforms/seg-random-flip.js';
import { segResize } from '../transforms/seg-resize.js';
import { composeDet, composeSeg, type DetTransform, type SegTransform } from '../transforms/transform.js';
import type { DetTransformSpec, SegTransformSpec } from './pipeline-spec.js';

export function buildDetTransform(spec: DetTransformSpec): DetTransform {
  switch (spec.type) {
    case 'Resize':
      return detResize(spec);
    case 'RandomFlip':
      return detRandomFlip(spec.flipRatio, spec.direction);
    case 'Normalize':
      return detNormalize(spec.mean, spec.std);
    case 'Pad':
      return detPad(spec);
    case 'RandomCrop':
      return detRandomCrop(spec);
    case 'AutoAugment':
      return autoAugment(spec.policies.map((p) => p.map(buildDetTransform)));
  }
}

export function buildDetPipeline(specs: DetTransformSpec[]): DetTransform {
  checkResizeOverride(specs, false, 'pipeline');
  return composeDet(specs.map(buildDetTransform));
}

/**
 * mmdet's Resize asserts 'scale and scale_factor cannot be both set' when it meets a sample an earlier Resize
 * resized, unless it has `override=True`; refuse such a pipeline when it is built rather than per sample. A
 * Resize after an AutoAugment counts as a second one if any policy resizes. Returns whether `specs` resize.
 */
function checkResizeOverride(specs: readonly DetTransformSpec[], resized: boolean, where: string): boolean {
  for (const [i, spec] of specs.entries()) {
    if (spec.type === 'Resize') {
      if (resized && !spec.override) {
        throw new Error(`${where}[${i}] Resize: an earlier Resize already resized the sample; mmdet refuses that ('scale and scale_factor cannot be both set') unless this step has override: true`);
      }
      resized = true;
    } else if (spec.type === 'AutoAugment') {
      resized = spec.policies.map((p, k) => checkResizeOverride(p, resized, `${where}[${i}].policies[${k}]`)).some(Boolean) || resized;
    }
  }
  return resized;
}

export function buildSegTransform(spec: SegTransformSpec): SegTransform {
  switch (spec.type) {
    case 'Resize':
      return segResize(spec);
    case 'RandomCrop':
      return segRandomCrop(spec);
    case 'RandomFlip':
      return segRandomFlip(spec.prob, spec.direction);
    case 'PhotoMetricDistortion':
      return photoMetricDistortion(spec);
    case 'Normalize':
      return segNormalize(spec.mean, spec.std);
    case 'Pad':
      return segPad(spec);
  }
}

export function buildSegPipeline(specs: SegTransformSpec[]): SegTransform {
  return composeSeg(specs.map(buildSegTransform));
}
