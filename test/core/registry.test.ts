import { describe, expect, it } from 'vitest';
import { BACKBONES, HEADS, NECKS, Registry, requireMethods } from '../../core/registry.js';
import { UserError } from '../../core/errors.js';
import '../../models/builtin-components.js';

describe('component registries', () => {
  it('know every type the presets name once the model builders are loaded', () => {
    expect(BACKBONES.types()).toEqual(['MILA', 'TinyConv']);
    expect(NECKS.types()).toEqual(['FPN']);
    expect(HEADS.types()).toEqual(['FCNHead', 'RPNHead', 'StandardRoIHead', 'UPerHead']);
  });

  it('build by type, refuse a second registration of a type unless forced', () => {
    const r = new Registry<number, string>('widget');
    r.register('Plain', (cfg, n) => `${cfg.type}:${String(cfg.size)}:${n}`);
    expect(r.build({ type: 'Plain', size: 3 } as { type: string }, 7)).toBe('Plain:3:7');
    expect(() => r.register('Plain', () => 'other')).toThrow("widget type 'Plain' is registered twice");
    r.register('Plain', () => 'other', { force: true });
    expect(r.build({ type: 'Plain' }, 0)).toBe('other');
  });

  it('name an unknown type in one line, with close matches and what is registered', () => {
    const r = new Registry<void, string>('widget');
    r.register('FancyWidget', () => 'x');
    const build = () => r.build({ type: 'FancyWidgit' }, undefined);
    expect(build).toThrow(UserError);
    expect(build).toThrow(/^unknown widget type 'FancyWidgit' \(did you mean FancyWidget\?\); registered: FancyWidget\. /);
    expect(() => r.build({} as { type: string }, undefined)).toThrow("a widget config needs a string 'type', got {}");
  });

  it('check that a component has the methods its slot calls', () => {
    const head = { forward() {}, losses: 1 };
    expect(() => requireMethods(head, ['forward', 'losses', 'init'], "decode head 'Mine'")).toThrow("decode head 'Mine' lacks losses(), init(), which the model calls");
    expect(() => requireMethods(head, ['forward'], 'x')).not.toThrow();
  });
});
