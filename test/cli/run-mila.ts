import { Command } from 'commander';
import { vi } from 'vitest';
import * as makeData from '../../cli/commands/make-data.js';
import * as train from '../../cli/commands/train.js';
import * as test from '../../cli/commands/test.js';
import * as infer from '../../cli/commands/infer.js';
import * as segTest from '../../cli/commands/seg-test.js';
import * as cocoEval from '../../cli/commands/coco-eval.js';
import * as segEval from '../../cli/commands/seg-eval.js';
import * as configs from '../../cli/commands/configs.js';
import * as exportCommand from '../../cli/commands/export.js';
import * as features from '../../cli/commands/features.js';
import * as zoo from '../../cli/commands/zoo.js';

export interface MilaRun {
  out: string;
  err: string;
  code: number;
  /** stdout split into its non-empty lines. */
  lines: string[];
}

/**
 * Run `mila <args>` in-process with the real command modules (as cli/mila.ts registers them), so the test
 * exercises the current sources rather than a possibly stale dist/. Returns stdout, stderr and the exit code
 * the CLI would exit with (commands report failure through process.exitCode, see cli/action.ts).
 */
export async function runMila(...args: string[]): Promise<MilaRun> {
  const program = new Command().exitOverride();
  for (const c of [makeData, train, test, infer, segTest, cocoEval, segEval, configs, exportCommand, features, zoo]) c.register(program);
  const out: string[] = [];
  const err: string[] = [];
  const capture = (sink: string[]) => (s: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof s === 'string' ? s : Buffer.from(s).toString());
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  };
  const w1 = vi.spyOn(process.stdout, 'write').mockImplementation(capture(out) as typeof process.stdout.write);
  const w2 = vi.spyOn(process.stderr, 'write').mockImplementation(capture(err) as typeof process.stderr.write);
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(`${a.join(' ')}\n`));
  const warn = vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void err.push(`${a.join(' ')}\n`));
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'mila', ...args]);
    const stdout = out.join('');
    return { out: stdout, err: err.join(''), code: Number(process.exitCode ?? 0), lines: stdout.split('\n').filter((l) => l.length > 0) };
  } finally {
    w1.mockRestore();
    w2.mockRestore();
    log.mockRestore();
    warn.mockRestore();
    process.exitCode = 0;
  }
}
