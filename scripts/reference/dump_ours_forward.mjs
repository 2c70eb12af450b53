// Our side of compare_forward.py: build a preset with mila-dense (the compiled dist/), load weights (e.g. the
// model.pth `mila export` wrote), run one forward pass on a seeded input and write the input and the outputs, in
// PyTorch layout, to a .safetensors file. Documentation of how the export was verified; tests never run it.
//
// usage: node scripts/reference/dump_ours_forward.mjs <config> <weights> <out.safetensors> [HxW]
//   detection:    input, backbone.{0..3}, neck.{0..4}, rpn_cls.{i}, rpn_reg.{i}, and on 32 fixed RoIs (rois, [idx, x1, y1,
//                 x2, y2]): bbox_cls, bbox_reg, mask_pred
//   segmentation: input, backbone.{0..3}, logits (decode head resized to the input, as encode_decode)
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../dist/core/backend.js';
import { loadExperiment } from '../../dist/train/experiment.js';
import { createTask } from '../../dist/tasks/create-task.js';
import { loadModelWeights } from '../../dist/train/model-weights.js';
import { writeSafetensors } from '../../dist/core/checkpoint/safetensors-file.js';
import { toTorchHost } from '../../dist/core/checkpoint/nchw-io.js';
import { Rng } from '../../dist/core/rng.js';
import { bbox2roi } from '../../dist/heads/det/roi/standard-roi-head.js';

const [configArg, weights, out, size = '512x640'] = process.argv.slice(2);
const [h, w] = size.split('x').map(Number);
await initBackend(process.env.MILA_BACKEND ?? 'wasm', { quiet: true });
const cfg = loadExperiment(configArg);
const task = await createTask(cfg);
const model = task.model;
const report = loadModelWeights(model, weights);
if (report) throw new Error(report);
model.eval();

// A normalised image stand-in: uniform in [-2, 2), seeded.
const rng = new Rng(1234);
const data = Float32Array.from({ length: h * w * 3 }, () => rng.next() * 4 - 2);
const img = tf.tensor4d(data, [1, h, w, 3]);
const sd = new Map([['input', toTorchHost(img)]]);
const put = (name, t) => sd.set(name, toTorchHost(t));

const t0 = performance.now();
const feats = model.backbone.forward(img);
feats.forEach((f, i) => put(`backbone.${i}`, f));
if (cfg.task === 'detection') {
  const fpn = model.neck.forward(feats);
  fpn.forEach((f, i) => put(`neck.${i}`, f));
  const rpn = model.rpnHead.forward(fpn);
  rpn.clsScores.forEach((t, i) => put(`rpn_cls.${i}`, t));
  rpn.bboxPreds.forEach((t, i) => put(`rpn_reg.${i}`, t));
  // 32 RoIs of varied sizes over the image (all FPN levels get some).
  const boxes = new Float32Array(32 * 4);
  for (let i = 0; i < 32; i++) {
    const bw = 8 + rng.next() * (w / 2);
    const bh = 8 + rng.next() * (h / 2);
    const x = rng.next() * (w - bw);
    const y = rng.next() * (h - bh);
    boxes.set([x, y, x + bw, y + bh], i * 4);
  }
  const rois = bbox2roi([boxes]);
  sd.set('rois', { dtype: 'float32', shape: [32, 5], data: rois });
  const rh = model.roiHead;
  const { clsScore, bboxPred } = rh.bboxHead.forward(rh.bboxRoiExtractor.forward(fpn, rois));
  put('bbox_cls', clsScore);
  put('bbox_reg', bboxPred);
  put('mask_pred', rh.maskHead.forward(rh.maskRoiExtractor.forward(fpn, rois)));
} else {
  put('logits', model.encodeDecode(img));
}
console.log(`${cfg.name}: forward on ${h}x${w} in ${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${sd.size} tensors to ${out}`);
writeSafetensors(out, sd);
