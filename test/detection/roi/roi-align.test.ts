import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../core/backend.js';
import { registerAllGradients } from '../../../core/kernels/register-gradients.js';
import { roiAlign } from '../../../heads/det/roi/roi-align.js';

/**
 * mmcv's bilinear_interpolate + avg RoIAlign written as the plain sample loop (one sample at a time), an
 * independent path to check the separable gather/matmul formulation on random inputs.
 */
function naiveRoiAlign(f: Float32Array, [n, h, w, c]: number[], rois: number[], oh: number, ow: number, scale: number): Float32Array {
  const r = rois.length / 5;
  const out = new Float32Array(r * oh * ow * c);
  for (let k = 0; k < r; k++) {
    const b = rois[k * 5]!;
    const sx = rois[k * 5 + 1]! * scale - 0.5;
    const sy = rois[k * 5 + 2]! * scale - 0.5;
    const rw = rois[k * 5 + 3]! * scale - 0.5 - sx;
    const rh = rois[k * 5 + 4]! * scale - 0.5 - sy;
    const bh = rh / oh;
    const bw = rw / ow;
    const gh = Math.ceil(rh / oh);
    const gw = Math.ceil(rw / ow);
    const count = Math.max(gh * gw, 1);
    for (let p = 0; p < oh; p++)
      for (let q = 0; q < ow; q++)
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let iy = 0; iy < gh; iy++)
            for (let ix = 0; ix < gw; ix++) {
              let y = sy + p * bh + ((iy + 0.5) * bh) / gh;
              let x = sx + q * bw + ((ix + 0.5) * bw) / gw;
              if (y < -1 || y > h || x < -1 || x > w) continue;
              if (y <= 0) y = 0;
              if (x <= 0) x = 0;
              let yl = Math.floor(y);
              let xl = Math.floor(x);
              let yh: number;
              let xh: number;
              if (yl >= h - 1) (yh = yl = h - 1), (y = yl);
              else yh = yl + 1;
              if (xl >= w - 1) (xh = xl = w - 1), (x = xl);
              else xh = xl + 1;
              const ly = y - yl;
              const lx = x - xl;
              const at = (yy: number, xx: number) => f[((b * h + yy) * w + xx) * c + ch]!;
              sum += (1 - ly) * (1 - lx) * at(yl, xl) + (1 - ly) * lx * at(yl, xh) + ly * (1 - lx) * at(yh, xl) + ly * lx * at(yh, xh);
            }
          out[((k * oh + p) * ow + q) * c + ch] = sum / count;
        }
  }
  return out;
}

function randomArray(len: number, seed: number): Float32Array {
  let s = seed;
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
}

