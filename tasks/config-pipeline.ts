import { UserError } from '../core/errors.js';
import type { TransformStep } from '../configs/types.js';
import type { DetTransformSpec, SegTransformSpec } from '../datasets/pipelines/pipeline-spec.js';

/** Steps of an mmdet/mmseg config pipeline that our loaders do themselves (loading, formatting, collecting). */
const IMPLICIT = new Set(['LoadImageFromFile', 'LoadAnnotations', 'DefaultFormatBundle', 'Collect', 'ImageToTensor', 'ToTensor']);

type Pair = [number, number];

function pairs(v: unknown, where: string): Pair[] {
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number') return [[v[0], v[1] as number]];
  if (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2)) return (v as Pair[]).map((p) => [p[0], p[1]]);
  throw new UserError(`${where}: imgScale must be [a, b] or a list of them, got ${JSON.stringify(v)}`);
}

/**
 * A detection config pipeline as the datasets code's transform specs: loading/formatting steps dropped,
 * MultiScaleFlipAug(imgScale, flip=false) flattened into its transforms with its scale on Resize.
 */
export function detPipelineSpecs(steps: readonly TransformStep[], where: string): DetTransformSpec[] {
  const out: DetTransformSpec[] = [];
  for (const [i, step] of steps.entries()) {
    const at = `${where}[${i}] ${step.type}`;
    if (IMPLICIT.has(step.type)) continue;
    switch (step.type) {
      case 'MultiScaleFlipAug': {
        if (step.flip) throw new UserError(`${at}: flip test-time augmentation is not supported for detection`);
        const scale = pairs(step.imgScale, at);
        const inner = detPipelineSpecs((step.transforms ?? []) as TransformStep[], `${where}[${i}].transforms`);
        for (const t of inner) {
          if (t.type === 'Resize') out.push({ ...t, imgScale: t.imgScale.length ? t.imgScale : scale });
          else out.push(t);
        }
        break;
      }
      case 'Resize':
        out.push({
          type: 'Resize',
          imgScale: step.imgScale === undefined ? [] : pairs(step.imgScale, at),
          multiscaleMode: (step.multiscaleMode as 'value' | 'range' | undefined) ?? 'value',
          keepRatio: (step.keepRatio as boolean | undefined) ?? true,
          override: step.override === true,
        });
        break;
      case 'RandomFlip':
        // Inside MultiScaleFlipAug a RandomFlip without a ratio only applies the (absent) flip flag.
        if (typeof step.flipRatio === 'number' && step.flipRatio > 0) {
          out.push({ type: 'RandomFlip', flipRatio: step.flipRatio, direction: (step.direction as 'horizontal' | 'vertical' | undefined) ?? 'horizontal' });
        }
        break;
      case 'Normalize':
        if (step.toRgb === false) throw new UserError(`${at}: toRgb false (BGR input) is not supported; images are decoded as RGB`);
        out.push({ type: 'Normalize', mean: step.mean as number[] | undefined, std: step.std as number[] | undefined });
        break;
      case 'Pad':
        out.push({ type: 'Pad', sizeDivisor: step.sizeDivisor as number | undefined, size: step.size as Pair | undefined });
        break;
      case 'RandomCrop':
        out.push({
          type: 'RandomCrop',
          cropType: step.cropType as 'absolute' | 'absolute_range',
          cropSize: step.cropSize as Pair,
          allowNegativeCrop: Boolean(step.allowNegativeCrop),
        });
        break;
      case 'AutoAugment':
        out.push({ type: 'AutoAugment', policies: (step.policies as TransformStep[][]).map((p, k) => detPipelineSpecs(p, `${at}.policies[${k}]`)) });
        break;
      default:
        throw new UserError(`${at}: unknown detection transform (known: Resize, RandomFlip, Normalize, Pad, RandomCrop, AutoAugment, MultiScaleFlipAug)`);
    }
  }
  return out;
}

/** A segmentation config pipeline as the datasets code's transform specs (same rules as detection). */
export function segPipelineSpecs(steps: readonly TransformStep[], where: string): SegTransformSpec[] {
  const out: SegTransformSpec[] = [];
  for (const [i, step] of steps.entries()) {
    const at = `${where}[${i}] ${step.type}`;
    if (IMPLICIT.has(step.type)) continue;
    switch (step.type) {
      case 'MultiScaleFlipAug': {
        const scale = pairs(step.imgScale, at)[0]!;
        for (const t of segPipelineSpecs((step.transforms ?? []) as TransformStep[], `${where}[${i}].transforms`)) {
          out.push(t.type === 'Resize' ? { ...t, imgScale: t.imgScale ?? scale } : t);
        }
        break;
      }
      case 'Resize':
        out.push({
          type: 'Resize',
          imgScale: (step.imgScale === undefined ? undefined : pairs(step.imgScale, at)[0]) as Pair,
          ...(step.ratioRange ? { ratioRange: step.ratioRange as Pair } : {}),
        });
        break;
      case 'RandomCrop':
        out.push({ type: 'RandomCrop', cropSize: step.cropSize as Pair, catMaxRatio: step.catMaxRatio as number | undefined, ignoreIndex: step.ignoreIndex as number | undefined });
        break;
      case 'RandomFlip':
        if (typeof step.prob === 'number' && step.prob > 0) out.push({ type: 'RandomFlip', prob: step.prob, direction: (step.direction as 'horizontal' | 'vertical' | undefined) ?? 'horizontal' });
        break;
      case 'PhotoMetricDistortion': {
        const { type: _t, ...rest } = step;
        out.push({ type: 'PhotoMetricDistortion', ...(rest as object) });
        break;
      }
      case 'Normalize':
        out.push({ type: 'Normalize', mean: step.mean as number[] | undefined, std: step.std as number[] | undefined });
        break;
      case 'Pad':
        out.push({ type: 'Pad', sizeDivisor: step.sizeDivisor as number | undefined, size: step.size as Pair | undefined, padVal: step.padVal as number | undefined, segPadVal: step.segPadVal as number | undefined });
        break;
      default:
        throw new UserError(`${at}: unknown segmentation transform (known: Resize, RandomCrop, RandomFlip, PhotoMetricDistortion, Normalize, Pad, MultiScaleFlipAug)`);
    }
  }
  return out;
}
