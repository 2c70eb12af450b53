import { describe, expect, it } from 'vitest';
import { AnchorGenerator } from '../../heads/det/anchor-generator.js';

const close = (a: ArrayLike<number>, b: number[], digits = 4) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

// mmdet's RPN anchors: scales [8], ratios [0.5, 1, 2], base size = stride, centre offset 0.
const gen = new AnchorGenerator({ strides: [4, 8, 16, 32, 64], ratios: [0.5, 1, 2], scales: [8] });
const s2 = Math.SQRT2;

describe('AnchorGenerator (mmdet 2.x)', () => {
  it('base anchors: w = stride * 8 / sqrt(r), h = stride * 8 * sqrt(r), centred at the origin, ratio order', () => {
    // stride 4: ratio 0.5 -> w = 32 * sqrt2 = 45.25, h = 32 / sqrt2 = 22.63
    close(gen.baseAnchors[0]!, [-16 * s2, -8 * s2, 16 * s2, 8 * s2, -16, -16, 16, 16, -8 * s2, -16 * s2, 8 * s2, 16 * s2]);
    close(gen.baseAnchors[4]!, [-256 * s2, -128 * s2, 256 * s2, 128 * s2, -256, -256, 256, 256, -128 * s2, -256 * s2, 128 * s2, 256 * s2], 3);
    expect(gen.numBaseAnchors).toBe(3);
  });

  it('grid anchors of a 2 x 3 map: cell-major (y, then x), then the 3 ratios; shifted by stride', () => {
    const a = gen.levelAnchors(0, [2, 3]);
    expect(a.length).toBe(2 * 3 * 3 * 4);
    // (y=0, x=0) ratio 1
    close(a.subarray(4, 8), [-16, -16, 16, 16]);
    // (y=0, x=1) ratio 0.5: shift x by 4
    close(a.subarray(12, 16), [-16 * s2 + 4, -8 * s2, 16 * s2 + 4, 8 * s2]);
    // (y=1, x=2) ratio 1: index (1*3+2)*3+1 = 16, shift (8, 4)
    close(a.subarray(64, 68), [-8, -12, 24, 20]);
    // last: (y=1, x=2) ratio 2
    close(a.subarray(68, 72), [-8 * s2 + 8, -16 * s2 + 4, 8 * s2 + 8, 16 * s2 + 4]);
  });

  it('centre offset 0.5 centres anchors in the cell', () => {
    const g = new AnchorGenerator({ strides: [8], ratios: [1], scales: [2], centerOffset: 0.5 });
    close(g.levelAnchors(0, [1, 2]), [-4, -4, 12, 12, 4, -4, 20, 12]);
  });

  it('valid flags: cells beyond ceil(pad / stride) are invalid (batch padding)', () => {
    const flags = gen.validFlags([[6, 6], [4, 4], [2, 2], [1, 1], [1, 1]], [20, 12]);
    // stride 8: valid 3 rows (ceil 20/8) x 2 cols (ceil 12/8), 3 anchors each
    const l1 = Array.from(flags[1]!);
    const expected: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) for (let a = 0; a < 3; a++) expected.push(y < 3 && x < 2 ? 1 : 0);
    expect(l1).toEqual(expected);
    expect(Array.from(flags[4]!)).toEqual([1, 1, 1]);
  });
});
