import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';

/** nn.Sequential: children named 0, 1, 2, ... (parameter-free layers included, as in PyTorch). */
export class Sequential extends Module implements Layer {
  readonly layers: (Module & Layer)[];

  constructor(...layers: (Module & Layer)[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (const l of this.layers) y = l.forward(y);
      return y === x ? x.clone() : y;
    });
  }
}

/** nn.ModuleList: children named by index, no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];

  constructor(items: M[] = []) {
    super();
    for (const m of items) this.append(m);
  }

  append(m: M): M {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new Error(`ModuleList index ${i} out of range (${this.items.length})`);
    return m;
  }
}
