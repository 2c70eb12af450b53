/**
 * A diverging training (issue 13, item 6): a NaN/Inf loss, gradient norm or running statistic stops the run
 * before the optimizer step, in one line naming the iteration; nothing non-finite is saved; `last_checkpoint`
 * keeps naming the last good checkpoint and `--resume` continues from it; checkpoints holding NaN weights or
 * moments (written by older versions, or by hand) are refused on load naming the file and the tensor.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '../../core/checkpoint/index.js';
import { UserError } from '../../core/errors.js';
import type { StateDict } from '../../core/host-tensor.js';
import { manualSeed } from '../../core/rng.js';
import type { LossTerms } from '../../models/types.js';
import { Runner, lastCheckpointIn, type TrainData } from '../../train/runner.js';
import { TinyModel, tinyConfig, tinyData, useCpuAndTmpDirs, type TinyBatch } from './tiny-model.js';

const tmp = useCpuAndTmpDirs('mila-nonfinite-');

type Poison = 'loss' | 'grad' | 'buffer';
interface PoisonBatch extends TinyBatch {
  poison?: Poison;
}

/** TinyModel with a running statistic (as BatchNorm's) and batches that can make one step non-finite. */
class PoisonModel extends TinyModel {
  readonly stat = this.registerBuffer('stat', tf.zeros([2]));

  override forwardTrain(b: PoisonBatch): LossTerms {
    const terms = super.forwardTrain(b);
    if (b.poison === 'buffer') this.stat.assign(tf.tensor1d([0, Infinity]));
    if (b.poison === 'grad') {
      // sqrt(sum((w - w)^2)) is 0, its gradient 0 * (1 / 0) = NaN: a finite loss with NaN gradients.
      const w = this.fc2.namedParameters()[0]![1];
      terms.loss_poison = tf.sqrt(tf.sum(tf.square(tf.sub(w, w)))) as tf.Scalar;
    }
    return terms;
  }
}

/** tinyData(7) with iteration `at` (from 1) poisoned: its targets NaN for 'loss', flagged otherwise. */
function poisonedData(at: number, kind: Poison): TrainData<PoisonBatch> {
  const base = tinyData(7);
  return {
    batchesPerEpoch: base.batchesPerEpoch,
    *epochBatches(epoch: number, start: number) {
      let iter = epoch * base.batchesPerEpoch + start;
      for (const b of base.epochBatches(epoch, start) as Iterable<TinyBatch>) {
        iter++;
        if (iter !== at) yield b;
        else if (kind === 'loss') yield { ...b, y: b.y.map(() => NaN) };
        else yield { ...b, poison: kind };
      }
    },
  };
}

