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
  return composeDet(specs.map(buildDetTransform));
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
