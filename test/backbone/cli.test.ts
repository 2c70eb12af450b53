import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { zipSync } from 'fflate';
import { writeFileSync } from 'node:fs';
import * as features from '../../cli/commands/features.js';
import * as classify from '../../cli/commands/classify.js';
import * as params from '../../cli/commands/params.js';
import { readSafetensors, writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { GOLDEN_DIR, WEIGHTS, goldenCase, maxAbsDiff } from './golden-cases.js';

const TINY = '{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8],"imgSize":64}';
const tmp = mkdtempSync(join(tmpdir(), 'mila-cli-'));

/** Run `mila <args>` in-process with the real command modules; returns stdout, stderr and the exit code. */
async function mila(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  const program = new Command().exitOverride();
  for (const c of [features, classify, params]) c.register(program);
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    process.exitCode = 0;
    await program.parseAsync(['node', 'mila', ...args, ...(args[0] === 'params' ? [] : ['--backend', 'cpu'])]);
    return { out: out.join('\n'), err: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    log.mockRestore();
    write.mockRestore();
    process.exitCode = 0;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('mila CLI', () => {
  it('features on the golden tiny_det_odd case: NCHW outputs within 1e-4 and the strict=False report', async () => {
    const output = join(tmp, 'odd.safetensors');
    const r = await mila('features', '--model', TINY, '--checkpoint', WEIGHTS.pth, '--input', join(GOLDEN_DIR, 'tiny_det_odd/io.safetensors'), '--output', output);
    expect(r.err + r.out).not.toMatch(/mila \w+: /);
    expect(r.code).toBe(0);
    expect(r.out).toContain('missing keys (0): none');
    expect(r.out).toContain('unexpected keys (4): norm.weight, norm.bias, head.weight, head.bias');
    const got = readSafetensors(output);
    const { io } = goldenCase('tiny_det_odd');
    for (const k of ['out0', 'out1', 'out2', 'out3']) {
      expect(got.get(k)!.shape).toEqual(io.get(k)!.shape);
      expect(maxAbsDiff(got.get(k)!.data as Float32Array, io.get(k)!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('repeated --checkpoint: later files override, the report covers the merged keys', async () => {
    // A second file holding only norm0..norm3 (zeroed weights): out0 must become the norm's bias only.
    const sd = readSafetensors(WEIGHTS.safetensors);
    const norms = new Map([...sd].filter(([k]) => /^norm\d\./.test(k)).map(([k, t]) => [k, k.endsWith('weight') ? { ...t, data: new Float32Array(t.data.length) } : t]));
    const normFile = join(tmp, 'norms.safetensors');
    writeSafetensors(normFile, norms);
    const output = join(tmp, 'two.safetensors');
    const r = await mila('features', '--model', TINY, '--checkpoint', WEIGHTS.pth, '--checkpoint', normFile, '--input', join(GOLDEN_DIR, 'tiny_det_64/io.safetensors'), '--output', output);
    expect(r.err + r.out).not.toMatch(/mila \w+: /);
    expect(r.code).toBe(0);
    expect(r.out).toContain('missing keys (0): none');
    const out0 = readSafetensors(output).get('out0')!;
    const bias = sd.get('norm0.bias')!.data as Float32Array;
    const hw = 16 * 16;
    for (const c of [0, 7, 15]) expect(out0.data[c * hw + 5]).toBeCloseTo(bias[c]!, 6);
  });

  it('classify writes logits matching the golden classifier', async () => {
    const output = join(tmp, 'logits.safetensors');
    const r = await mila('classify', '--model', TINY, '--checkpoint', WEIGHTS.safetensors, '--input', join(GOLDEN_DIR, 'tiny_cls_64/io.safetensors'), '--output', output);
    expect(r.err + r.out).not.toMatch(/mila \w+: /);
    expect(r.code).toBe(0);
    expect(r.out).toContain('unexpected keys (8): norm0.weight');
    const logits = readSafetensors(output).get('logits')!;
    expect(logits.shape).toEqual([1, 10]);
    expect(maxAbsDiff(logits.data as Float32Array, goldenCase('tiny_cls_64').io.get('logits')!.data as Float32Array)).toBeLessThanOrEqual(1e-4);
  });

  it('params prints per-module counts and the total last (meta.json values)', async () => {
    const r = await mila('params', '--model', TINY, '--backend', 'cpu');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.at(-1)).toBe('total 499784');
    expect(lines).toContain('patch_embed 7208');
    expect(lines.find((l) => l.startsWith('layers '))!.split(/\s+/)[1]).toBe('492096');
  });

  it('errors are one line with exit code 1: missing file, non-checkpoint, refused global, wrong rank', async () => {
    const input = join(GOLDEN_DIR, 'tiny_det_64/io.safetensors');
    const run = (ckpt: string, inp = input) => mila('features', '--model', TINY, '--checkpoint', ckpt, '--input', inp, '--output', join(tmp, 'x.safetensors'));
    let r = await run(join(tmp, 'absent.pth'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`mila features: checkpoint file not found: ${join(tmp, 'absent.pth')}\n`);
    r = await run(join(GOLDEN_DIR, 'tiny_det_64/meta.json'));
    expect(r.err).toMatch(/^mila features: .*meta\.json: not a checkpoint \(neither a PyTorch zip \.pth nor a \.safetensors file\)\n$/);
    // GLOBAL 'os system', ('id',), REDUCE, STOP: what a malicious .pth would carry.
    const evil = join(tmp, 'evil.pth');
    const pkl = new Uint8Array([0x80, 0x02, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x8c, 2, 0x69, 0x64, 0x85, 0x52, 0x2e]);
    writeFileSync(evil, zipSync({ 'evil/data.pkl': pkl }, { level: 0 }));
    r = await run(evil);
    expect(r.code).toBe(1);
    expect(r.err).toBe("mila features: refusing to unpickle global 'os.system' in evil.pth: only state-dict types are allowed\n");
    const rank3 = join(tmp, 'rank3.safetensors');
    writeSafetensors(rank3, new Map([['input', { dtype: 'float32', shape: [3, 8, 8], data: new Float32Array(192) }]]));
    r = await run(WEIGHTS.pth, rank3);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`mila features: ${rank3}: tensor 'input' must be NCHW [batch, 3, height, width], got rank 3 shape [3, 8, 8]\n`);
    r = await mila('features', '--model', '{"embedDim":16}', '--input', input, '--output', join(tmp, 'x.safetensors'));
    expect(r.code).toBe(1);
    expect(r.err.split('\n').length).toBe(2);
  });

  it('a hostile --input (negative, fractional or oversized shape, integer dtype) is one line naming the file and the tensor', async () => {
    const header = (shape: unknown[], dtype = 'F32', bytes = 0) => {
      const json = Buffer.from(JSON.stringify({ input: { dtype, shape, data_offsets: [0, bytes] } }));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, json, Buffer.alloc(bytes)]);
    };
    const cases: [Buffer, RegExp][] = [
      [header([1, 3, -4, 4]), /tensor 'input': dimension 2 of shape \[1, 3, -4, 4\] is not a non-negative integer$/],
      [header([1, 3, 4.5, 4], 'F32', 216), /tensor 'input': dimension 2 of shape \[1, 3, 4\.5, 4\] is not a non-negative integer$/],
      [header([1, 3, 100000, 100000], 'F32', 16), /tensor 'input': shape \[1, 3, 100000, 100000\] has more than the 2147483647 elements/],
      [header([1, 3, 4, 4], 'I32', 192), /tensor 'input' must be floating point, got int32$/],
    ];
    for (const [i, [bytes, message]] of cases.entries()) {
      const file = join(tmp, `hostile-input-${i}.safetensors`);
      writeFileSync(file, bytes);
      for (const command of ['features', 'classify']) {
        const r = await mila(command, '--model', TINY, '--input', file, '--output', join(tmp, 'x.safetensors'));
        expect(r.code).toBe(1);
        const lines = r.err.trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]!.startsWith(`mila ${command}: ${file}: `), lines[0]).toBe(true);
        expect(lines[0]).toMatch(message);
      }
    }
  });
});
