import { describe, expect, it } from 'vitest';
import {
  PyBinary,
  PyConfigRelativePath,
  PyDict,
  PyName,
  formatExpr,
  formatInline,
  formatModule,
  formatPyFloat,
  formatPyString,
  isIdentifier,
  pyDict,
  pyDictLiteral,
  pyFloat,
  pyList,
  pyTuple,
} from '../../configs/export/python-literal.js';

describe('Python literals for mmcv configs', () => {
  it("prints floats as Python's repr (values checked against CPython 3.11 repr on this machine)", () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1e-4, '0.0001'],
      [6e-5, '6e-05'],
      [1e-6, '1e-06'],
      [1e-8, '1e-08'],
      [0.05, '0.05'],
      [123.675, '123.675'],
      [58.395, '58.395'],
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [123456789012345680, '1.2345678901234568e+17'],
      [2, '2.0'],
      [100, '100.0'],
      [-0, '-0.0'],
      [0, '0.0'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [1 / 3, '0.3333333333333333'],
      [0.30000000000000004, '0.30000000000000004'],
      [0.00012, '0.00012'],
      [-2.5e-7, '-2.5e-07'],
      [12345.678, '12345.678'],
    ];
    for (const [x, repr] of cases) expect(formatPyFloat(x), String(x)).toBe(repr);
    expect(() => formatPyFloat(NaN)).toThrow(/no Python literal/);
    expect(() => formatPyFloat(Infinity)).toThrow(/no Python literal/);
  });

  it('prints JS integers as ints and non-integers as floats unless told', () => {
    expect(formatInline(4)).toBe('4');
    expect(formatInline(-1)).toBe('-1');
    expect(formatInline(0.5)).toBe('0.5');
    expect(formatInline(pyFloat(0))).toBe('0.0');
    expect(formatInline(pyFloat(4))).toBe('4.0');
    expect(() => formatInline(2 ** 60)).toThrow(/not an integer a config can hold exactly/);
  });

  it('quotes strings as Python reads them back, escaping backslashes, quotes, control characters and mmcv templates', () => {
    expect(formatPyString('data/coco/')).toBe("'data/coco/'");
    expect(formatPyString("it's")).toBe("'it\\'s'");
    expect(formatPyString('a\\b')).toBe("'a\\\\b'");
    expect(formatPyString('line\nnext\ttab\r')).toBe("'line\\nnext\\ttab\\r'");
    expect(formatPyString('\u0001\u007f')).toBe("'\\x01\\x7f'");
    expect(formatPyString('bed ')).toBe("'bed '");
    expect(formatPyString('ü€😀')).toBe("'ü€😀'");
    expect(formatPyString('\ud800x')).toBe("'\\ud800x'");
    // mmcv substitutes {{ fileDirname }} in the file text: data must not trigger it.
    expect(formatPyString('{{ fileDirname }}')).toBe("'\\x7b\\x7b fileDirname }}'");
    expect(formatPyString('{a}')).toBe("'{a}'");
  });

  it('writes tuples (with the one-element comma), lists, both dict styles, names and concatenation', () => {
    expect(formatInline(pyTuple([1333, 800]))).toBe('(1333, 800)');
    expect(formatInline(pyTuple([0]))).toBe('(0,)');
    expect(formatInline(pyTuple([]))).toBe('()');
    expect(formatInline(pyList([pyTuple([480, 1333]), pyTuple([512, 1333])]))).toBe('[(480, 1333), (512, 1333)]');
    expect(formatInline(pyDict({ type: 'Pad', size_divisor: 32, skipped: undefined }))).toBe("dict(type='Pad', size_divisor=32)");
    expect(formatInline(pyDictLiteral({ 'backbone.norm': pyDict({ decay_mult: pyFloat(0) }) }))).toBe("{'backbone.norm': dict(decay_mult=0.0)}");
    expect(formatInline(pyDict({ flag: true, off: false, none: null }))).toBe('dict(flag=True, off=False, none=None)');
    expect(formatInline(new PyBinary(new PyName('data_root'), '+', 'val2017/'))).toBe("data_root + 'val2017/'");
    expect(formatInline(new PyConfigRelativePath('model.pth'))).toBe("'{{ fileDirname }}/model.pth'");
    expect(() => pyDict({ 'not-a-name': 1 })).toThrow(/not a Python keyword argument name/);
    expect(() => pyDict({ class: 1 })).toThrow(/not a Python keyword argument name/);
    expect(() => new PyConfigRelativePath("a'b")).toThrow(/plain file name/);
    expect(isIdentifier('num_classes')).toBe(true);
    expect(isIdentifier('None')).toBe(false);
    expect(isIdentifier('2x')).toBe(false);
  });

  it('breaks what does not fit in 100 columns one element per line, keeping short parts inline', () => {
    const scales = pyList([480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800].map((s) => pyTuple([s, 1333])));
    const step = pyDict({ type: 'Resize', img_scale: scales, multiscale_mode: 'value', keep_ratio: true });
    expect(formatExpr(step)).toBe(
      [
        'dict(',
        "    type='Resize',",
        '    img_scale=[',
        '        (480, 1333),',
        '        (512, 1333),',
        '        (544, 1333),',
        '        (576, 1333),',
        '        (608, 1333),',
        '        (640, 1333),',
        '        (672, 1333),',
        '        (704, 1333),',
        '        (736, 1333),',
        '        (768, 1333),',
        '        (800, 1333),',
        '    ],',
        "    multiscale_mode='value',",
        '    keep_ratio=True,',
        ')',
      ].join('\n'),
    );
    expect(formatExpr(new PyDict({}, 'literal'))).toBe('{}');
  });

  it('writes a module: header comment, commented groups, assignments; refuses mmcv\'s reserved names', () => {
    const text = formatModule(['exported'], [
      { name: 'model', value: pyDict({ type: 'MaskRCNN' }) },
      { name: 'load_from', value: null, comment: ['weights'] },
      { name: 'workflow', value: pyList([pyTuple(['train', 1])]) },
    ]);
    expect(text).toBe("# exported\n\nmodel = dict(type='MaskRCNN')\n\n# weights\nload_from = None\nworkflow = [('train', 1)]\n");
    expect(() => formatModule([], [{ name: 'filename', value: 1 }])).toThrow(/cannot be a config variable/);
    expect(() => formatModule([], [{ name: 'a.b', value: 1 }])).toThrow(/cannot be a config variable/);
  });
});
