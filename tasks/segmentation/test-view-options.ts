import type { JsonValue, TransformStep } from '../../configs/types.js';
import type { TestViewOptions } from './test-views.js';

/** The first step of a type in a config pipeline, looking inside wrappers such as MultiScaleFlipAug. */
export function findStep(steps: readonly TransformStep[], type: string): TransformStep | undefined {
  for (const s of steps) {
    if (s.type === type) return s;
    if (Array.isArray(s.transforms)) {
      const found = findStep(s.transforms as unknown as TransformStep[], type);
      if (found) return found;
    }
  }
  return undefined;
}

function pair(v: JsonValue | undefined, fallback: [number, number]): [number, number] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? [v[0], v[1]] : fallback;
}

/** mmseg's test views of a segmentation config's test pipeline: scale, ratios and flip of MultiScaleFlipAug, Normalize. */
export function testViewOptions(pipeline: readonly TransformStep[]): TestViewOptions {
  const aug = findStep(pipeline, 'MultiScaleFlipAug');
  const norm = findStep(pipeline, 'Normalize');
  return {
    imgScale: pair(aug?.imgScale ?? findStep(pipeline, 'Resize')?.imgScale, [2048, 512]),
    ratios: Array.isArray(aug?.imgRatios) ? (aug.imgRatios as number[]) : null,
    flip: aug?.flip === true,
    mean: Array.isArray(norm?.mean) ? (norm.mean as number[]) : undefined,
    std: Array.isArray(norm?.std) ? (norm.std as number[]) : undefined,
  };
}
