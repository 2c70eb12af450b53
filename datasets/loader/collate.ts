import type { DetBatch, DetSample, HostImage, SegBatch, SegSample } from '../../core/types/data.js';

/** mmcv collate with padding: every image to the batch's largest height and width, zeros at bottom/right. */
export function collateDet(samples: DetSample[]): DetBatch {
  const { images, shape } = stackImages(samples.map((s) => s.img));
  return {
    images,
    shape,
    metas: samples.map((s) => s.meta),
    gtBoxes: samples.map((s) => s.gtBoxes),
    gtLabels: samples.map((s) => s.gtLabels),
    gtBoxesIgnore: samples.map((s) => s.gtBoxesIgnore),
    gtMasks: samples.map((s) => s.gtMasks),
  };
}

/** Images padded with 0, label maps with 255 (ignored), to the batch's largest size. */
export function collateSeg(samples: SegSample[]): SegBatch {
  const { images, shape } = stackImages(samples.map((s) => s.img));
  const [n, H, W] = shape;
  let labels: Uint8Array | null = null;
  if (samples.every((s) => s.gtSemanticSeg)) {
    labels = new Uint8Array(n * H * W).fill(255);
    samples.forEach((s, b) => {
      const { height: h, width: w } = s.img;
      for (let y = 0; y < h; y++) labels!.set(s.gtSemanticSeg!.subarray(y * w, (y + 1) * w), (b * H + y) * W);
    });
  }
  return { images, shape, metas: samples.map((s) => s.meta), labels };
}

function stackImages(imgs: HostImage[]): { images: Float32Array; shape: [number, number, number, number] } {
  if (imgs.length === 0) throw new Error('cannot collate an empty batch');
  const H = Math.max(...imgs.map((i) => i.height));
  const W = Math.max(...imgs.map((i) => i.width));
  const C = imgs[0]!.channels;
  const out = new Float32Array(imgs.length * H * W * C);
  imgs.forEach((im, b) => {
    if (im.channels !== C) throw new Error(`cannot collate images with ${C} and ${im.channels} channels`);
    const rowLen = im.width * C;
    for (let y = 0; y < im.height; y++) out.set(im.data.subarray(y * rowLen, (y + 1) * rowLen), ((b * H + y) * W) * C);
  });
  return { images: out, shape: [imgs.length, H, W, C] };
}
