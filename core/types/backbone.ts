import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../module.js';

/** What a head needs to know about one backbone output (detectron2's ShapeSpec). */
export interface ShapeSpec {
  /** Channels of the feature map. */
  channels: number;
  /** Downsampling factor relative to the input image. */
  stride: number;
}

/**
 * The backbone contract: an NHWC float32 batch of any height and width in, one feature map per
 * requested stage out (NHWC), with `outShapes` declaring each output's channels and stride. Heads are
 * built from `outShapes` alone, so any Module implementing this plugs into them.
 */
export interface Backbone extends Module {
  readonly outShapes: readonly ShapeSpec[];
  forward(x: tf.Tensor4D): tf.Tensor4D[];
}

/**
 * The neck contract: the backbone's maps in, maps out, and the output shapes for given input shapes
 * (detectron2's `output_shape()`), so that the heads after it are built from shapes too.
 */
export interface Neck extends Module {
  outShapes(inShapes: readonly ShapeSpec[]): ShapeSpec[];
  forward(inputs: readonly tf.Tensor4D[]): tf.Tensor4D[];
}
