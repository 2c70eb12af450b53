import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../core/backend.js';
import { Linear } from '../../core/layers/index.js';
import { addPrefix, mergeStateDicts, stripPrefix } from '../../core/checkpoint/state-dict.js';
import { loadCheckpointsInto, formatLoadReport } from '../../core/checkpoint/load-into.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { StateDict } from '../../core/host-tensor.js';

const t = (v: number[]) => ({ dtype: 'float32' as const, shape: [v.length], data: Float32Array.from(v) });

describe('state dict helpers', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  it('stripPrefix keeps only the prefixed keys (mmcv _load_checkpoint_with_prefix); addPrefix inverts it', () => {
    const sd: StateDict = new Map([['backbone.a', t([1])], ['neck.b', t([2])], ['backbone.c.d', t([3])]]);
    const bb = stripPrefix(sd, 'backbone.');
    expect([...bb.keys()]).toEqual(['a', 'c.d']);
    expect([...addPrefix(bb, 'backbone.').keys()]).toEqual(['backbone.a', 'backbone.c.d']);
  });

  it('mergeStateDicts: later keys override earlier ones', () => {
    const m = mergeStateDicts(new Map([['a', t([1])], ['b', t([2])]]), new Map([['b', t([20])], ['c', t([30])]]));
    expect([...m].map(([k, v]) => [k, v.data[0]])).toEqual([['a', 1], ['b', 20], ['c', 30]]);
  });

  it('loadCheckpointsInto takes the backbone.* part of a whole-model checkpoint and reports like strict=False', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mila-sd-'));
    const file = join(dir, 'detector.safetensors');
    writeSafetensors(
      file,
      new Map([
        ['backbone.weight', { dtype: 'float32', shape: [1, 2], data: Float32Array.from([3, 4]) }],
        ['backbone.extra', t([0])],
        ['roi_head.fc.weight', t([9])],
      ]),
    );
    const l = new Linear(2, 1);
    const r = loadCheckpointsInto(l, [file]);
    expect(r.strippedPrefix).toBe('backbone.');
    expect(r.missingKeys).toEqual(['bias']);
    expect(r.unexpectedKeys).toEqual(['extra']);
    expect([...l.weight.dataSync()]).toEqual([3, 4]);
    expect(formatLoadReport(r)).toEqual([`using the 'backbone.*' keys of ${file}`, 'missing keys (1): bias', 'unexpected keys (1): extra']);
    l.dispose();
  });
});
