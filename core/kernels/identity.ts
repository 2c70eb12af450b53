import type * as tf from '@tensorflow/tfjs-core';

/**
 * Identity for wasm that shares the input's memory (a reference count, as reshape does and as the cpu
 * backend's Identity does) instead of copying it.
 *
 * tfjs clones every tensor it saves for the backward pass through Identity, and wasm's Identity copies:
 * in a MILA-T training step at 512² that was ~2,400 copies, 7% of the step's time and as many extra
 * buffers alive until the backward. Sharing is safe because no kernel writes into its inputs.
 */
export const identityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as unknown as { incRef(dataId: unknown): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};
