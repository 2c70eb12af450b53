import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Dropout, GELU, Linear } from '../../core/layers/index.js';
import { initLinearAsOfficial } from './init.js';

/** fc1 -> GELU (exact) -> dropout -> fc2 -> dropout, as the official Mlp. */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly act: GELU;
  readonly fc2: Linear;
  readonly drop: Dropout;

  constructor(inFeatures: number, hiddenFeatures: number, drop = 0) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(inFeatures, hiddenFeatures));
    this.act = this.registerModule('act', new GELU());
    this.fc2 = this.registerModule('fc2', new Linear(hiddenFeatures, inFeatures));
    this.drop = this.registerModule('drop', new Dropout(drop));
    initLinearAsOfficial(this.fc1);
    initLinearAsOfficial(this.fc2);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const hidden = this.drop.forward(this.act.forward(this.fc1.forward(x)));
      return this.drop.forward(this.fc2.forward(hidden));
    });
  }
}
