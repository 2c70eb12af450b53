import { describe, expect, it } from 'vitest';
import { fromTorchLayout, tfToTorchShape, toTorchLayout, torchToTfShape, type ParamLayout } from '../../core/layout.js';
import type { HostTensor } from '../../core/host-tensor.js';

const host = (shape: number[], data: number[]): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

describe('PyTorch <-> tfjs weight layouts', () => {
  it('linear: torch [out, in] -> tfjs [in, out]', () => {
    const { data, shape } = fromTorchLayout('linear', host([2, 3], [1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(shape).toEqual([3, 2]);
    expect([...data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('conv: torch OIHW -> tfjs HWIO', () => {
    // torch w[o][i][0][k]: o in 0..1, i = 0, k in 0..1 -> data [w00, w01, w10, w11] = [1, 2, 3, 4]
    const { data, shape } = fromTorchLayout('conv', host([2, 1, 1, 2], [1, 2, 3, 4]), [1, 2, 1, 2]);
    expect(shape).toEqual([1, 2, 1, 2]);
    // tfjs t[0][k][0][o] = w[o][k]: order (k0,o0) (k0,o1) (k1,o0) (k1,o1)
    expect([...data]).toEqual([1, 3, 2, 4]);
  });

  it('depthwise: torch [C*m, 1, kh, kw] -> tfjs [kh, kw, C, m]', () => {
    // C = 2 channels, m = 1, kernel 1x2: torch [[a0, a1], [b0, b1]]
    const { data, shape } = fromTorchLayout('depthwise', host([2, 1, 1, 2], [10, 11, 20, 21]), [1, 2, 2, 1]);
    expect(shape).toEqual([1, 2, 2, 1]);
    expect([...data]).toEqual([10, 20, 11, 21]);
    // m = 2: output channel o = c*m + j keeps its order for a 1x1 kernel.
    expect([...fromTorchLayout('depthwise', host([4, 1, 1, 1], [1, 2, 3, 4]), [1, 1, 2, 2]).data]).toEqual([1, 2, 3, 4]);
    expect(fromTorchLayout('depthwise', host([4, 1, 1, 1], [1, 2, 3, 4]), [1, 1, 2, 2]).shape).toEqual([1, 1, 2, 2]);
  });

  it('convT: torch [in, out, kh, kw] -> tfjs [kh, kw, out, in]', () => {
    const { data, shape } = fromTorchLayout('convT', host([1, 2, 1, 2], [1, 2, 3, 4]), [1, 2, 2, 1]);
    expect(shape).toEqual([1, 2, 2, 1]);
    expect([...data]).toEqual([1, 3, 2, 4]);
  });

  it('shapes map both ways and every layout round-trips', () => {
    const cases: [ParamLayout, number[], number[]][] = [
      ['linear', [5, 3], [3, 5]],
      ['conv', [4, 3, 2, 5], [2, 5, 3, 4]],
      ['depthwise', [6, 1, 3, 2], [3, 2, 6, 1]],
      ['convT', [3, 4, 2, 2], [2, 2, 4, 3]],
      ['same', [7], [7]],
    ];
    for (const [layout, torchShape, tfShape] of cases) {
      expect(torchToTfShape(layout, torchShape)).toEqual(tfShape);
      expect(tfToTorchShape(layout, tfShape)).toEqual(torchShape);
      const n = torchShape.reduce((a, b) => a * b, 1);
      const src = host(torchShape, Array.from({ length: n }, (_, i) => i * 1.5 - 3));
      const tf = fromTorchLayout(layout, src, tfShape);
      const back = toTorchLayout(layout, tf.data, tf.shape);
      expect(back.shape).toEqual(torchShape);
      expect([...back.data]).toEqual([...src.data]);
    }
  });
});