function hostValues(sd: StateDict): Record<string, number[]> {
  return Object.fromEntries([...sd].filter(([, t]) => t.dtype === 'float32').map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
}

async function runToFailure(r: Runner<PoisonBatch>): Promise<UserError> {
  let err: unknown;
  try {
    await r.run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).not.toContain('\n');
  return err as UserError;
}

const WHAT: Record<Poison, RegExp> = {
  loss: /^iteration 3: loss is NaN \(loss_mse=NaN, loss_l1=NaN, acc=0\); /,
  grad: /^iteration 3: gradient norm is NaN \(NaN or infinite gradients in 1 parameter, first fc2\.weight; loss [\d.]+\); /,
  buffer: /^iteration 3: stat became NaN or infinite in the forward pass \(loss [\d.]+\); /,
};

describe('a non-finite training step', () => {
  for (const kind of ['loss', 'grad', 'buffer'] as const) {
    it(`${kind}: stops before the optimizer step, saves nothing more, last_checkpoint names iter_2, --resume continues`, async () => {
      const dir = tmp();
      manualSeed(1);
      const m = new PoisonModel();
      const cfg = tinyConfig({ checkpointInterval: 1 });
      const r = new Runner({ model: m, data: poisonedData(3, kind), config: cfg, workDir: dir, log: () => {}, progressBar: false });
      const err = await runToFailure(r);
      expect(err.message).toMatch(WHAT[kind]);
      expect(err.message).toMatch(new RegExp(`; stopped before the optimizer step, the last checkpoint is ${join(dir, 'iter_2')} \\(--resume continues from it\\); a lower optimizer\\.lr may help$`));
      expect(lastCheckpointIn(dir)).toBe(join(dir, 'iter_2'));
      expect(readdirSync(dir).filter((f) => f.startsWith('iter_3'))).toEqual([]);
      // The optimizer never saw the bad step: parameters and moments are those of iteration 2's checkpoint.
      const saved = loadTrainingCheckpoint(join(dir, 'iter_2'));
      const params = hostValues(m.stateDict());
      delete params.stat; // the forward pass itself wrote the running statistic
      const savedParams = hostValues(saved.model);
      delete savedParams.stat;
      expect(params).toEqual(savedParams);
      expect(hostValues(r.optimizer.stateDict())).toEqual(hostValues(saved.optimizer));
      r.dispose();
      m.dispose();

      // --resume from it with clean data runs to the end with finite weights.
      manualSeed(5);
      const m2 = new PoisonModel();
      const r2 = new Runner({ model: m2, data: poisonedData(0, kind), config: cfg, workDir: dir, resumeFrom: lastCheckpointIn(dir), log: () => {}, progressBar: false });
      expect((await r2.run()).iter).toBe(8);
      expect(lastCheckpointIn(dir)).toBe(join(dir, 'iter_8'));
      for (const v of Object.values(hostValues(m2.stateDict()))) expect(v.every(Number.isFinite)).toBe(true);
      r2.dispose();
      m2.dispose();
    });
  }

  it('a checkpoint of non-finite weights is not written (the finite previous one stays last)', async () => {
    const dir = tmp();
    manualSeed(2);
    const m = new PoisonModel();
    const r = new Runner({ model: m, data: tinyData(7), config: tinyConfig({ checkpointInterval: 1 }), workDir: dir, stopAtIter: 2, log: () => {}, progressBar: false });
    await r.run();
    const w = m.fc1.namedParameters()[0]![1];
    const values = Float32Array.from(w.dataSync() as Float32Array);
    values[5] = NaN;
    const poisoned = tf.tensor(values, w.shape);
    w.assign(poisoned);
    poisoned.dispose();
    let err: unknown;
    try {
      r.saveCheckpoint('iter_3');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `iteration 2: fc1.weight has 1 of 24 values NaN or infinite (the training diverged); ${join(dir, 'iter_3')} not saved, the last checkpoint is ${join(dir, 'iter_2')} (--resume continues from it)`,
    );
    expect(existsSync(join(dir, 'iter_3.safetensors'))).toBe(false);
    expect(lastCheckpointIn(dir)).toBe(join(dir, 'iter_2'));
    r.dispose();
    m.dispose();
  });

  it('resuming from a checkpoint with NaN weights or NaN moments is refused naming the file and the tensor', async () => {
    const dir = tmp();
    manualSeed(3);
    const m = new PoisonModel();
    const r = new Runner({ model: m, data: tinyData(7), config: tinyConfig({ checkpointInterval: 1 }), workDir: dir, stopAtIter: 1, log: () => {}, progressBar: false });
    await r.run();
    r.dispose();
    const good = loadTrainingCheckpoint(join(dir, 'iter_1'));
    const withNaN = (sd: StateDict, key: string): StateDict => {
      const t = sd.get(key)!;
      const data = Float32Array.from(t.data as Float32Array);
      data[data.length - 1] = key.endsWith('bias') ? Infinity : NaN;
      return new Map([...sd, [key, { ...t, data }]]);
    };
    const cases = [
      { name: 'bad_model', ckpt: { ...good, model: withNaN(good.model, 'fc2.bias') }, file: 'bad_model.safetensors', msg: 'fc2.bias: 1 of 1 values are NaN or infinite (weights of a diverged training?); refusing to load them' },
      {
        name: 'bad_optim',
        ckpt: { ...good, optimizer: withNaN(good.optimizer, [...good.optimizer.keys()].find((k) => k.includes('exp_avg_sq'))!) },
        file: 'bad_optim.optim.safetensors',
        msg: /exp_avg_sq\.fc1\.weight: 1 of 24 values are NaN or infinite \(state of a diverged training\?\); refusing to resume from it$/,
      },
    ];
    for (const c of cases) {
      saveTrainingCheckpoint(join(dir, c.name), c.ckpt);
      const m2 = new PoisonModel();
      const r2 = new Runner({ model: m2, data: tinyData(7), config: tinyConfig(), workDir: null, resumeFrom: join(dir, c.name), log: () => {}, progressBar: false });
      const err = await runToFailure(r2);
      expect(err.message.startsWith(`${join(dir, c.file)}: `), err.message).toBe(true);
      if (typeof c.msg === 'string') expect(err.message).toBe(`${join(dir, c.file)}: ${c.msg}`);
      else expect(err.message).toMatch(c.msg);
      r2.dispose();
      m2.dispose();
    }
    m.dispose();
  });
});
