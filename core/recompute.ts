import * as tf from '@tensorflow/tfjs-core';
import { recordMaskSeeds, replayMaskSeeds } from './layers/dropout.js';
import type { Module } from './module.js';
import { backpropFreeingAsItGoes, recordTape } from './tape-backprop.js';


/**
 * Gradient checkpointing, as torch.utils.checkpoint (mmdet/mmseg `with_cp`, MLLA `use_checkpoint`):
 * `fn(...inputs)` runs without recording its intermediates on the gradient tape; only its inputs are kept.
 * The backward pass runs `fn` again under a tape of its own and back-propagates through that recomputation,
 * so the intermediates of one checkpointed region live at a time, for one forward more of compute.
 *
 * - `variables`: every variable `fn` reads whose gradient may be wanted (a module's `parameters()`). They are
 *   passed to the op as extra inputs so that tfjs' tape routes their gradients; non-trainable ones are skipped.
 * - `inputs` must be float32 (they receive gradients).
 * - Dropout/DropPath inside `fn` see the same masks in the recomputation as in the forward (their seeds are
 *   recorded and replayed, core/layers/dropout.ts). Any other randomness in `fn` would break that rule.
 * - `buffers`: state `fn` updates as it runs (BatchNorm running statistics). Their values after the forward are
 *   put back after the recomputation, so each forward updates them once, as without checkpointing.
 * - When no gradient is being recorded (inference, or inside another op's forward) this is exactly `fn(...inputs)`.
 * - First-order gradients only (the recomputation runs inside a gradient function).
 */
export function recomputeInBackward<T extends tf.Tensor>(
  fn: (...xs: tf.Tensor[]) => T,
  inputs: tf.Tensor[],
  variables: readonly tf.Variable[],
  buffers: readonly tf.Variable[] = [],
): T {
  if (!tf.engine().isTapeOn()) return fn(...inputs);
  for (const x of inputs) if (x.dtype !== 'float32') throw new Error(`recomputeInBackward: inputs must be float32 (got ${x.dtype})`);
  const trainable = variables.filter((v) => v.trainable);
  const nInputs = inputs.length;

  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xs = args.slice(0, nInputs) as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    // Runs as a kernel (tape off): intermediates are freed when it returns.
    const { result, log } = recordMaskSeeds(() => fn(...xs));
    save(xs); // clones sharing storage: they outlive the caller's tidy until the backward pass disposes them
    const gradFunc = (dy: T, saved: tf.Tensor[]): tf.Tensor[] => {
      const afterForward = buffers.map((b) => tf.clone(b));
      try {
        const wrt = [...saved, ...trainable];
        const { y, tape } = recordTape(() => replayMaskSeeds(log, () => fn(...saved)));
        const grads = backpropFreeingAsItGoes(tape, y, dy, wrt);
        y.dispose();
        return grads.map((g, i) => g ?? tf.zerosLike(wrt[i]!));
      } finally {
        buffers.forEach((b, i) => b.assign(afterForward[i]!));
        tf.dispose(afterForward);
      }
    };
    return { value: result, gradFunc };
  });
  return op(...inputs, ...trainable) as T;
}

/** `module.forward(x)` as one checkpointed region: its parameters get gradients, its buffers are updated once. */
export function recomputeModuleInBackward<T extends tf.Tensor>(module: Module & { forward(x: T): T }, x: T): T {
  return recomputeInBackward((t) => module.forward(t as T), [x], module.parameters(), module.namedBuffers().map(([, b]) => b));
}
