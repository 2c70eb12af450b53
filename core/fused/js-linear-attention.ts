/**
 * The linear attention's fused element-wise stages in JS (see native/src/linear-attention.cc):
 * eluRope (elu + 1 of q|k, RoPE into the head-major layout, mean of k over tokens) and attnOutput (normaliser, head
 * transpose and LePE add), with their gradients.
 */

import { fastExp } from './fast-exp.js';

const NORM_EPS = 1e-6;

function checkShape(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`core/fused: ${what} has ${got} values, expected ${want}`);
}

/** Offset of channel j in the head-major layout, relative to position 0 of head 0 of the same image. */
function headMajorOffsets(tokens: number, channels: number, heads: number): Int32Array {
  const d = channels / heads;
  const off = new Int32Array(channels);
  for (let j = 0; j < channels; j++) off[j] = Math.floor(j / d) * tokens * d + (j % d);
  return off;
}

export function eluRopeForward(
  x: Float32Array, cos: Float32Array, sin: Float32Array,
  q: Float32Array, k: Float32Array, qRope: Float32Array, kRope: Float32Array, kMean: Float32Array,
  batch: number, tokens: number, channels: number, heads: number,
): void {
  const half = batch * tokens * channels;
  checkShape('eluRope kMean', kMean.length, batch * channels);
  const kSum = new Float64Array(batch * channels);
  const pairs = channels / 2;
  checkShape('eluRope input', x.length, 2 * half);
  checkShape('eluRope cos table', cos.length, tokens * pairs);
  const d = channels / heads;
  const off = headMajorOffsets(tokens, channels, heads);
  for (let t = 0; t < batch * tokens; t++) {
    const bi = Math.floor(t / tokens);
    const pos = t - bi * tokens;
    const tab = pos * pairs;
    for (let part = 0; part < 2; part++) {
      const src = t * 2 * channels + part * channels;
      const y = part === 0 ? q : k;
      const rot = part === 0 ? qRope : kRope;
      const at = t * channels;
      const rotAt = bi * tokens * channels + pos * d;
      for (let j = 0; j < channels; j++) {
        const v = x[src + j]!;
        y[at + j] = v > 0 ? v + 1 : fastExp(v);
      }
      if (part === 1) for (let j = 0; j < channels; j++) kSum[bi * channels + j] = kSum[bi * channels + j]! + y[at + j]!;
      for (let p = 0; p < pairs; p++) {
        const e = y[at + 2 * p]!;
        const o = y[at + 2 * p + 1]!;
        const cs = cos[tab + p]!;
        const sn = sin[tab + p]!;
        rot[rotAt + off[2 * p]!] = e * cs - o * sn;
        rot[rotAt + off[2 * p + 1]!] = o * cs + e * sn;
      }
    }
  }
  for (let i = 0; i < kSum.length; i++) kMean[i] = kSum[i]! / tokens;
}

export function eluRopeBackward(
  q: Float32Array, k: Float32Array, dq: Float32Array, dk: Float32Array, dqRope: Float32Array, dkRope: Float32Array,
  dkMean: Float32Array, cos: Float32Array, sin: Float32Array, dx: Float32Array,
  batch: number, tokens: number, channels: number, heads: number,
): void {
  checkShape('eluRope dkMean', dkMean.length, batch * channels);
  const half = batch * tokens * channels;
  const pairs = channels / 2;
  checkShape('eluRope gradient', dx.length, 2 * half);
  checkShape('eluRope cos table', cos.length, tokens * pairs);
  const d = channels / heads;
  const off = headMajorOffsets(tokens, channels, heads);
  for (let t = 0; t < batch * tokens; t++) {
    const bi = Math.floor(t / tokens);
    const pos = t - bi * tokens;
    const tab = pos * pairs;
    for (let part = 0; part < 2; part++) {
      const y = part === 0 ? q : k;
      const gy = part === 0 ? dq : dk;
      const gr = part === 0 ? dqRope : dkRope;
      // k's gradient also gets mean(k)'s: dkMean / tokens at every position.
      const meanGrad = part === 0 ? 0 : 1 / tokens;
      const gm = bi * channels;
      const at = t * channels;
      const rotAt = bi * tokens * channels + pos * d;
      const dst = t * 2 * channels + part * channels;
      for (let p = 0; p < pairs; p++) {
        const ge = gr[rotAt + off[2 * p]!]!;
        const go = gr[rotAt + off[2 * p + 1]!]!;
        const cs = cos[tab + p]!;
        const sn = sin[tab + p]!;
        const g0 = gy[at + 2 * p]! + meanGrad * dkMean[gm + 2 * p]!;
        const g1 = gy[at + 2 * p + 1]! + meanGrad * dkMean[gm + 2 * p + 1]!;
        dx[dst + 2 * p] = (g0 + ge * cs + go * sn) * Math.min(y[at + 2 * p]!, 1);
        dx[dst + 2 * p + 1] = (g1 + go * cs - ge * sn) * Math.min(y[at + 2 * p + 1]!, 1);
      }
    }
  }
}

