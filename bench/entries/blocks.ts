import * as tf from '@tensorflow/tfjs-core';
import { MllaBlock } from '../../backbones/mila/block.js';
import { SoftmaxAttentionBlock } from '../softmax-attention-block.js';
import type { BenchEntry } from '../entry.js';
import { randomImage } from './random-input.js';

/** Width and heads of MILA-T's first stage, where maps are largest. */
const WIDTH = 64;
const HEADS = 2;

function blockEntry(kind: 'mila' | 'softmax', side: number): BenchEntry {
  return {
    name: `block.${kind}.${side}`,
    torch: ['block_' + kind, String(side)],
    async prepare() {
      const block = kind === 'mila'
        ? new MllaBlock({ dim: WIDTH, numHeads: HEADS, ropeResolution: [side, side], mlpRatio: 4, qkvBias: true, drop: 0, dropPath: 0 })
        : new SoftmaxAttentionBlock(WIDTH, HEADS);
      block.eval();
      const x = randomImage([1, side, side, WIDTH]);
      return {
        run() {
          const y = block.forward(x);
          y.dataSync();
          y.dispose();
        },
        dispose() {
          x.dispose();
        },
      };
    },
  };
}

export const BLOCK_ENTRIES: BenchEntry[] = [
  ...[56, 128, 256].map((s) => blockEntry('mila', s)),
  ...[56, 128].map((s) => blockEntry('softmax', s)),
];
