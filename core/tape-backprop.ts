import * as tf from '@tensorflow/tfjs-core';

/** A node of tfjs' gradient tape (tfjs-core/dist/tape.d.ts; not exported from the package). */
export interface TapeNode {
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/**
 * Run `f` recording a tape of its own. A gradient function runs at gradient depth 0 with the outer backward
 * pass's tape still installed; tfjs' `engine.gradients()` would replace that tape and leave it null (tfjs-core
 * 4.22), so we set up and take down the recording ourselves and put the outer tape back.
 */
export function recordTape<R extends tf.Tensor>(f: () => R): { y: R; tape: TapeNode[] } {
  const state = tf.engine().state as unknown as { activeTape: TapeNode[] | null; gradientDepth: number };
  const outerTape = state.activeTape;
  const tape: TapeNode[] = [];
  state.activeTape = tape;
  state.gradientDepth++;
  try {
    return { y: tf.tidy(f), tape };
  } catch (e) {
    // What the nodes saved for a backward pass that will not run.
    for (const node of tape) for (const s of node.saved ?? []) s.dispose();
    throw e;
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
export function backpropFreeingAsItGoes(tape: TapeNode[], y: tf.Tensor, dy: tf.Tensor, wrt: tf.Tensor[]): (tf.Tensor | null)[] {
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

/**
 * `tf.variableGrads(f, variables)` with the backward pass of `backpropFreeingAsItGoes`: each saved activation is
 * freed as soon as its node's gradient is taken and each intermediate gradient once it has been passed on, where
 * tfjs keeps all of them until the whole backward pass ends (for a training step: the saved activations plus
 * every intermediate gradient at once, about twice what the step needs). Same values and gradients.
 * Returns the gradients of the trainable variables that received one, keyed by variable name.
 */
export function variableGradsFreeing(f: () => tf.Scalar, variables: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const trainable = variables.filter((v) => v.trainable);
  if (trainable.length === 0) throw new Error('variableGradsFreeing: none of the variables is trainable');
  const { y, tape } = recordTape(f);
  try {
    if (y.rank !== 0) throw new Error(`variableGradsFreeing: f must return a scalar, got rank ${y.rank}`);
    const dy = tf.onesLike(y);
    let grads: (tf.Tensor | null)[];
    try {
      grads = backpropFreeingAsItGoes(tape, y, dy, trainable);
    } finally {
      dy.dispose();
    }
    if (grads.every((g) => g === null)) throw new Error('variableGradsFreeing: no variable is connected to the result of f');
    const named: tf.NamedTensorMap = {};
    trainable.forEach((v, i) => {
      if (grads[i]) named[v.name] = grads[i]!;
    });
    return { value: y, grads: named };
  } catch (e) {
    y.dispose();
    for (const node of tape) for (const s of node.saved ?? []) s.dispose();
    throw e;
  }
}
