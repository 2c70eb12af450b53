import * as tf from '@tensorflow/tfjs-core';
import type { HostTensor, StateDict } from './host-tensor.js';
import { countNonFinite, toFloat32, toInt32 } from './host-tensor.js';
import { UserError } from './errors.js';
import { assertSameShape, fromTorchLayout, tfToTorchShape, toTorchLayout, type ParamLayout } from './layout.js';

interface ParamEntry {
  variable: tf.Variable;
  layout: ParamLayout;
}

interface BufferEntry {
  variable: tf.Variable; // non-trainable, so that assign() keeps the same handle across updates
  persistent: boolean;
}

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export interface LoadOptions {
  /** As PyTorch: when true, any missing or unexpected key is an error. */
  strict?: boolean;
  /** Where the state dict came from, named in error messages. */
  source?: string;
}

/**
 * The base of every layer and model: parameters (trainable `tf.Variable`s in tfjs layout, each tagged
 * with how it maps to PyTorch's layout), buffers, and child modules, all named as in PyTorch so that
 * `namedParameters()` yields `layers.0.blocks.1.attn.qk.weight` and official checkpoints load by name.
 */
export class Module {
  training = true;
  private readonly params = new Map<string, ParamEntry>();
  private readonly buffers = new Map<string, BufferEntry>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, data: Float32Array, shape: number[], layout: ParamLayout = 'same'): tf.Variable {
    const initial = tf.tensor(data, shape, 'float32');
    const v = tf.variable(initial, true);
    initial.dispose(); // tf.variable copies its initial value
    this.params.set(name, { variable: v, layout });
    return v;
  }

  protected registerBuffer(name: string, tensor: tf.Tensor, persistent = true): tf.Variable {
    const v = tf.variable(tensor, false);
    tensor.dispose();
    this.buffers.set(name, { variable: v, persistent });
    return v;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** Child modules in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children.entries()];
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  namedParameters(prefix = ''): [string, tf.Variable][] {
    return this.namedParameterEntries(prefix).map(([k, e]) => [k, e.variable]);
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  private namedParameterEntries(prefix = ''): [string, ParamEntry][] {
    const out: [string, ParamEntry][] = [];
    for (const [name, e] of this.params) out.push([prefix + name, e]);
    for (const [name, child] of this.children) out.push(...child.namedParameterEntries(`${prefix}${name}.`));
    return out;
  }

  namedBuffers(prefix = '', persistentOnly = false): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [name, e] of this.buffers) if (!persistentOnly || e.persistent) out.push([prefix + name, e.variable]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(`${prefix}${name}.`, persistentOnly));
    return out;
  }

  numParameters(): number {
    let n = 0;
    for (const [, v] of this.namedParameters()) n += v.size;
    return n;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and persistent buffers in PyTorch layout, as a checkpoint stores them. */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const [key, e] of this.namedParameterEntries()) {
      const { data, shape } = toTorchLayout(e.layout, e.variable.dataSync() as Float32Array, e.variable.shape);
      sd.set(key, { dtype: 'float32', shape, data: Float32Array.from(data) });
    }
    for (const [key, v] of this.namedBuffers('', true)) {
      const isInt = v.dtype === 'int32';
      const values = v.dataSync();
      sd.set(key, isInt ? { dtype: 'int64', shape: [...v.shape], data: BigInt64Array.from(Array.from(values, (x) => BigInt(x))) } : { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(values) });
    }
    return sd;
  }

  /**
   * Load a PyTorch-layout state dict by name. Returns missing and unexpected keys as PyTorch's
   * `load_state_dict(strict=False)` does; a shape mismatch is always an error naming the key and both shapes.
   */
  loadStateDict(sd: StateDict, opts: LoadOptions = {}): LoadResult {
    const where = opts.source ? `${opts.source}: ` : '';
    const own = new Map<string, { variable: tf.Variable; layout: ParamLayout }>();
    for (const [k, e] of this.namedParameterEntries()) own.set(k, e);
    for (const [k, v] of this.namedBuffers('', true)) own.set(k, { variable: v, layout: 'same' });

    const missingKeys = [...own.keys()].filter((k) => !sd.has(k));
    const unexpectedKeys = [...sd.keys()].filter((k) => !own.has(k));
    if (opts.strict && (missingKeys.length || unexpectedKeys.length)) {
      throw new Error(
        `${where}error(s) in loading state_dict: missing keys: ${missingKeys.join(', ') || 'none'}; unexpected keys: ${unexpectedKeys.join(', ') || 'none'}`,
      );
    }
    // Every shape is checked before any value is read: a lazily read view (a stride-0 tensor of a 1-element
    // storage, say) is materialised only once it is known to fit its parameter.
    const matched: [string, HostTensor, { variable: tf.Variable; layout: ParamLayout }][] = [];
    for (const [key, target] of own) {
      const src = sd.get(key);
      if (!src) continue;
      const expected = tfToTorchShape(target.layout, target.variable.shape);
      try {
        assertSameShape(key, expected, src.shape);
      } catch (err) {
        throw new Error(where + (err as Error).message);
      }
      matched.push([key, src, target]);
    }
    const updates: [tf.Variable, tf.Tensor][] = [];
    try {
      for (const [key, src, target] of matched) updates.push([target.variable, hostToVariableValue(key, src, target, where)]);
    } catch (err) {
      for (const [, t] of updates) t.dispose();
      throw err;
    }
    // Assign only once every key has been checked, so a failed load leaves the model untouched.
    for (const [v, t] of updates) {
      v.assign(t);
      t.dispose();
    }
    return { missingKeys, unexpectedKeys };
  }

  dispose(): void {
    for (const [, e] of this.params) e.variable.dispose();
    for (const [, e] of this.buffers) e.variable.dispose();
    for (const [, c] of this.children) c.dispose();
  }
}

function hostToVariableValue(key: string, src: HostTensor, target: { variable: tf.Variable; layout: ParamLayout }, where: string): tf.Tensor {
  if (target.variable.dtype === 'int32') return tf.tensor(toInt32(src), target.variable.shape, 'int32');
  const { data, shape } = target.layout === 'same' ? { data: toFloat32(src), shape: target.variable.shape } : fromTorchLayout(target.layout, src, target.variable.shape);
  // PyTorch loads NaN weights without a word and the model then outputs NaN (no detections, an empty mask);
  // a diverged training's weights are refused by name instead (float64 values beyond float32 count too).
  const bad = countNonFinite(data);
  if (bad) throw new UserError(`${where}${key}: ${bad} of ${data.length} values are NaN or infinite (weights of a diverged training?); refusing to load them`);
  return tf.tensor(data, shape, 'float32');
}

/** A module with a single-tensor forward pass, so it can sit in a `Sequential`. */
export interface Layer {
  forward(x: tf.Tensor): tf.Tensor;
}
