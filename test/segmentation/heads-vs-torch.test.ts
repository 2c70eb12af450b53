import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import type { StateDict } from '../../core/host-tensor.js';
import { UPerHead } from '../../heads/seg/uper-head.js';
import { FCNHead } from '../../heads/seg/fcn-head.js';

interface Encoded {
  shape: number[];
  data: string;
}
const fixture = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/uper-fcn-heads-torch.json'), 'utf8')) as {
  state_dict: Record<string, Encoded>;
  features: Encoded[];
  decode_logits: Encoded;
  aux_logits: Encoded;
};

function decode(e: Encoded): Float32Array {
  const b = Buffer.from(e.data, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The fixture's entries under `prefix`, prefix removed (mmseg checkpoint keys -> head keys). */
function subDict(prefix: string): StateDict {
  const sd: StateDict = new Map();
  for (const [k, v] of Object.entries(fixture.state_dict)) {
    if (k.startsWith(prefix)) sd.set(k.slice(prefix.length), { dtype: 'float32', shape: v.shape, data: decode(v) });
  }
  return sd;
}

const nchwToNhwc = (e: Encoded) => tf.transpose(tf.tensor4d(decode(e), e.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D;

const COMMON = { channels: 8, numClasses: 5, dropoutRatio: 0.1, lossWeight: 1, ignoreIndex: 255, avgNonIgnore: false };

for (const backend of ['cpu', 'wasm']) {
  describe(`UPerHead and FCNHead against a torch computation of mmseg's forward (${backend})`, () => {
    it('match to 1e-5 on odd feature sizes (23x29 .. 3x4, PPM scale 6 above the 3x4 input)', async () => {
      await initBackend(backend, { quiet: true });
      const head = new UPerHead({ ...COMMON, type: 'UPerHead', inChannels: [8, 16, 24, 32], inIndex: [0, 1, 2, 3], poolScales: [1, 2, 3, 6] });
      const aux = new FCNHead({ ...COMMON, type: 'FCNHead', channels: 6, inChannels: [24], inIndex: [2], numConvs: 1, kernelSize: 3, concatInput: false });
      const r1 = head.loadStateDict(subDict('decode_head.'));
      const r2 = aux.loadStateDict(subDict('auxiliary_head.'));
      // Only the int64 batch counters were left out of the fixture.
      for (const r of [r1, r2]) {
        expect(r.unexpectedKeys).toEqual([]);
        expect(r.missingKeys.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
      }
      head.eval();
      aux.eval();
      const feats = fixture.features.map(nchwToNhwc);
      for (const [out, want] of [
        [head.forward(feats), fixture.decode_logits],
        [aux.forward(feats), fixture.aux_logits],
      ] as const) {
        const expected = nchwToNhwc(want);
        expect(out.shape).toEqual(expected.shape);
        const err = tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0]!;
        expect(err).toBeLessThan(1e-5);
        tf.dispose([out, expected]);
      }
      tf.dispose(feats);
      head.dispose();
      aux.dispose();
    });
  });
}
