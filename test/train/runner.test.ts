import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { manualSeed } from '../../core/rng.js';
import { Runner, lastCheckpointIn } from '../../train/runner.js';
import { TinyModel, tinyConfig, tinyData, useCpuAndTmpDirs } from './tiny-model.js';

const tmp = useCpuAndTmpDirs('mila-runner-');

function weights(m: TinyModel): Record<string, number[]> {
  return Object.fromEntries(m.namedParameters().map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe('Runner', () => {
  it('resumes exactly: 8 iterations straight equal 3 + resume + 5 (weights, optimizer moments, lr, data order, RNG)', async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);

    manualSeed(1);
    const a = new TinyModel();
    const before = weights(a);
    const ra = new Runner({ model: a, data: tinyData(7), config: tinyConfig(), workDir: tmp(), log, progressBar: false });
    const resA = await ra.run();
    expect(resA.iter).toBe(8);
    expect(weights(a)).not.toEqual(before); // it trained

    manualSeed(1);
    const b1 = new TinyModel();
    const dirB = tmp();
    const rb1 = new Runner({ model: b1, data: tinyData(7), config: tinyConfig(), workDir: dirB, stopAtIter: 3, log, progressBar: false });
    expect((await rb1.run()).iter).toBe(3);
    expect(lastCheckpointIn(dirB)).toBe(join(dirB, 'iter_3'));
    const sidecar = JSON.parse(readFileSync(join(dirB, 'iter_3.json'), 'utf8'));
    expect(sidecar.meta.state).toMatchObject({ iter: 3, epoch: 0, batchInEpoch: 3, batchesPerEpoch: 5, seed: 7 });
    expect(sidecar.meta.config.name).toBe('tiny');

    manualSeed(99); // a different initialisation: everything must come from the checkpoint
    const b2 = new TinyModel();
    const rb2 = new Runner({ model: b2, data: tinyData(7), config: tinyConfig(), workDir: dirB, resumeFrom: lastCheckpointIn(dirB), log, progressBar: false });
    const resB = await rb2.run();
    expect(resB.iter).toBe(8);
    expect(lines.some((l) => l.startsWith('resumed from') && l.includes('at iteration 3'))).toBe(true);

    expect(weights(b2)).toEqual(weights(a));
    const sa = ra.optimizer.stateDict();
    const sb = rb2.optimizer.stateDict();
    for (const [k, v] of sa) expect(Array.from(sb.get(k)!.data as ArrayLike<number | bigint>), k).toEqual(Array.from(v.data as ArrayLike<number | bigint>));
    expect(lastCheckpointIn(dirB)).toBe(join(dirB, 'iter_8'));

    // The log lines carry each term (averaged), lr, time and ETA; 'acc' is logged but not part of 'loss'.
    const logLine = lines.find((l) => l.startsWith('Iter [2/8]'))!;
    expect(logLine).toMatch(/lr: [\d.e+-]+, eta: \d+:\d\d:\d\d, time: [\d.]+, data_time: [\d.]+, loss_mse: [\d.]+, loss_l1: [\d.]+, acc: [\d.]+, grad_norm: [\d.]+, loss: [\d.]+/);
    const t = logLine.match(/loss_mse: ([\d.]+), loss_l1: ([\d.]+).*loss: ([\d.]+)$/)!;
    expect(Number(t[3])).toBeCloseTo(Number(t[1]) + Number(t[2]), 3);
    for (const m of [a, b1, b2]) m.dispose();
    for (const r of [ra, rb1, rb2]) r.dispose();
  });

  it('keeps tf.memory().numTensors unchanged across steps and evaluates at the interval in eval mode', async () => {
    manualSeed(3);
    const m = new TinyModel();
    const counts: number[] = [];
    const data = tinyData(7, () => counts.push(tf.memory().numTensors));
    const evalCalls: { iter: number; training: boolean }[] = [];
    const r = new Runner({
      model: m,
      data,
      config: tinyConfig({ max: 7, evalInterval: 3 }),
      workDir: null,
      log: () => {},
      progressBar: false,
      evaluate: async ({ iter }) => {
        evalCalls.push({ iter, training: m.training });
        return { score: iter };
      },
    });
    const res = await r.run();
    expect(counts).toHaveLength(7);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(counts[0]);
    expect(evalCalls).toEqual([
      { iter: 3, training: false },
      { iter: 6, training: false },
      { iter: 7, training: false }, // the last iteration always evaluates
    ]);
    expect(res.evals.map((e) => e.metrics.score)).toEqual([3, 6, 7]);
    expect(m.training).toBe(true);
    r.dispose();
    m.dispose();
  });
});
