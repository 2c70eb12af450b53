import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../core/errors.js';
import { countNonFinite, toFloat32, type StateDict } from '../core/host-tensor.js';
import type { ParamSetting } from './param-groups.js';
import { adamwStepFused, hasAdamWKernel, registerAdamWKernel } from './adamw-kernel.js';

export interface AdamWHyper {
  betas: [number, number];
  eps: number;
}

interface ParamState {
  setting: ParamSetting;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
  /** PyTorch keeps a step count per parameter: a parameter without a gradient is not stepped. */
  step: number;
}

/**
 * torch.optim.AdamW (amsgrad off), parameter by parameter as PyTorch's single-tensor path:
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + eps)
 * with lr = the scheduled lr of the parameter's group times its lrMult. The moments are created at
 * construction (zeros, as PyTorch's lazy state starts) so the tensor count stays flat from the first step.
 */
export class AdamW {
  private readonly states: ParamState[];
  private readonly byVariableName = new Map<string, ParamState>();

  /** Use the single-pass step kernel where the backend has it (off: the composite of tfjs ops, for comparison). */
  fused = true;

  constructor(settings: ParamSetting[], readonly hyper: AdamWHyper) {
    registerAdamWKernel();
    this.states = settings.map((setting) => ({
      setting,
      // tidy frees the zeros tensors the variables were copied from (variables themselves outlive it).
      expAvg: tf.tidy(() => tf.variable(tf.zerosLike(setting.variable), false)),
      expAvgSq: tf.tidy(() => tf.variable(tf.zerosLike(setting.variable), false)),
      step: 0,
    }));
    for (const s of this.states) this.byVariableName.set(s.setting.variable.name, s);
  }

  /** The parameter's name (`backbone.norm0.weight`) for a tfjs variable's name, as keyed in `tf.variableGrads`. */
  parameterName(variableName: string): string {
    return this.byVariableName.get(variableName)?.setting.name ?? variableName;
  }

  /** The variables this optimizer updates, for `tf.variableGrads`. */
  variables(): tf.Variable[] {
    return this.states.map((s) => s.setting.variable);
  }

  /**
   * One update. `grads` is keyed by variable name (what `tf.variableGrads` returns); `lr` is the scheduled lr
   * before the per-parameter multiplier. The caller keeps ownership of `grads`.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const [beta1, beta2] = this.hyper.betas;
    for (const s of this.states) {
      const g = grads[s.setting.variable.name];
      if (!g) continue;
      s.step += 1;
      const plr = lr * s.setting.lrMult;
      const bc1 = 1 - Math.pow(beta1, s.step);
      const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, s.step));
      const stepSize = plr / bc1;
      const p = s.setting.variable;
      if (this.fused && hasAdamWKernel() && p.dtype === 'float32' && g.dtype === 'float32') {
        const decay = s.setting.weightDecay !== 0 ? 1 - plr * s.setting.weightDecay : 1;
        const [np, nm, nv] = adamwStepFused(p, s.expAvg, s.expAvgSq, g, { decay, beta1, beta2, bc2Sqrt, eps: this.hyper.eps, stepSize });
        s.expAvg.assign(nm);
        s.expAvgSq.assign(nv);
        p.assign(np);
        tf.dispose([np, nm, nv]);
        continue;
      }
      tf.tidy(() => {
        const decayed = s.setting.weightDecay !== 0 ? tf.mul(p, 1 - plr * s.setting.weightDecay) : p;
        const m = tf.add(tf.mul(s.expAvg, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.expAvgSq, beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.hyper.eps);
        s.expAvg.assign(m);
        s.expAvgSq.assign(v);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  /**
   * Moments and step counts as named host tensors for the checkpoint (`exp_avg.<param>`, `exp_avg_sq.<param>`,
   * `step.<param>`), in the tfjs layout of each parameter (they are only ever read back by this class).
   */
  stateDict(): StateDict {
    const sd: StateDict = new Map();
    for (const s of this.states) {
      const name = s.setting.name;
      sd.set(`exp_avg.${name}`, { dtype: 'float32', shape: [...s.expAvg.shape], data: Float32Array.from(s.expAvg.dataSync() as Float32Array) });
      sd.set(`exp_avg_sq.${name}`, { dtype: 'float32', shape: [...s.expAvgSq.shape], data: Float32Array.from(s.expAvgSq.dataSync() as Float32Array) });
      sd.set(`step.${name}`, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(s.step)) });
    }
    return sd;
  }

  /** Restore from `stateDict()`; every parameter must be present with its shape, else nothing is changed. */
  loadStateDict(sd: StateDict, source = 'optimizer state'): void {
    const updates: [ParamState, Float32Array, Float32Array, number][] = [];
    for (const s of this.states) {
      const name = s.setting.name;
      const m = sd.get(`exp_avg.${name}`);
      const v = sd.get(`exp_avg_sq.${name}`);
      const st = sd.get(`step.${name}`);
      if (!m || !v || !st) throw new UserError(`${source}: no optimizer state for parameter ${name}`);
      const want = s.expAvg.shape.join(',');
      if (m.shape.join(',') !== want || v.shape.join(',') !== want) {
        throw new UserError(`${source}: optimizer state of ${name} has shape [${m.shape}], parameter has [${want}]`);
      }
      const [mv, vv] = [toFloat32(m), toFloat32(v)];
      for (const [key, values] of [[`exp_avg.${name}`, mv], [`exp_avg_sq.${name}`, vv]] as const) {
        const bad = countNonFinite(values);
        if (bad) throw new UserError(`${source}: ${key}: ${bad} of ${values.length} values are NaN or infinite (state of a diverged training?); refusing to resume from it`);
      }
      updates.push([s, mv, vv, Number((st.data as BigInt64Array | Int32Array)[0])]);
    }
    for (const [s, m, v, step] of updates) {
      tf.tidy(() => {
        s.expAvg.assign(tf.tensor(m, s.expAvg.shape, 'float32'));
        s.expAvgSq.assign(tf.tensor(v, s.expAvgSq.shape, 'float32'));
      });
      s.step = step;
    }
  }

  dispose(): void {
    for (const s of this.states) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
  }
}
