/**
 * The official MLLA checkpoints (LeapLabTHU/MLLA, commit 66b6d297e5c9): the links and numbers of the top-level
 * README (ImageNet-1K classifiers), downstream/detection/README.md (Mask R-CNN) and
 * downstream/segmentation/README.md (UperNet). Each downstream entry is named after the preset it loads into
 * (`mila configs`), so `loadDetector(name, 'zoo:' + name)` works; the classifiers load into `MilaClassifier`
 * and, as `--backbone-weights`, into any MILA backbone of the same size.
 */
export interface ZooEntry {
  name: string;
  task: 'classification' | 'detection' | 'segmentation';
  /** The preset the checkpoint fits: a config (`mila configs`), or a MILA backbone preset for the classifiers. */
  preset: string;
  /** The official model and config as the MLLA README names them. */
  official: string;
  /** The paper's numbers, as printed in the README tables. */
  metrics: Readonly<Record<string, number>>;
  url: string;
}

const REPO = 'https://github.com/LeapLabTHU/MLLA';
const tsinghua = (id: string) => `https://cloud.tsinghua.edu.cn/f/${id}/?dl=1`;

export const ZOO_SOURCES = {
  classification: `${REPO}/blob/main/README.md`,
  detection: `${REPO}/blob/main/downstream/detection/README.md`,
  segmentation: `${REPO}/blob/main/downstream/segmentation/README.md`,
} as const;

const classifier = (size: 't' | 's' | 'b', top1: number, id: string): ZooEntry => ({
  name: `mila_${size}_in1k`,
  task: 'classification',
  preset: `mila_${size}`,
  official: `MLLA-${size.toUpperCase()} ImageNet-1K 224 (cfgs/mlla_${size}.yaml)`,
  metrics: { top1 },
  url: tsinghua(id),
});

const maskRcnn = (size: 't' | 's' | 'b', schedule: '1x' | '3x', boxAP: number, maskAP: number, id: string): ZooEntry => ({
  name: `mask_rcnn_mila_${size}_fpn_${schedule}_coco`,
  task: 'detection',
  preset: `mask_rcnn_mila_${size}_fpn_${schedule}_coco`,
  official: `Mask R-CNN MLLA-${size.toUpperCase()} ${schedule} (configs/mlla/mlla_${size}_mrcnn_${schedule}.py)`,
  metrics: { boxAP, maskAP },
  url: tsinghua(id),
});

export const ZOO: readonly ZooEntry[] = [
  classifier('t', 83.5, '7a19712877cb4242889c'),
  classifier('s', 84.4, '0e5d0b1409d540aaa80c'),
  classifier('b', 85.3, '91c85c5a1061496d8796'),
  maskRcnn('t', '1x', 46.8, 42.1, 'ce362e868fb5491ca55c'),
  maskRcnn('t', '3x', 48.8, 43.8, '339d49127565432fb912'),
  maskRcnn('s', '1x', 49.2, 44.2, '3d29bec850e0441a8842'),
  maskRcnn('s', '3x', 50.5, 44.9, 'b501c886982e4c7f926d'),
  maskRcnn('b', '1x', 50.5, 45.0, '826278b01bed4df2bbc1'),
  {
    name: 'upernet_mila_b_512x512_160k_ade20k',
    task: 'segmentation',
    preset: 'upernet_mila_b_512x512_160k_ade20k',
    official: 'UperNet MLLA-B 160k (configs/mlla/mlla_b_upernet.py)',
    metrics: { mIoU: 51.9, mIoU_ms: 52.5 },
    url: tsinghua('41760d4a531a4ffc9cbf'),
  },
];

/** The paper's numbers in words: `top-1 83.5`, `box AP 46.8, mask AP 42.1`, `mIoU 51.9 (SS) / 52.5 (MS)`. */
export function describeMetrics(e: ZooEntry): string {
  const m = e.metrics;
  if (e.task === 'classification') return `top-1 ${m.top1!.toFixed(1)}`;
  if (e.task === 'detection') return `box AP ${m.boxAP!.toFixed(1)}, mask AP ${m.maskAP!.toFixed(1)}`;
  return `mIoU ${m.mIoU!.toFixed(1)} (SS) / ${m.mIoU_ms!.toFixed(1)} (MS)`;
}
