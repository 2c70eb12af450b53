import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSeed } from '../../core/rng.js';
import { Runner } from '../../train/runner.js';
import { registerHook, type RunnerHook } from '../../train/hooks/index.js';
import { TinyModel, tinyConfig, tinyData, useCpuAndTmpDirs } from './tiny-model.js';

const tmp = useCpuAndTmpDirs('mila-hooks-');

/** Records every moment it sees as `name:point@iter`. */
function recorder(name: string, events: string[], priority?: RunnerHook['priority']): RunnerHook {
  const at = (point: string) => (r: Runner<unknown>) => void events.push(`${name}:${point}@${r.iter}`);
  return {
    priority,
    beforeRun: at('beforeRun'),
    afterRun: at('afterRun'),
    beforeTrainEpoch: at('beforeTrainEpoch'),
    afterTrainEpoch: at('afterTrainEpoch'),
    beforeTrainIter: at('beforeTrainIter'),
    afterTrainIter: at('afterTrainIter'),
    beforeValEpoch: at('beforeValEpoch'),
    afterValEpoch: at('afterValEpoch'),
  };
}

function runner(over: Parameters<typeof tinyConfig>[0], opts: Partial<ConstructorParameters<typeof Runner>[0]> = {}): { r: Runner<unknown>; m: TinyModel } {
  manualSeed(1);
  const m = new TinyModel();
  const r = new Runner<unknown>({ model: m as never, data: tinyData(7) as never, config: tinyConfig(over), workDir: null, log: () => {}, progressBar: false, ...opts });
  return { r, m };
}

