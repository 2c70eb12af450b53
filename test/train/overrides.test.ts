import { describe, expect, it } from 'vitest';
import { applyOverrides, parseOverrideValue } from '../../configs/overrides.js';
import { UserError } from '../../core/errors.js';

const cfg = () => ({
  name: 'x',
  optimizer: { lr: 1e-4, betas: [0.9, 0.999], gradClip: null as null | { maxNorm: number } },
  runner: { type: 'epoch', max: 12, logInterval: 50 },
  data: { samplesPerGpu: 2, train: { pipeline: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip', flipRatio: 0.5 }] } },
});

describe('--set overrides', () => {
  it('parses values as JSON where they parse, else keeps the text', () => {
    expect(parseOverrideValue('2e-4')).toBe(2e-4);
    expect(parseOverrideValue('true')).toBe(true);
    expect(parseOverrideValue('null')).toBe(null);
    expect(parseOverrideValue('[0.8,0.99]')).toEqual([0.8, 0.99]);
    expect(parseOverrideValue('{"maxNorm":35}')).toEqual({ maxNorm: 35 });
    expect(parseOverrideValue('iter')).toBe('iter');
  });

  it('sets dotted keys, array indices included', () => {
    const c = applyOverrides(cfg(), [
      'optimizer.lr=2e-4',
      'runner.type=iter',
      'runner.max=3',
      'optimizer.betas=[0.8,0.99]',
      'optimizer.gradClip={"maxNorm":35}',
      'data.train.pipeline.1.flipRatio=0',
      'name=123',
    ]);
    expect(c.optimizer.lr).toBe(2e-4);
    expect(c.runner).toEqual({ type: 'iter', max: 3, logInterval: 50 });
    expect(c.optimizer.betas).toEqual([0.8, 0.99]);
    expect(c.optimizer.gradClip).toEqual({ maxNorm: 35 });
    expect(c.data.train.pipeline[1]).toEqual({ type: 'RandomFlip', flipRatio: 0 });
    expect(c.name).toBe('123'); // a string option keeps the raw text
  });

  it('rejects an unknown key in one line, naming it and its close matches', () => {
    const err = (() => {
      try {
        applyOverrides(cfg(), ['optimizer.lrr=1']);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(UserError);
    expect(err!.message).toBe("--set: unknown config key 'optimizer.lrr' (did you mean optimizer.lr?)");
    expect(() => applyOverrides(cfg(), ['runner.maxx=2'])).toThrow(/unknown config key 'runner.maxx' \(did you mean runner.max\b/);
    expect(() => applyOverrides(cfg(), ['samplesPerGpu=4'])).toThrow(/unknown config key 'samplesPerGpu' \(did you mean data.samplesPerGpu\?\)/);
    expect(() => applyOverrides(cfg(), ['zzzzzzzz=4'])).toThrow(/^--set: unknown config key 'zzzzzzzz'$/);
    expect(() => applyOverrides(cfg(), ['optimizer.lr.x=4'])).toThrow(/unknown config key 'optimizer.lr.x'/);
  });

  it('rejects a value of the wrong kind and a malformed assignment', () => {
    expect(() => applyOverrides(cfg(), ['runner.max=ten'])).toThrow(/--set runner.max: expects number like 12, got "ten"/);
    expect(() => applyOverrides(cfg(), ['optimizer.betas=0.9'])).toThrow(/expects array/);
    expect(() => applyOverrides(cfg(), ['optimizer.lr'])).toThrow(/expected key=value/);
  });
});
