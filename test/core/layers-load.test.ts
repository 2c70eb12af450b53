import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { Conv2d, Linear } from '../../core/layers/index.js';
import type { StateDict } from '../../core/host-tensor.js';

const f32 = (shape: number[], data: number[]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(data) });

describe('loading PyTorch weights into Linear and Conv2d (hand-computed outputs)', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  it('Linear: y = x W^T + b with W in torch [out, in] layout', () => {
    const l = new Linear(3, 2);
    const sd: StateDict = new Map([['weight', f32([2, 3], [1, 2, 3, 4, 5, 6])], ['bias', f32([2], [0.5, -1])]]);
    expect(l.loadStateDict(sd, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const y = l.forward(tf.tensor2d([[1, 0, -1], [2, 1, 0]]));
    // [1-3+0.5, 4-6-1] and [2+2+0.5, 8+5-1]
    expect([...y.dataSync()]).toEqual([-1.5, -3, 4.5, 12]);
    // Exported back in torch layout, unchanged.
    expect([...l.stateDict().get('weight')!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    l.dispose();
  });

  it('Conv2d 3x3 padding 1: a kernel reading the right-hand neighbour (catches flips and transposes)', () => {
    const c = new Conv2d(1, 1, 3, { padding: 1 });
    const w = [0, 0, 0, 0, 0, 1, 0, 0, 0]; // torch w[0][0][1][2]: row 1 (centre), column 2 (right)
    c.loadStateDict(new Map([['weight', f32([1, 1, 3, 3], w)], ['bias', f32([1], [0.5])]]), { strict: true });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = c.forward(x);
    // out[i][j] = x[i][j+1] (0 beyond the right edge) + 0.5
    expect([...y.dataSync()]).toEqual([2.5, 3.5, 0.5, 5.5, 6.5, 0.5, 8.5, 9.5, 0.5]);
    tf.dispose([x, y]);
    c.dispose();
  });

  it('Conv2d 1x1 mixing channels: out[o] = sum_i W[o][i] x[i] + b[o]', () => {
    const c = new Conv2d(2, 3, 1);
    c.loadStateDict(new Map([['weight', f32([3, 2, 1, 1], [1, 0, 0, 1, 2, -1])], ['bias', f32([3], [0, 10, 100])]]));
    const x = tf.tensor4d([3, 5], [1, 1, 1, 2]); // one pixel, channels (3, 5)
    const y = c.forward(x);
    expect([...y.dataSync()]).toEqual([3, 15, 101]);
    tf.dispose([x, y]);
    c.dispose();
  });

  it('depthwise Conv2d (groups = channels): each channel its own kernel', () => {
    const c = new Conv2d(2, 2, 3, { padding: 1, groups: 2, bias: false });
    // channel 0 sums its 3x3 window; channel 1 reads the pixel above
    const w = [...new Array(9).fill(1), 0, 1, 0, 0, 0, 0, 0, 0, 0];
    c.loadStateDict(new Map([['weight', f32([2, 1, 3, 3], w)]]), { strict: true });
    // 2x2 image; channel 0 = [1,2;3,4], channel 1 = [10,20;30,40]
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const y = c.forward(x);
    expect([...y.dataSync()]).toEqual([10, 0, 10, 0, 10, 10, 10, 20]);
    tf.dispose([x, y]);
    c.dispose();
  });

  it('a shape mismatch names the key and both shapes, and leaves the layer unchanged', () => {
    const l = new Linear(3, 2);
    const before = [...l.weight.dataSync()];
    expect(() => l.loadStateDict(new Map([['weight', f32([3, 2], [1, 2, 3, 4, 5, 6])], ['bias', f32([2], [0, 0])]]), { source: 'x.pth' })).toThrow(
      'x.pth: size mismatch for weight: copying a param with shape [3, 2] from checkpoint, the shape in current model is [2, 3]',
    );
    expect([...l.weight.dataSync()]).toEqual(before);
    l.dispose();
  });
});
