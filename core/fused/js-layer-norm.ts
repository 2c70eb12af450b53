/** LayerNorm over the last axis in JS (see native/src/layer-norm.cc): row statistics recomputed in backward. */

function checkChannels(x: Float32Array, weight: Float32Array): number {
  const c = weight.length;
  if (c === 0 || x.length % c !== 0) throw new Error(`core/fused: LayerNorm input of ${x.length} values is not rows of ${c} channels`);
  return c;
}

/** Mean and 1 / sqrt(biased variance + eps) of x[at, at + c). */
function rowStats(x: Float32Array, at: number, c: number, eps: number): [number, number] {
  let s = 0;
  for (let j = 0; j < c; j++) s += x[at + j]!;
  const mean = s / c;
  let ss = 0;
  for (let j = 0; j < c; j++) {
    const d = x[at + j]! - mean;
    ss += d * d;
  }
  return [mean, 1 / Math.sqrt(ss / c + eps)];
}

export function layerNormForward(x: Float32Array, weight: Float32Array, bias: Float32Array, y: Float32Array, eps: number): void {
  const c = checkChannels(x, weight);
  for (let at = 0; at < x.length; at += c) {
    const [mean, rstd] = rowStats(x, at, c, eps);
    for (let j = 0; j < c; j++) y[at + j] = (x[at + j]! - mean) * rstd * weight[j]! + bias[j]!;
  }
}

export function layerNormBackward(
  x: Float32Array, weight: Float32Array, dy: Float32Array,
  dx: Float32Array, dWeight: Float32Array, dBias: Float32Array, eps: number,
): void {
  const c = checkChannels(x, weight);
  const sumW = new Float64Array(c);
  const sumB = new Float64Array(c);
  const xhat = new Float64Array(c);
  for (let at = 0; at < x.length; at += c) {
    const [mean, rstd] = rowStats(x, at, c, eps);
    let sg = 0;
    let sgx = 0;
    for (let j = 0; j < c; j++) {
      const xh = (x[at + j]! - mean) * rstd;
      const g = dy[at + j]! * weight[j]!;
      xhat[j] = xh;
      sg += g;
      sgx += g * xh;
      sumW[j] = sumW[j]! + dy[at + j]! * xh;
      sumB[j] = sumB[j]! + dy[at + j]!;
    }
    const mg = sg / c;
    const mgx = sgx / c;
    for (let j = 0; j < c; j++) dx[at + j] = rstd * (dy[at + j]! * weight[j]! - mg - xhat[j]! * mgx);
  }
  dWeight.set(sumW);
  dBias.set(sumB);
}