describe('runner hooks', () => {
  it('are called at mmcv moments, epochs and evaluations included, in that order', async () => {
    const events: string[] = [];
    // 5 batches per epoch, 6 iterations: epoch 1 complete, epoch 2 stopped after one batch; evaluation at 3 and 6.
    const { r, m } = runner({ max: 6, evalInterval: 3 }, { evaluate: async () => ({ score: 1 }), hooks: [recorder('u', events)] });
    await r.run();
    const it = (i: number) => [`u:beforeTrainIter@${i - 1}`, `u:afterTrainIter@${i}`];
    const val = (i: number) => [`u:beforeValEpoch@${i}`, `u:afterValEpoch@${i}`];
    expect(events).toEqual([
      'u:beforeRun@0',
      'u:beforeTrainEpoch@0',
      ...it(1), ...it(2), ...it(3), ...val(3), ...it(4), ...it(5),
      'u:afterTrainEpoch@5',
      'u:beforeTrainEpoch@5',
      ...it(6), ...val(6),
      'u:afterRun@6',
    ]);
    r.dispose();
    m.dispose();
  });

  it('run by priority, equal priorities in registration order, around the built-in ones', async () => {
    const lrs: Record<string, number[]> = { before: [], after: [] };
    const seen: Record<string, number[]> = { high: [], lowest: [] };
    const events: string[] = [];
    const dir = tmp();
    const { r, m } = runner({ max: 2, checkpointInterval: 2 }, {
      workDir: dir,
      hooks: [
        // Before the LrUpdaterHook (VERY_HIGH): still the previous iteration's lr (0 before the first).
        { priority: 'HIGHEST', beforeTrainIter: (x) => void lrs.before!.push(x.lr) },
        { priority: 'HIGH', beforeTrainIter: (x) => void lrs.after!.push(x.lr), afterTrainIter: (x) => void seen.high!.push(x.checkpoints.length) },
        // After the CheckpointHook (NORMAL): the checkpoint of iteration 2 is already written.
        { priority: 'LOWEST', afterTrainIter: (x) => void seen.lowest!.push(x.checkpoints.length) },
        recorder('a', events, 'LOW'),
        recorder('b', events, 60),
        recorder('c', events, 'LOW'),
      ],
    });
    await r.run();
    // Warm-up 4 iterations from 0.1 of lr 0.02: 0.002, then 0.002 + 0.018 / 4.
    expect(lrs.after).toEqual([r.lrAt(0), r.lrAt(1)]);
    expect(lrs.after![0]).toBeCloseTo(0.002, 9);
    expect(lrs.before).toEqual([0, r.lrAt(0)]);
    expect(seen.high).toEqual([0, 0]);
    expect(seen.lowest).toEqual([0, 1]);
    expect(events.filter((e) => e.endsWith('afterTrainIter@1'))).toEqual(['b:afterTrainIter@1', 'a:afterTrainIter@1', 'c:afterTrainIter@1']);
    r.dispose();
    m.dispose();
  });

  it('can stop a run early, with a checkpoint and a log line where it stops (an early-stop hook)', async () => {
    const dir = tmp();
    const lines: string[] = [];
    const earlyStop: RunnerHook = { priority: 'HIGH', afterTrainIter: (x) => (x.iter === 3 ? x.stop() : undefined) };
    const { r, m } = runner({ max: 8, logInterval: 5, checkpointInterval: 100 }, { workDir: dir, log: (l) => lines.push(l), hooks: [earlyStop] });
    const res = await r.run();
    expect(res.iter).toBe(3);
    expect(res.checkpoints).toEqual([join(dir, 'iter_3')]);
    expect(lines.filter((l) => l.startsWith('Iter ['))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('Iter ['))).toMatch(/^Iter \[3\/8\]\t/);
    r.dispose();
    m.dispose();
  });

  it('come from the config: customHooks names registered types, ScalarLoggerHook writes dashboard scalars', async () => {
    const events: string[] = [];
    registerHook<{ type: string; name: string }>('RecordingHookForTest', (cfg) => recorder(cfg.name, events));
    const dir = tmp();
    manualSeed(1);
    const m = new TinyModel();
    const cfg = tinyConfig({ max: 4, logInterval: 2, evalInterval: 4 });
    cfg.customHooks = [{ type: 'RecordingHookForTest', name: 'cfg', priority: 'LOWEST' }, { type: 'ScalarLoggerHook' }];
    const r = new Runner({ model: m, data: tinyData(7), config: cfg, workDir: dir, log: () => {}, progressBar: false, evaluate: async ({ iter }) => ({ score: iter / 10 }) });
    await r.run();
    expect(events.filter((e) => e.includes('afterTrainIter'))).toEqual(['cfg:afterTrainIter@1', 'cfg:afterTrainIter@2', 'cfg:afterTrainIter@3', 'cfg:afterTrainIter@4']);
    const scalars = readFileSync(join(dir, 'scalars.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tag: string; value: number; step: number });
    expect(new Set(scalars.filter((s) => s.tag.startsWith('train/')).map((s) => s.step))).toEqual(new Set([2, 4]));
    expect(scalars.filter((s) => s.step === 2).map((s) => s.tag)).toEqual(['train/loss_mse', 'train/loss_l1', 'train/acc', 'train/loss', 'train/grad_norm', 'train/lr']);
    expect(scalars.find((s) => s.tag === 'val/score')).toMatchObject({ value: 0.4, step: 4 });
    // The same averages as the text logger's log.jsonl.
    const log = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | string>);
    const train4 = log.find((l) => l.mode === 'train' && l.iter === 4)!;
    expect(scalars.find((s) => s.tag === 'train/loss' && s.step === 4)!.value).toBe(train4.loss);
    expect(scalars.find((s) => s.tag === 'train/lr' && s.step === 4)!.value).toBe(train4.lr);
    expect(log.map((l) => `${l.mode}@${l.iter}`)).toEqual(['train@2', 'train@4', 'val@4']);
    r.dispose();
    m.dispose();
  });

  it('refuse an unknown customHooks type in one line naming the registered ones', () => {
    const cfg = tinyConfig();
    cfg.customHooks = [{ type: 'TensorboardLoggerHook' }];
    manualSeed(1);
    const m = new TinyModel();
    expect(() => new Runner({ model: m, data: tinyData(7), config: cfg, workDir: null, progressBar: false })).toThrow(/^unknown hook type 'TensorboardLoggerHook'; registered: .*ScalarLoggerHook/);
    m.dispose();
  });
});
