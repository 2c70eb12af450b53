/**
 * Pipelines as plain data (the shape of mmdet/mmseg config dicts), so a config can name them and a
 * worker thread can rebuild the same pipeline from a message.
 */
export type DetTransformSpec =
  | { type: 'Resize'; imgScale: [number, number][]; multiscaleMode?: 'value' | 'range'; keepRatio?: boolean; override?: boolean }
  | { type: 'RandomFlip'; flipRatio: number; direction?: 'horizontal' | 'vertical' }
  | { type: 'Normalize'; mean?: number[]; std?: number[] }
  | { type: 'Pad'; sizeDivisor?: number; size?: [number, number] }
  | { type: 'RandomCrop'; cropType: 'absolute' | 'absolute_range'; cropSize: [number, number]; allowNegativeCrop: boolean }
  | { type: 'AutoAugment'; policies: DetTransformSpec[][] };

export type SegTransformSpec =
  | { type: 'Resize'; imgScale: [number, number]; ratioRange?: [number, number] }
  | { type: 'RandomCrop'; cropSize: [number, number]; catMaxRatio?: number; ignoreIndex?: number }
  | { type: 'RandomFlip'; prob: number; direction?: 'horizontal' | 'vertical' }
  | { type: 'PhotoMetricDistortion'; brightnessDelta?: number; contrastRange?: [number, number]; saturationRange?: [number, number]; hueDelta?: number }
  | { type: 'Normalize'; mean?: number[]; std?: number[] }
  | { type: 'Pad'; sizeDivisor?: number; size?: [number, number]; padVal?: number; segPadVal?: number };

const MULTI_SCALE_800: [number, number][] = [480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800].map((s) => [s, 1333] as [number, number]);

/** mmdet configs/_base_/datasets/coco_instance.py train_pipeline (1x schedule). */
export const DET_TRAIN_1X: DetTransformSpec[] = [
  { type: 'Resize', imgScale: [[1333, 800]], keepRatio: true },
  { type: 'RandomFlip', flipRatio: 0.5 },
  { type: 'Normalize' },
  { type: 'Pad', sizeDivisor: 32 },
];

/**
 * MLLA downstream/detection/configs/mlla/mlla_*_mrcnn_{1x,3x}.py train_pipeline (DETR-style multi-scale + crop;
 * the official 1x configs use it too, only the schedule differs).
 */
export const DET_TRAIN_MLLA_3X: DetTransformSpec[] = [
  { type: 'RandomFlip', flipRatio: 0.5 },
  {
    type: 'AutoAugment',
    policies: [
      [{ type: 'Resize', imgScale: MULTI_SCALE_800, multiscaleMode: 'value', keepRatio: true }],
      [
        { type: 'Resize', imgScale: [[400, 1333], [500, 1333], [600, 1333]], multiscaleMode: 'value', keepRatio: true },
        { type: 'RandomCrop', cropType: 'absolute_range', cropSize: [384, 600], allowNegativeCrop: true },
        { type: 'Resize', imgScale: MULTI_SCALE_800, multiscaleMode: 'value', override: true, keepRatio: true },
      ],
    ],
  },
  { type: 'Normalize' },
  { type: 'Pad', sizeDivisor: 32 },
];

/** The MLLA detection training pipeline, whatever the schedule. */
export const DET_TRAIN_MLLA: DetTransformSpec[] = DET_TRAIN_MLLA_3X;

/** mmdet test pipeline: MultiScaleFlipAug((1333, 800), flip=False) with Resize keep_ratio, Normalize, Pad 32. */
export const DET_TEST: DetTransformSpec[] = [
  { type: 'Resize', imgScale: [[1333, 800]], keepRatio: true },
  { type: 'Normalize' },
  { type: 'Pad', sizeDivisor: 32 },
];

/** mmseg configs/_base_/datasets/ade20k.py train_pipeline (crop 512x512). */
export const SEG_TRAIN_ADE20K: SegTransformSpec[] = [
  { type: 'Resize', imgScale: [2048, 512], ratioRange: [0.5, 2.0] },
  { type: 'RandomCrop', cropSize: [512, 512], catMaxRatio: 0.75 },
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'PhotoMetricDistortion' },
  { type: 'Normalize' },
  { type: 'Pad', size: [512, 512], padVal: 0, segPadVal: 255 },
];

/** mmseg ade20k.py test_pipeline: MultiScaleFlipAug((2048, 512), flip=False), Resize keep_ratio, Normalize. */
export const SEG_TEST_ADE20K: SegTransformSpec[] = [{ type: 'Resize', imgScale: [2048, 512] }, { type: 'Normalize' }];

/** A smaller-scale version of a detection pipeline for small synthetic images: every scale multiplied by `f`. */
export function scaleDetPipeline(specs: DetTransformSpec[], f: number): DetTransformSpec[] {
  const sc = (s: [number, number]): [number, number] => [Math.round(s[0] * f), Math.round(s[1] * f)];
  return specs.map((t): DetTransformSpec => {
    switch (t.type) {
      case 'Resize':
        return { ...t, imgScale: t.imgScale.map(sc) };
      case 'RandomCrop':
        return { ...t, cropSize: sc(t.cropSize) };
      case 'AutoAugment':
        return { ...t, policies: t.policies.map((p) => scaleDetPipeline(p, f)) };
      default:
        return t;
    }
  });
}
