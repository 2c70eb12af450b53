import type { LoadResult, Module } from '../module.js';
import type { StateDict } from '../host-tensor.js';
import { loadCheckpoint } from './load.js';
import { mergeStateDicts, stripPrefix } from './state-dict.js';

export interface CheckpointLoadReport extends LoadResult {
  files: string[];
  /** Set when the files held a whole detector/segmentor and the module took their `<prefix>` part. */
  strippedPrefix?: string;
}

/**
 * Load one or more checkpoint files into `module`, in order (later keys override earlier ones: an ImageNet
 * checkpoint, then a file with only `norm0..norm3`, say), as PyTorch's `load_state_dict(strict=False)` would
 * with the merged dict. If none of the keys fits the module but some start with `prefix` (mmdet/mmseg
 * checkpoints hold `backbone.*`), that part is loaded instead.
 */
export function loadCheckpointsInto(module: Module, files: string[], prefix = 'backbone.'): CheckpointLoadReport {
  const merged = mergeStateDicts(...files.map((f) => loadCheckpoint(f)));
  const own = new Set([...module.namedParameters(), ...module.namedBuffers('', true)].map(([k]) => k));
  let sd: StateDict = merged;
  let strippedPrefix: string | undefined;
  const fits = [...merged.keys()].some((k) => own.has(k));
  if (!fits && prefix && [...merged.keys()].some((k) => k.startsWith(prefix))) {
    sd = stripPrefix(merged, prefix);
    strippedPrefix = prefix;
  }
  const res = module.loadStateDict(sd, { source: files.join(' + ') });
  return { ...res, files, ...(strippedPrefix ? { strippedPrefix } : {}) };
}

/** The report as PyTorch prints it for strict=False, one line per list. */
export function formatLoadReport(r: CheckpointLoadReport): string[] {
  const lines: string[] = [];
  if (r.strippedPrefix) lines.push(`using the '${r.strippedPrefix}*' keys of ${r.files.join(', ')}`);
  lines.push(`missing keys (${r.missingKeys.length}): ${r.missingKeys.join(', ') || 'none'}`);
  lines.push(`unexpected keys (${r.unexpectedKeys.length}): ${r.unexpectedKeys.join(', ') || 'none'}`);
  return lines;
}
