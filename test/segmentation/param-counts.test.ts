import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { EncoderDecoder } from '../../models/segmentor/encoder-decoder.js';
import { UPERNET_MILA_B, UPERNET_MILA_S, UPERNET_MILA_T } from '../../configs/upernet.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('UperNet parameter counts and names (mmseg upernet_swin.py with the MILA backbone)', () => {
  it('MILA-B: 127,637,468 in all, decode head 31,497,366, auxiliary head 923,798, named as mmseg', () => {
    const model = new EncoderDecoder(UPERNET_MILA_B.model);
    const decode = model.decodeHead;
    const aux = model.auxiliaryHead!;
    // The published "128M" of mlla_b_upernet.py, auxiliary head included.
    expect(model.numParameters()).toBe(127_637_468);
    expect(model.namedChildren().map(([k]) => k)).toEqual(['backbone', 'decode_head', 'auxiliary_head']);
    expect(decode.numParameters()).toBe(31_497_366);
    expect(aux.numParameters()).toBe(923_798);
    const names = new Map(decode.namedParameters('decode_head.').map(([k, v]) => [k, v.shape]));
    // tfjs layout: conv weights HWIO. PyTorch shapes would be [512, 768, 1, 1], [512, 2816, 3, 3], ...
    expect(names.get('decode_head.psp_modules.0.1.conv.weight')).toEqual([1, 1, 768, 512]);
    expect(names.get('decode_head.psp_modules.3.1.bn.weight')).toEqual([512]);
    expect(names.get('decode_head.bottleneck.conv.weight')).toEqual([3, 3, 768 + 4 * 512, 512]);
    expect(names.get('decode_head.bottleneck.bn.weight')).toEqual([512]);
    expect(names.get('decode_head.lateral_convs.2.conv.weight')).toEqual([1, 1, 384, 512]);
    expect(names.get('decode_head.fpn_convs.0.conv.weight')).toEqual([3, 3, 512, 512]);
    expect(names.get('decode_head.fpn_bottleneck.conv.weight')).toEqual([3, 3, 2048, 512]);
    expect(names.get('decode_head.conv_seg.weight')).toEqual([1, 1, 512, 150]);
    expect(names.get('decode_head.conv_seg.bias')).toEqual([150]);
    // ConvModules with BN have no conv bias, as mmcv's ConvModule(bias='auto').
    expect(names.has('decode_head.bottleneck.conv.bias')).toBe(false);
    const auxNames = aux.namedParameters('auxiliary_head.').map(([k]) => k);
    expect(auxNames).toEqual([
      'auxiliary_head.conv_seg.weight',
      'auxiliary_head.conv_seg.bias',
      'auxiliary_head.convs.0.conv.weight',
      'auxiliary_head.convs.0.bn.weight',
      'auxiliary_head.convs.0.bn.bias',
    ]);
    // Buffers as mmseg state dicts hold them.
    const buffers = decode.namedBuffers('decode_head.').map(([k]) => k);
    expect(buffers).toContain('decode_head.bottleneck.bn.running_mean');
    expect(buffers).toContain('decode_head.bottleneck.bn.num_batches_tracked');
    const sd = aux.stateDict();
    expect(sd.get('convs.0.conv.weight')!.shape).toEqual([256, 384, 3, 3]);
    model.dispose();
  });

  it('MILA-T: 54,187,724 in all (decode head 29,678,742, auxiliary head 628,886); S shares its heads', () => {
    // By hand: PPM 4*(512*512 + 2*512) + bottleneck (512+2048)*512*9 + 1024 + laterals (64+128+256)*512 + 3*1024
    // + fpn convs 3*(512*512*9 + 1024) + fpn_bottleneck 2048*512*9 + 1024 + conv_seg 512*150 + 150.
    const hand = 4 * (512 * 512 + 1024) + (2560 * 512 * 9 + 1024) + (448 * 512 + 3072) + 3 * (512 * 512 * 9 + 1024) + (2048 * 512 * 9 + 1024) + (512 * 150 + 150);
    expect(hand).toBe(29_678_742);
    // S has T's stage channels, so its heads are T's (constructing 30M parameters twice would only cost time).
    expect(UPERNET_MILA_S.model.decodeHead).toEqual(UPERNET_MILA_T.model.decodeHead);
    expect(UPERNET_MILA_S.model.auxiliaryHead).toEqual(UPERNET_MILA_T.model.auxiliaryHead);
    const model = new EncoderDecoder(UPERNET_MILA_T.model);
    expect(model.numParameters()).toBe(54_187_724);
    expect(model.decodeHead.numParameters()).toBe(29_678_742);
    expect(model.auxiliaryHead!.numParameters()).toBe(628_886);
    expect(256 * 256 * 9 + 512 + 256 * 150 + 150).toBe(628_886);
    model.dispose();
  });
});
