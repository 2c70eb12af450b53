import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../core/module.js';
import type { OptimizerConfig } from '../configs/types.js';

/** One trainable parameter with the lr and weight decay mmcv's DefaultOptimizerConstructor gives it. */
export interface ParamSetting {
  name: string;
  variable: tf.Variable;
  lrMult: number;
  /** The decay itself (base weight decay times the matching multiplier). */
  weightDecay: number;
}

/** Module classes mmcv counts as normalisation layers (_BatchNorm, _InstanceNorm, GroupNorm, LayerNorm). */
function isNormModule(m: Module): boolean {
  return /(Batch|Layer|Group|Instance)Norm/.test(m.constructor.name);
}

/**
 * Per-parameter lr multiplier and weight decay under mmcv's paramwise_cfg: `customKeys` are matched as
 * substrings of the full dotted name, longest key first (alphabetical among equal lengths), first match wins
 * and skips the generic rules; otherwise `normDecayMult` applies to parameters of norm layers and
 * `biasDecayMult` to the `bias` of any other layer. Frozen (non-trainable) variables are left out.
 */
export function paramSettings(model: Module, cfg: OptimizerConfig): ParamSetting[] {
  const pw = cfg.paramwise;
  const keys = Object.keys(pw.customKeys).sort().sort((a, b) => b.length - a.length);
  const normParams = new Set<string>();
  for (const [prefix, m] of model.namedModules()) {
    if (!isNormModule(m)) continue;
    for (const [local] of m.namedParameters()) if (!local.includes('.')) normParams.add(prefix ? `${prefix}.${local}` : local);
  }
  const out: ParamSetting[] = [];
  for (const [name, variable] of model.namedParameters()) {
    if (!variable.trainable) continue;
    const key = keys.find((k) => name.includes(k));
    let lrMult = 1;
    let decayMult = 1;
    if (key !== undefined) {
      const rule = pw.customKeys[key]!;
      lrMult = rule.lrMult ?? 1;
      decayMult = rule.decayMult ?? 1;
    } else if (normParams.has(name)) {
      decayMult = pw.normDecayMult;
    } else if (name === 'bias' || name.endsWith('.bias')) {
      decayMult = pw.biasDecayMult;
    }
    out.push({ name, variable, lrMult, weightDecay: cfg.weightDecay * decayMult });
  }
  return out;
}
