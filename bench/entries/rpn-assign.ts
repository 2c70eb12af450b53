import { type BenchEntry } from '../entry.js';
import { AnchorGenerator } from '../../heads/det/anchor-generator.js';
import { rpnImageTargets } from '../../heads/det/rpn-targets.js';
import { DeltaXYWHBBoxCoder } from '../../core/boxes/delta-xywh-coder.js';
import { MaxIoUAssigner } from '../../core/boxes/max-iou-assigner.js';
import { RandomSampler } from '../../core/boxes/random-sampler.js';
import { Rng } from '../../core/rng.js';

const [H, W] = [800, 1344];
const NUM_GTS = 20;

/**
 * RPN training targets of one 800x1333 image (padded to 1344): the ~268k anchors of the 5 FPN levels assigned
 * to 20 gt boxes (float32 IoU, MaxIoUAssigner with low-quality matches), 256 sampled, deltas encoded. Host-only.
 */
export const RPN_ASSIGN_ENTRY: BenchEntry = {
  name: 'rpn_targets.800x1333',
  async prepare() {
    const gen = new AnchorGenerator({ strides: [4, 8, 16, 32, 64], ratios: [0.5, 1, 2], scales: [8] });
    const sizes = gen.strides.map((s) => [Math.ceil(H / s), Math.ceil(W / s)] as const);
    const levels = gen.gridAnchors(sizes);
    const anchors = new Float32Array(levels.reduce((n, l) => n + l.length, 0));
    let off = 0;
    for (const l of levels) {
      anchors.set(l, off);
      off += l.length;
    }
    const flags = gen.validFlags(sizes, [H, W]);
    const validFlags = new Uint8Array(anchors.length / 4);
    off = 0;
    for (const f of flags) {
      validFlags.set(f, off);
      off += f.length;
    }
    const rng = new Rng(0);
    const gtBoxes = new Float32Array(NUM_GTS * 4);
    for (let i = 0; i < NUM_GTS; i++) {
      const x = rng.uniform(0, W - 200), y = rng.uniform(0, H - 200);
      gtBoxes.set([x, y, x + rng.uniform(16, 400), y + rng.uniform(16, 400)].map(Math.fround), 4 * i);
    }
    const settings = {
      assigner: new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true, ignoreIofThr: -1 }),
      sampler: new RandomSampler({ num: 256, posFraction: 0.5, addGtAsProposals: false }, new Rng(1)),
      coder: new DeltaXYWHBBoxCoder(),
      allowedBorder: -1,
      posWeight: -1,
    };
    return {
      run() {
        rpnImageTargets({ anchors, validFlags, gtBoxes, gtBoxesIgnore: null, imgShape: [H, W] }, settings);
      },
      dispose() {},
    };
  },
};
