import * as tf from '@tensorflow/tfjs-core';
import { MilaBackbone } from '../../backbones/mila/index.js';
import type { BenchEntry } from '../entry.js';
import { randomImage } from './random-input.js';

/** The MILA-T detection backbone (all four outputs), batch 1, eval mode, on a size x size image. */
function milaForward(size: number): BenchEntry {
  return {
    name: `mila_t.forward.${size}`,
    torch: ['backbone', String(size)],
    async prepare() {
      const model = new MilaBackbone('mila_t').eval();
      const x = randomImage([1, size, size, 3]);
      return {
        run() {
          const outs = model.forward(x);
          outs[outs.length - 1]!.dataSync();
          tf.dispose(outs);
        },
        dispose() {
          x.dispose();
          tf.dispose(model.parameters());
        },
      };
    },
  };
}

export const MILA_FORWARD_ENTRIES: BenchEntry[] = [224, 512, 1024].map(milaForward);
