import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels whose tfjs-core gradient reads only the shape (and dtype) of the inputs it saves: Add and Sub reduce
 * dy over broadcast axes, Reshape/ExpandDims reshape dy back, Sum/Mean broadcast it, Slice pads it, Concat/Pack
 * split it, Tile slices it, AddN passes it on (tfjs-core 4.22 gradients/*_grad.js). tfjs saves those inputs
 * whole, which keeps every residual sum, conv-plus-bias output and reshaped map of a training step alive until
 * the backward pass: about half of what a step holds (Mask R-CNN-T at 416x672, batch 2: 1.7 of 4.2 GB).
 */
const SHAPE_ONLY_SAVES: ReadonlySet<string> = new Set(['Add', 'Sub', 'Reshape', 'ExpandDims', 'Sum', 'Mean', 'Slice', 'Concat', 'Pack', 'Tile', 'AddN']);

type TensorsForGradient = (kernelName: string, inputs: tf.NamedTensorMap | tf.Tensor[], outputs: tf.Tensor[]) => tf.Tensor[];
interface EngineInternals {
  getTensorsForGradient: TensorsForGradient;
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: tf.KernelBackend): tf.Tensor;
  backend: tf.KernelBackend;
}

let installed = false;

/**
 * A tensor with `t`'s shape and dtype over one element of its own: what a shape-only gradient reads. It is
 * tracked like any tensor (the tape's clone of it is disposed after the backward pass).
 */
function shapeStub(engine: EngineInternals, t: tf.Tensor): tf.Tensor {
  const values = t.dtype === 'float32' ? new Float32Array(1) : t.dtype === 'int32' ? new Int32Array(1) : new Uint8Array(1);
  const dataId = engine.backend.write(values, [1], t.dtype);
  return engine.makeTensorFromTensorInfo({ dataId, shape: [...t.shape], dtype: t.dtype });
}

/**
 * Make the gradient tape save one-element stand-ins instead of the inputs of the kernels above, and take ReLU's
 * derivative from its output (which the next layer saves anyway) instead of its input: `dy · step(y)` equals
 * `dy · step(x)` since relu(x) > 0 exactly when x > 0. Gradients are unchanged, bit for bit; a training step keeps
 * far fewer activations. Idempotent; call after the tfjs gradients are registered.
 */
export function installLeanGradientSaves(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const original = engine.getTensorsForGradient.bind(engine);
  engine.getTensorsForGradient = (kernelName, inputs, outputs) => {
    const saved = original(kernelName, inputs, outputs);
    if (!SHAPE_ONLY_SAVES.has(kernelName)) return saved;
    return saved.map((t) => (t.dtype === 'string' || t.dtype === 'complex64' ? t : shapeStub(engine, t)));
  };
  tf.registerGradient({
    kernelName: 'Relu',
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, tf.cast(tf.step(saved[0]!), 'float32')) }),
  });
}
