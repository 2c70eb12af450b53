import { dirname, resolve } from 'node:path';
import { applyOverrides, configNames, resolveConfig } from '../configs/index.js';
import type { ExperimentConfig } from '../configs/types.js';
import { UserError } from '../core/errors.js';
import { loadCheckpoint, stripPrefix } from '../core/checkpoint/index.js';
import type { Module } from '../core/module.js';
import { resolveCustomImports } from './custom-imports.js';

/**
 * A config from the command line: preset name or JSON file, then the `--set key=value` overrides in order, then
 * the `--import` modules added to its `customImports`. Custom imports are resolved to absolute paths: a config
 * file's against its folder, the rest against the working directory (see train/custom-imports.ts). Nothing
 * is imported yet (`importCustomModules(cfg.customImports)` does that before a model is built).
 */
export function loadExperiment(nameOrPath: string, sets: readonly string[] = [], imports: readonly string[] = []): ExperimentConfig {
  const cfg = resolveConfig(nameOrPath);
  const fromFile = nameOrPath.endsWith('.json') && !configNames().includes(nameOrPath);
  if (fromFile) cfg.customImports = resolveCustomImports(cfg.customImports, dirname(resolve(nameOrPath)), nameOrPath);
  applyOverrides(cfg, sets);
  cfg.customImports = resolveCustomImports([...cfg.customImports, ...imports], process.cwd(), fromFile ? nameOrPath : cfg.name);
  return cfg;
}

/**
 * Load an ImageNet (or detector/segmentor) checkpoint into the model's `backbone` (mmdet's init_cfg Pretrained,
 * strict=False): keys under `backbone.` are taken from a full-model checkpoint, a classifier's are used as they
 * are. Returns PyTorch-style missing/unexpected keys for the caller to report.
 */
export function loadBackboneWeights(model: Module, path: string): { missingKeys: string[]; unexpectedKeys: string[] } {
  const backbone = model.namedChildren().find(([name]) => name === 'backbone')?.[1];
  if (!backbone) throw new UserError(`${path}: the model has no 'backbone' to load into`);
  let sd = loadCheckpoint(path);
  if ([...sd.keys()].some((k) => k.startsWith('backbone.'))) sd = stripPrefix(sd, 'backbone.');
  return backbone.loadStateDict(sd, { source: path });
}

/** The missing/unexpected report as PyTorch prints it, shortened to a few names each. */
export function describeLoad(what: string, r: { missingKeys: string[]; unexpectedKeys: string[] }): string {
  const few = (ks: string[]) => (ks.length <= 6 ? ks.join(', ') : `${ks.slice(0, 6).join(', ')}, … (${ks.length} in all)`);
  return (
    `${what}: missing keys: ${r.missingKeys.length ? few(r.missingKeys) : 'none'}; ` +
    `unexpected keys: ${r.unexpectedKeys.length ? few(r.unexpectedKeys) : 'none'}`
  );
}
