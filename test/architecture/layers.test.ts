/**
 * The layers of the code base (docs/DESIGN-NOTES.md, "Layers"): every relative import of every non-test source
 * file must go to its own layer or to one the table below allows. The graph is read from the sources with
 * TypeScript's parser (static `import`/`export … from`, `import type`, side-effect imports and `import('…')`
 * with a literal path, in code or in types; comments and strings are not code, so they are skipped).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Folders that are not layers of the package: not scanned. */
const SKIP = new Set(['node_modules', 'dist', 'test', 'native', 'scripts', 'docs', '.git']);

/**
 * What each layer may import besides itself. The package entry `index.ts` is the layer `index`; `bench` may
 * import anything. Siblings (backbones, necks, losses; datasets, eval) see only `core`; heads compute their
 * losses, so they may import `losses`.
 */
const BELOW_MODELS = ['core', 'losses', 'backbones', 'necks', 'heads'];
const BELOW_TRAIN = [...BELOW_MODELS, 'models', 'configs', 'datasets', 'eval'];
export const ALLOWED: Readonly<Record<string, readonly string[] | '*'>> = {
  core: [],
  losses: ['core'],
  backbones: ['core'],
  necks: ['core'],
  heads: ['core', 'losses'],
  models: BELOW_MODELS,
  configs: [...BELOW_MODELS, 'models'],
  datasets: ['core'],
  eval: ['core'],
  train: BELOW_TRAIN,
  tasks: [...BELOW_TRAIN, 'train'],
  cli: [...BELOW_TRAIN, 'train', 'tasks'],
  index: [...BELOW_TRAIN, 'train', 'tasks'],
  bench: '*',
};

function layerOf(rel: string): string {
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : rel.replace(/\.ts$/, '');
}

function sourceFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!(dir === ROOT && SKIP.has(e.name)) && e.name !== 'node_modules') out.push(...sourceFiles(abs));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') && !(dir === ROOT && e.name !== 'index.ts')) {
      out.push(path.relative(ROOT, abs).split(path.sep).join('/'));
    }
  }
  return out.sort();
}

/** Every relative import of a source text, as written, from its syntax tree. */
export function relativeImports(source: string): string[] {
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    let spec: ts.Node | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) spec = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) spec = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) spec = node.argument.literal;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) specs.push(spec.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS));
  return specs;
}

interface Edge {
  from: string;
  to: string;
}

function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles()) {
    for (const spec of relativeImports(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target });
    }
  }
  return edges;
}

function isAllowed(e: Edge): boolean {
  const from = layerOf(e.from);
  const to = layerOf(e.to);
  const allowed = ALLOWED[from];
  return from === to || allowed === '*' || (allowed !== undefined && allowed.includes(to));
}

describe('the import graph', () => {
  const files = sourceFiles();
  const edges = importGraph();

  it('reads the real sources', () => {
    // A scanner that found nothing would let everything pass.
    expect(files).toContain('core/module.ts');
    expect(files).toContain('cli/mila.ts');
    expect(edges.length).toBeGreaterThan(800);
    expect(edges).toContainEqual({ from: 'models/detector/mask-rcnn.ts', to: 'core/module.ts' });
  });

  it('puts every source file in a known layer', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in ALLOWED));
    expect(unknown, 'add new top-level folders to ALLOWED (and to the layers in docs/DESIGN-NOTES.md)').toEqual([]);
  });

  it('has no upward edge: a layer imports only itself and the layers below it', () => {
    const bad = edges.filter((e) => !isAllowed(e)).map((e) => `${e.from} -> ${e.to}`);
    expect(bad, `imports against the layers (docs/DESIGN-NOTES.md, "Layers"):\n${bad.join('\n')}`).toEqual([]);
  });

  it('resolves every relative import to a source file', () => {
    const known = new Set(files);
    const missing = edges.filter((e) => !known.has(e.to) && !e.to.endsWith('.json')).map((e) => `${e.from} -> ${e.to}`);
    expect(missing).toEqual([]);
  });
});

describe('the rules themselves', () => {
  it('form a partial order: no two layers may import each other', () => {
    const pairs: string[] = [];
    for (const [a, allowed] of Object.entries(ALLOWED)) {
      if (allowed === '*') continue;
      for (const b of allowed) {
        const back = ALLOWED[b];
        if (back === '*' || back?.includes(a)) pairs.push(`${a} <-> ${b}`);
      }
    }
    expect(pairs).toEqual([]);
  });

  it('let nothing import the benchmarks or the CLI, and core nothing at all', () => {
    for (const [layer, allowed] of Object.entries(ALLOWED)) {
      if (allowed === '*') continue;
      expect(allowed, layer).not.toContain('bench');
      expect(allowed, layer).not.toContain('cli');
    }
    expect(ALLOWED.core).toEqual([]);
  });

  it('see every kind of import, and none in comments or strings', () => {
    const src = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export * as d from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "type G = typeof import('./g.js');",
      "import sharp from 'sharp';",
      "// import z from './in-a-comment.js';",
      "const s = \"import q from './in-a-string.js'\";",
    ].join('\n');
    expect(relativeImports(src)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', './g.js']);
  });

  it('name an offending edge as file -> import', () => {
    const e = { from: 'core/boxes/box-mapping.ts', to: 'datasets/types.ts' };
    expect(isAllowed(e)).toBe(false);
    expect(isAllowed({ from: 'heads/det/rpn-head.ts', to: 'losses/binary-cross-entropy.ts' })).toBe(true);
    expect(isAllowed({ from: 'losses/x.ts', to: 'heads/y.ts' })).toBe(false);
    expect(isAllowed({ from: 'necks/fpn.ts', to: 'backbones/contract.ts' })).toBe(false);
  });
});
