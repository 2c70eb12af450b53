import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';

describe('MILA-B preset', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  it('mila_b has 95,216,304 parameters (the official detection backbone)', () => {
    const m = new MilaBackbone('mila_b');
    expect(m.numParameters()).toBe(95_216_304);
    expect(m.outShapes).toEqual([
      { channels: 96, stride: 4 },
      { channels: 192, stride: 8 },
      { channels: 384, stride: 16 },
      { channels: 768, stride: 32 },
    ]);
    m.dispose();
  });
});
