/**
 * Python source for mmcv config files: literal values (dicts, lists, tuples, numbers, strings, True/False/None)
 * and a module of `name = value` assignments, pretty-printed. Every value the config writers emit goes through
 * here, so quoting, float formatting and tuple/list choices are decided in one place.
 */

/** A Python expression. JS numbers print as ints when integral and as floats otherwise; `PyFloat` forces a float. */
export type PyExpr = null | boolean | number | string | PyFloat | PyList | PyTuple | PyDict | PyName | PyBinary | PyConfigRelativePath;

export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyList {
  constructor(readonly items: readonly PyExpr[]) {}
}

export class PyTuple {
  constructor(readonly items: readonly PyExpr[]) {}
}

/**
 * A dict. `call` style is mmcv's `dict(key=value)` (keyword names only); `literal` style is `{'key': value}`,
 * for keys that are data (paramwise custom keys, class maps). Entries whose value is `undefined` are left out,
 * so a writer can say `{ finest_scale: x === 56 ? undefined : x }`.
 */
export class PyDict {
  readonly entries: readonly (readonly [string, PyExpr])[];
  constructor(
    entries: Record<string, PyExpr | undefined> | readonly (readonly [string, PyExpr | undefined])[],
    readonly style: 'call' | 'literal' = 'call',
  ) {
    const list = Array.isArray(entries) ? entries : Object.entries(entries);
    this.entries = list.filter((e): e is readonly [string, PyExpr] => e[1] !== undefined);
    if (style === 'call') {
      for (const [k] of this.entries) if (!isIdentifier(k)) throw new Error(`dict(${k}=...): '${k}' is not a Python keyword argument name`);
    }
  }
}

/** A reference to a variable assigned earlier in the module (`data_root`). */
export class PyName {
  constructor(readonly name: string) {
    if (!isIdentifier(name)) throw new Error(`'${name}' is not a Python identifier`);
  }
}

/** `left + right` (string concatenation in configs: `data_root + 'annotations/x.json'`). */
export class PyBinary {
  constructor(readonly left: PyExpr, readonly op: '+', readonly right: PyExpr) {}
}

export const pyFloat = (x: number): PyFloat => new PyFloat(x);
export const pyList = (items: readonly PyExpr[]): PyList => new PyList(items);
export const pyTuple = (items: readonly PyExpr[]): PyTuple => new PyTuple(items);
export const pyDict = (entries: Record<string, PyExpr | undefined>): PyDict => new PyDict(entries, 'call');
export const pyDictLiteral = (entries: Record<string, PyExpr | undefined>): PyDict => new PyDict(entries, 'literal');

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

export function isIdentifier(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !KEYWORDS.has(s);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (JS gives the same digits), in fixed notation
 * for decimal exponents -4..15 and scientific otherwise with a two-digit exponent (`1e-05`, `1.5e+16`).
 */
export function formatPyFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`${x} has no Python literal (configs hold finite numbers only)`);
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  const sign = x < 0 ? '-' : '';
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || '0'}`;
  }
  const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${e}`;
}

function formatPyInt(x: number): string {
  if (!Number.isSafeInteger(x)) throw new Error(`${x} is not an integer a config can hold exactly`);
  return Object.is(x, -0) ? '0' : String(x);
}

/**
 * A single-quoted Python string literal. Control characters and lone surrogates are escaped; other Unicode is
 * written as is (mmcv reads configs as UTF-8). A string holding `{{` gets its braces escaped (`\x7b`), because
 * mmcv substitutes `{{ fileDirname }}` / `{{ _base_.x }}` templates in the file text before parsing it.
 */
export function formatPyString(s: string): string {
  let out = "'";
  const braces = s.includes('{{');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (braces && ch === '{') out += '\\x7b';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1]!;
        i++;
      } else out += `\\u${c.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}'`;
}

/**
 * A string literal holding a path that mmcv resolves against the config file's folder when it loads the config
 * (`{{ fileDirname }}` is substituted in the file text), so a config and the weights beside it move together.
 */