// Each backend with the JS kernel (the default on cpu/wasm) and with the gather + matmul formulation other
// backends use (forced here).
for (const [backend, forceComposed] of [['cpu', false], ['wasm', false], ['cpu', true], ['wasm', true]] as const) {
  describe(`roiAlign (${backend}, ${forceComposed ? 'gather+matmul' : 'host kernel'})`, () => {
    beforeAll(async () => {
      await initBackend(backend, { quiet: true });
      await registerAllGradients();
    });

    it('matches hand-computed values on a 4x4 map, including border cases', () => {
      // Image 0: channel 0 = 4y + x (bilinear reproduces it exactly inside the map), channel 1 = 1 (shows
      // which samples count). Image 1: channel 0 = 100 + 4y + x.
      const data = new Float32Array(2 * 4 * 4 * 2);
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 4; x++) {
          data[(y * 4 + x) * 2] = 4 * y + x;
          data[(y * 4 + x) * 2 + 1] = 1;
          data[(16 + y * 4 + x) * 2] = 100 + 4 * y + x;
          data[(16 + y * 4 + x) * 2 + 1] = 1;
        }
      const feat = tf.tensor4d(data, [2, 4, 4, 2]);
      const before = tf.memory().numTensors;
      const at = (rois: number[], out: [number, number], scale = 1) => {
        const t = roiAlign(feat, rois, { outSize: out, spatialScale: scale, forceComposed });
        const v = Array.from(t.dataSync());
        t.dispose();
        return v;
      };
      // Inside: start 0, bins of 1 pixel, one sample each at 0.5 / 1.5.
      expectClose(at([0, 0.5, 0.5, 2.5, 2.5], [2, 2]), [2.5, 1, 3.5, 1, 6.5, 1, 7.5, 1]);
      // Whole map: start -0.5, bins of 2, 2x2 samples at 0,1 / 2,3 (all in range): 4*mean(y) + mean(x).
      expectClose(at([0, 0, 0, 4, 4], [2, 2]), [2.5, 1, 4.5, 1, 10.5, 1, 12.5, 1]);
      // Top-left border: samples at -2 (dropped), -1 and 0 (read row/col 0), 1; 9 of 16 samples count:
      // sum over y,x in {0,0,1} of (4y + x) = 15, / 16.
      expectClose(at([0, -2, -2, 2, 2], [1, 1]), [15 / 16, 9 / 16]);
      // Bottom-right border: samples at 35/12 (interpolated), 3.75 (clamped to 3), 4.58 (> H, dropped);
      // 4 of 9 count: sum = 10 * (35/12 + 3) = 710/12, / 9.
      expectClose(at([0, 3, 3, 5.5, 5.5], [1, 1]), [710 / 12 / 9, 4 / 9]);
      // Entirely outside the map: every sample dropped.
      expectClose(at([0, 10, 10, 12, 12], [1, 1]), [0, 0]);
      // Image 1 at stride 2: box [1,1,5,5] -> [0,2) on the map, samples at 0.5 / 1.5.
      expectClose(at([1, 1, 1, 5, 5], [2, 2], 0.5), [102.5, 1, 103.5, 1, 106.5, 1, 107.5, 1]);
      // Several RoIs at once keep their order.
      expectClose(at([1, 1, 1, 5, 5, 0, -2, -2, 2, 2], [1, 1], 0.5).slice(0, 2), [105, 1]);
      expect(tf.memory().numTensors).toBe(before);
      feat.dispose();
    });

    it('agrees with the per-sample mmcv loop on random maps and boxes (7x7, several chunks)', () => {
      const shape = [2, 9, 11, 3];
      const f = randomArray(2 * 9 * 11 * 3, 7);
      const rois: number[] = [];
      const rnd = randomArray(40 * 4, 11);
      for (let k = 0; k < 40; k++) {
        const x1 = rnd[k * 4]! * 60;
        const y1 = rnd[k * 4 + 1]! * 50;
        rois.push(k % 2, x1, y1, x1 + (rnd[k * 4 + 2]! + 0.5) * 60, y1 + (rnd[k * 4 + 3]! + 0.5) * 50);
      }
      const feat = tf.tensor4d(f, shape as [number, number, number, number]);
      const out = roiAlign(feat, rois, { outSize: [7, 7], spatialScale: 0.25, chunkFloats: 2000, forceComposed });
      const want = naiveRoiAlign(f, shape, rois, 7, 7, 0.25);
      expectClose(Array.from(out.dataSync()), Array.from(want), 1e-5);
      tf.dispose([feat, out]);
    });

    it('gradient w.r.t. the features matches finite differences', () => {
      const shape: [number, number, number, number] = [2, 5, 6, 2];
      const f = randomArray(2 * 5 * 6 * 2, 3);
      const rois = [0, 1, 1, 14, 9, 1, -3, -2, 8, 21, 0, 10, 8, 26, 23, 1, 4, 4, 5, 5];
      const outShape = [4, 3, 3, 2];
      const g = randomArray(4 * 3 * 3 * 2, 5);
      const before = tf.memory().numTensors;
      const lossOf = (x: tf.Tensor) => tf.sum(tf.mul(roiAlign(x as tf.Tensor4D, rois, { outSize: [3, 3], spatialScale: 0.5, chunkFloats: 200, forceComposed }), tf.tensor4d(g, outShape as [number, number, number, number])));
      const grad = tf.tidy(() => tf.grad(lossOf)(tf.tensor4d(f, shape)));
      const analytic = grad.dataSync();
      grad.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // The op is linear in the features, so central differences are exact up to rounding.
      const eps = 0.25;
      const value = (arr: Float32Array) => tf.tidy(() => lossOf(tf.tensor4d(arr, shape)).dataSync()[0]!);
      let nonzero = 0;
      for (let i = 0; i < f.length; i++) {
        const plus = Float32Array.from(f);
        plus[i]! += eps;
        const minus = Float32Array.from(f);
        minus[i]! -= eps;
        const fd = (value(plus) - value(minus)) / (2 * eps);
        expect(Math.abs(fd - analytic[i]!)).toBeLessThan(1e-4);
        if (Math.abs(fd) > 1e-3) nonzero++;
      }
      expect(nonzero).toBeGreaterThan(20);
    });
  });
}

function expectClose(got: number[], want: number[], tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > tol) throw new Error(`index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}
