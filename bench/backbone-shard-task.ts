import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend.js';
import { MilaBackbone } from '../backbones/mila/index.js';

/** A shard task (core/workers) for the worker-throughput benchmark: MILA-T forward of one image per item. */
export interface BackboneShardSetup {
  backend: string;
  size: number;
}

export async function createShardHandler(setup: BackboneShardSetup): Promise<(image: Float32Array) => number> {
  await initBackend(setup.backend, { quiet: true });
  const model = new MilaBackbone('mila_t').eval();
  return (image) => {
    const outs = model.forward(tf.tensor4d(image, [1, setup.size, setup.size, 3]));
    const last = outs[outs.length - 1]!.dataSync()[0]!;
    tf.dispose(outs);
    return last;
  };
}
