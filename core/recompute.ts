import * as tf from '@tensorflow/tfjs-core';
import { recordMaskSeeds, replayMaskSeeds } from './layers/dropout.js';
import type { Module } from './module.js';

/** A node of tfjs' gradient tape (tfjs-core/dist/tape.d.ts; not exported from the package). */
interface TapeNode {
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

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

/**
 * Run `f` recording a tape of its own. A gradient function runs at gradient depth 0 with the outer backward
 * pass's tape still installed; tfjs' `engine.gradients()` would replace that tape and leave it null (tfjs-core
 * 4.22), so we set up and take down the recording ourselves and put the outer tape back.
 */
function recordTape<R extends tf.Tensor>(f: () => R): { y: R; tape: TapeNode[] } {
  const state = tf.engine().state as unknown as { activeTape: TapeNode[] | null; gradientDepth: number };
  const outerTape = state.activeTape;
  const tape: TapeNode[] = [];
  state.activeTape = tape;
  state.gradientDepth++;
  try {
    return { y: tf.tidy(f), tape };
  } finally {
    state.gradientDepth--;
    state.activeTape = outerTape;
  }
}

/**
 * Back-propagate `dy` from `y` through `tape` to `wrt`, as tfjs' engine does, except that memory is released as
 * soon as it is dead: a tensor's gradient once its producing node has run (the tape is walked in reverse
 * execution order, so every consumer came before), and a node's saved tensors once its gradient is taken.
 * tfjs keeps both until the whole backward pass ends, which made the recomputed region's backward the peak.
 */
function backpropFreeingAsItGoes(tape: TapeNode[], y: tf.Tensor, dy: tf.Tensor, wrt: tf.Tensor[]): (tf.Tensor | null)[] {
  // As tfjs' tape filter: only tensors computed from `wrt` get gradients (none for RoPE tables or masks).
  const fromWrt = new Set(wrt.map((t) => t.id));
  for (const node of tape) if (Object.values(node.inputs).some((t) => fromWrt.has(t.id))) for (const o of node.outputs) fromWrt.add(o.id);
  const wanted = new Set(wrt.map((t) => t.id));

  // Each entry owns its tensor object (a gradient function may hand back its dy, or one dx for two inputs).
  const grads = new Map<number, tf.Tensor>([[y.id, tf.clone(dy)]]);
  const owned = new Set<tf.Tensor>(grads.values());
  const take = (t: tf.Tensor) => (owned.has(t) ? tf.clone(t) : t);
  const release = (id: number) => {
    const g = grads.get(id);
    if (!g) return;
    grads.delete(id);
    owned.delete(g);
    g.dispose();
  };

  try {
    for (let i = tape.length - 1; i >= 0; i--) {
      const node = tape[i]!;
      const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
      const targets = Object.entries(node.inputs).filter(([, x]) => fromWrt.has(x.id));
      if (targets.length > 0 && dys.some((d) => d !== null)) {
        if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const gradient = node.gradient;
        // tfjs' node.gradient fills missing dys with zeros; this tidy frees those and the gradient's temporaries.
        const dxs = tf.tidy(() => {
          const fns = gradient(dys as tf.Tensor[]);
          return targets.map(([name]) => {
            const f = fns[name];
            if (!f) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}. Available gradients found: ${Object.keys(fns)}.`);
            return f();
          });
        });
        targets.forEach(([name, x], k) => {
          const dx = take(dxs[k]!);
          if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
          if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`Error in gradient for op ${node.kernelName}: the gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
          const prev = grads.get(x.id);
          if (prev) {
            const sum = tf.add(prev, dx);
            release(x.id);
            dx.dispose();
            grads.set(x.id, sum);
            owned.add(sum);
          } else {
            grads.set(x.id, dx);
            owned.add(dx);
          }
        });
      }
      for (const o of node.outputs) if (!wanted.has(o.id)) release(o.id);
      for (const s of node.saved ?? []) s.dispose();
      node.saved = [];
    }
    return wrt.map((x) => {
      const g = grads.get(x.id) ?? null;
      if (g) {
        grads.delete(x.id);
        owned.delete(g);
      }
      return g;
    });
  } finally {
    for (const id of [...grads.keys()]) release(id);
    for (const node of tape) for (const s of node.saved ?? []) s.dispose();
  }
}
