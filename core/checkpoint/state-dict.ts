import type { StateDict } from '../host-tensor.js';

/**
 * Keep only the keys under `prefix` and drop the prefix (mmcv's `_load_checkpoint_with_prefix`):
 * `stripPrefix(detectorSd, 'backbone.')` is the backbone's state dict.
 */
export function stripPrefix(sd: StateDict, prefix: string): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/** Prefix every key (the inverse of `stripPrefix`), e.g. to embed a backbone's weights in a detector's. */
export function addPrefix(sd: StateDict, prefix: string): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) out.set(prefix + k, v);
  return out;
}

/** Merge state dicts in order; later keys override earlier ones (repeated --checkpoint files). */
export function mergeStateDicts(...sds: StateDict[]): StateDict {
  const out: StateDict = new Map();
  for (const sd of sds) for (const [k, v] of sd) out.set(k, v);
  return out;
}
