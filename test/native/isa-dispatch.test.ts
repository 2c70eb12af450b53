import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeBinaryPath, nativeStatus } from '../../core/native/addon.js';
import { nativeKernelAddon } from '../../core/native/native-api.js';
import { nativeCasesRun } from './native-policy.js';

const run = nativeCasesRun(import.meta.url);
/** The binary the package loads (a source build, else the prebuild), run directly in child processes. */
const ADDON = nativeBinaryPath() ?? '';

// Runs in a child process (the instruction set is chosen once per process): GEMMs with and without
// transposes, bias and relu, strided padded conv2ds and a depthwise conv against float64 loops written here.
const SCRIPT = `
import { createRequire } from 'node:module';
const m = createRequire(import.meta.url)(process.env.ADDON);
let seed = 7;
const rnd = (n) => Float32Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
const rel = (got, want) => { let s = 0; for (const v of want) s += v * v; const rms = Math.sqrt(s / want.length); let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), rms)); return e; };
const out = { isa: m.gemmIsa() };
out.gemm = 0;
// Transposed (packed) operands; plain rows read in place over several row and K blocks; a wide output (packed A).
for (const [M, N, K, tA, tB] of [[23, 41, 300, true, true], [250, 70, 600, false, false], [37, 300, 90, false, true]]) {
  const a = rnd(K * M), b = rnd(N * K), bias = rnd(N), c = new Float32Array(M * N), want = new Float64Array(M * N);
  m.gemm(a, b, c, bias, 1, M, N, K, tA, tB, 0, 0, 0, 0.5, 1, 0);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0;
    for (let k = 0; k < K; k++) s += (tA ? a[k * M + i] : a[i * K + k]) * (tB ? b[j * K + k] : b[k * N + j]);
    want[i * N + j] = Math.max(0, 0.5 * s + bias[j]); }
  out.gemm = Math.max(out.gemm, rel(c, want)); }
out.conv2d = 0;
// 19 output channels: patches read in place; 150: patches packed.
for (const O of [19, 150]) { const [B, H, W, C, kh, s, pad] = [2, 9, 7, 5, 3, 2, 1]; const Ho = 5, Wo = 4;
  const x = rnd(B * H * W * C), w = rnd(kh * kh * C * O), y = new Float32Array(B * Ho * Wo * O), want = new Float64Array(y.length);
  m.conv2d(x, w, null, y, Int32Array.from([B, H, W, C, Ho, Wo, O, kh, kh, s, s, 1, 1, pad, pad]), 0, 0);
  for (let b = 0; b < B; b++) for (let oy = 0; oy < Ho; oy++) for (let ox = 0; ox < Wo; ox++) for (let o = 0; o < O; o++) { let acc = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kh; kx++) { const iy = oy * s + ky - pad, ix = ox * s + kx - pad; if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      for (let c = 0; c < C; c++) acc += x[((b * H + iy) * W + ix) * C + c] * w[((ky * kh + kx) * C + c) * O + o]; }
    want[((b * Ho + oy) * Wo + ox) * O + o] = acc; }
  out.conv2d = Math.max(out.conv2d, rel(y, want)); }
{ const [H, W, C] = [6, 5, 37]; const x = rnd(H * W * C), w = rnd(9 * C), y = new Float32Array(H * W * C), want = new Float64Array(y.length);
  m.depthwiseConv2d(x, w, null, y, Int32Array.from([1, H, W, C, H, W, C, 3, 3, 1, 1, 1, 1, 1, 1]), 0, 0);
  for (let oy = 0; oy < H; oy++) for (let ox = 0; ox < W; ox++) for (let c = 0; c < C; c++) { let acc = 0;
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) { const iy = oy + ky - 1, ix = ox + kx - 1; if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      acc += x[(iy * W + ix) * C + c] * w[(ky * 3 + kx) * C + c]; }
    want[(oy * W + ox) * C + c] = acc; }
  out.depthwise = rel(y, want); }
console.log(JSON.stringify(out));
`;

function runWithIsa(isa: string): { isa: string; gemm: number; conv2d: number; depthwise: number } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    env: { ...process.env, ADDON, MILA_NATIVE_ISA: isa, MILA_NUM_THREADS: '2' }, encoding: 'utf8', timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const cpuFlags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.split(/\s+/) ?? [];

describe.runIf(run)('native kernels per instruction set', () => {
  it('the addon is built (set MILA_NATIVE=0 to run without it)', () => {
    expect(nativeKernelAddon(), `native addon: ${nativeStatus()}`).toBeDefined();
  });

  it('generic C++ kernels (forced) match float64 loops', () => {
    const r = runWithIsa('generic');
    expect(r.isa).toBe('generic');
    expect(r.gemm).toBeLessThan(1e-5);
    expect(r.conv2d).toBeLessThan(1e-5);
    expect(r.depthwise).toBeLessThan(1e-5);
  });

  it('AVX2+FMA kernels (forced; generic where the CPU lacks them) match float64 loops', () => {
    const r = runWithIsa('avx2');
    expect(r.isa).toBe(cpuFlags.includes('avx2') && cpuFlags.includes('fma') ? 'avx2+fma' : 'generic');
    expect(r.gemm).toBeLessThan(1e-5);
    expect(r.conv2d).toBeLessThan(1e-5);
    expect(r.depthwise).toBeLessThan(1e-5);
  });

  it('the AVX-512 blocking (12 x 32, built for AVX2) matches float64 loops', () => {
    const r = runWithIsa('avx512-layout');
    expect(r.isa).toBe(cpuFlags.includes('avx2') && cpuFlags.includes('fma') ? 'avx512-layout-on-avx2' : 'generic');
    expect(r.gemm).toBeLessThan(1e-5);
    expect(r.conv2d).toBeLessThan(1e-5);
    expect(r.depthwise).toBeLessThan(1e-5);
  });

  it('the default choice is the best the CPU has', () => {
    const r = runWithIsa('');
    const want = cpuFlags.includes('avx512f') ? 'avx512f' : cpuFlags.includes('avx2') && cpuFlags.includes('fma') ? 'avx2+fma' : 'generic';
    expect(r.isa).toBe(want);
    expect(r.gemm).toBeLessThan(1e-5);
  });

  it('bad sizes are a one-line error, not a crash', () => {
    const m = nativeKernelAddon()!;
    const a = new Float32Array(6);
    expect(() => m.gemm(a, a, a, null, 1, 3, 3, 3, false, false, 0, 0, 0, 1, 0, 0)).toThrow(/^mila_native\.gemm: a has 6 elements, needs 9$/);
    expect(() => m.conv2d(a, a, null, a, Int32Array.from([1, 2, 2, 1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1]), 0, 0)).toThrow(/filter has 6 elements, needs 9/);
    expect(() => m.gemm(a, a, a, null, 1, 1, 1, 1, false, false, 0, 0, 0, 1, 9, 0)).toThrow(/unknown activation code 9/);
  });
});
