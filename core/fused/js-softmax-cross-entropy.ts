/** The JS version of native/src/softmax-cross-entropy.cc (same formulas, row by row). */
import { fastExp } from './fast-exp.js';

function counted(label: number, classes: number, ignoreIndex: number): boolean {
  return label !== ignoreIndex && label >= 0 && label < classes;
}

/** max and log(sum exp(x - max)) of the row of `classes` values at `start`. */
function rowLse(x: Float32Array, start: number, classes: number): { max: number; logSum: number } {
  let m = x[start]!;
  for (let j = 1; j < classes; j++) m = Math.max(m, x[start + j]!);
  let s = 0;
  for (let j = 0; j < classes; j++) s += fastExp(x[start + j]! - m);
  return { max: m, logSum: Math.log(s) };
}

export function softmaxCrossEntropyForward(logits: Float32Array, labels: Int32Array, nll: Float32Array, classes: number, ignoreIndex: number): void {
  for (let r = 0; r < labels.length; r++) {
    const l = labels[r]!;
    if (!counted(l, classes, ignoreIndex)) {
      nll[r] = 0;
      continue;
    }
    const { max, logSum } = rowLse(logits, r * classes, classes);
    nll[r] = logSum - (logits[r * classes + l]! - max);
  }
}

export function softmaxCrossEntropyBackward(logits: Float32Array, labels: Int32Array, dNll: Float32Array, dLogits: Float32Array, classes: number, ignoreIndex: number): void {
  for (let r = 0; r < labels.length; r++) {
    const l = labels[r]!;
    const start = r * classes;
    if (!counted(l, classes, ignoreIndex)) {
      dLogits.fill(0, start, start + classes);
      continue;
    }
    const { max, logSum } = rowLse(logits, start, classes);
    const shift = max + logSum;
    const g = dNll[r]!;
    for (let j = 0; j < classes; j++) dLogits[start + j] = g * fastExp(logits[start + j]! - shift);
    dLogits[start + l] = dLogits[start + l]! - g;
  }
}