export class PyConfigRelativePath {
  constructor(readonly fileName: string) {
    if (/['\\\n{}]/.test(fileName)) throw new Error(`${fileName}: not a plain file name`);
  }
}

const LINE_WIDTH = 100;
const INDENT = '    ';

/** The expression on one line (no width limit). */
export function formatInline(e: PyExpr): string {
  if (e === null) return 'None';
  if (e === true) return 'True';
  if (e === false) return 'False';
  if (typeof e === 'number') return Number.isInteger(e) ? formatPyInt(e) : formatPyFloat(e);
  if (typeof e === 'string') return formatPyString(e);
  if (e instanceof PyFloat) return formatPyFloat(e.value);
  if (e instanceof PyName) return e.name;
  if (e instanceof PyConfigRelativePath) return `'{{ fileDirname }}/${e.fileName}'`;
  if (e instanceof PyBinary) return `${formatInline(e.left)} ${e.op} ${formatInline(e.right)}`;
  const [open, close, items] = brackets(e);
  const body = items.join(', ');
  // A one-element tuple needs its comma.
  return e instanceof PyTuple && items.length === 1 ? `${open}${body},${close}` : `${open}${body}${close}`;
}

function brackets(e: PyList | PyTuple | PyDict): [string, string, string[]] {
  if (e instanceof PyList) return ['[', ']', e.items.map((x) => formatInline(x))];
  if (e instanceof PyTuple) return ['(', ')', e.items.map((x) => formatInline(x))];
  if (e.style === 'call') return ['dict(', ')', e.entries.map(([k, v]) => `${k}=${formatInline(v)}`)];
  return ['{', '}', e.entries.map(([k, v]) => `${formatPyString(k)}: ${formatInline(v)}`)];
}

/**
 * The expression as it appears after `prefix` at `indent`: on one line when it fits in 100 columns, otherwise
 * one element per line (trailing comma, closing bracket on its own line), recursively.
 */
export function formatExpr(e: PyExpr, indent = '', prefix = ''): string {
  const inline = formatInline(e);
  if (indent.length + prefix.length + inline.length <= LINE_WIDTH) return inline;
  if (!(e instanceof PyList || e instanceof PyTuple || e instanceof PyDict)) return inline;
  const inner = indent + INDENT;
  const open = e instanceof PyList ? '[' : e instanceof PyTuple ? '(' : e.style === 'call' ? 'dict(' : '{';
  const close = e instanceof PyList ? ']' : e instanceof PyTuple || e.style === 'call' ? ')' : '}';
  const lines =
    e instanceof PyDict
      ? e.entries.map(([k, v]) => {
          const head = e.style === 'call' ? `${k}=` : `${formatPyString(k)}: `;
          return `${inner}${head}${formatExpr(v, inner, head)},`;
        })
      : e.items.map((v) => `${inner}${formatExpr(v, inner)},`);
  if (!lines.length) return `${open}${close}`;
  return `${open}\n${lines.join('\n')}\n${indent}${close}`;
}

/** One top-level statement of a config file: `name = value`, with optional comment lines above it. */
export interface PyAssignment {
  name: string;
  value: PyExpr;
  comment?: string[];
}

/** mmcv keeps every top-level name of a config; these three are its own attributes and may not be used. */
const MMCV_RESERVED = new Set(['filename', 'text', 'pretty_text']);

/** A config file: a header comment, then the assignments in order, separated by blank lines where commented. */
export function formatModule(header: readonly string[], statements: readonly PyAssignment[]): string {
  const out: string[] = header.map((l) => (l ? `# ${l}` : '#'));
  if (out.length) out.push('');
  for (const s of statements) {
    if (!isIdentifier(s.name) || MMCV_RESERVED.has(s.name)) throw new Error(`'${s.name}' cannot be a config variable`);
    if (s.comment?.length) {
      if (out.length && out[out.length - 1] !== '') out.push('');
      for (const c of s.comment) out.push(`# ${c}`);
    }
    const prefix = `${s.name} = `;
    out.push(`${prefix}${formatExpr(s.value, '', prefix)}`);
  }
  return `${out.join('\n')}\n`;
}