export function attnOutputForward(
  o: Float32Array, q: Float32Array, kMean: Float32Array, lepe: Float32Array, gate: Float32Array | null, y: Float32Array,
  batch: number, tokens: number, channels: number, heads: number,
): void {
  checkShape('attnOutput input', o.length, batch * tokens * channels);
  checkShape('attnOutput kMean', kMean.length, batch * channels);
  const d = channels / heads;
  for (let t = 0; t < batch * tokens; t++) {
    const bi = Math.floor(t / tokens);
    const pos = t - bi * tokens;
    for (let h = 0; h < heads; h++) {
      const qa = t * channels + h * d;
      const ma = bi * channels + h * d;
      const oa = ((bi * heads + h) * tokens + pos) * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[qa + j]! * kMean[ma + j]!;
      const z = 1 / (dot + NORM_EPS);
      for (let j = 0; j < d; j++) y[qa + j] = o[oa + j]! * z + lepe[qa + j]!;
      if (gate !== null) {
        for (let j = 0; j < d; j++) {
          const g = gate[qa + j]!;
          y[qa + j] = y[qa + j]! * (g / (1 + fastExp(-g)));
        }
      }
    }
  }
}

export function attnOutputBackward(
  o: Float32Array, q: Float32Array, kMean: Float32Array, lepe: Float32Array | null, gate: Float32Array | null, dy: Float32Array,
  dO: Float32Array, dQ: Float32Array, dKMean: Float32Array, dLepe: Float32Array | null, dGate: Float32Array | null,
  batch: number, tokens: number, channels: number, heads: number,
): void {
  if (gate !== null && (lepe === null || dLepe === null || dGate === null)) throw new Error('core/fused: a gated attnOutput gradient needs lepe, dLepe and dGate');
  // The gradient reaching o z + lepe: dy, or dy silu(gate) (then also lepe's gradient).
  const da = gate === null ? dy : dLepe!;
  checkShape('attnOutput gradient', dy.length, batch * tokens * channels);
  checkShape('attnOutput kMean', kMean.length, batch * channels);
  const d = channels / heads;
  const sums = new Float64Array(batch * channels);
  for (let t = 0; t < batch * tokens; t++) {
    const bi = Math.floor(t / tokens);
    const pos = t - bi * tokens;
    for (let h = 0; h < heads; h++) {
      const qa = t * channels + h * d;
      const ma = bi * channels + h * d;
      const oa = ((bi * heads + h) * tokens + pos) * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += q[qa + j]! * kMean[ma + j]!;
      const z = 1 / (dot + NORM_EPS);
      if (gate !== null) {
        for (let j = 0; j < d; j++) {
          const g = gate[qa + j]!;
          const s = 1 / (1 + fastExp(-g));
          const a = o[oa + j]! * z + lepe![qa + j]!;
          dLepe![qa + j] = dy[qa + j]! * g * s;
          dGate![qa + j] = dy[qa + j]! * a * s * (1 + g * (1 - s));
        }
      }
      let go = 0;
      for (let j = 0; j < d; j++) go += da[qa + j]! * o[oa + j]!;
      const dDot = -go * z * z;
      for (let j = 0; j < d; j++) {
        dO[oa + j] = da[qa + j]! * z;
        dQ[qa + j] = dDot * kMean[ma + j]!;
        sums[ma + j] = sums[ma + j]! + dDot * q[qa + j]!;
      }
    }
  }
  dKMean.set(sums);
}
