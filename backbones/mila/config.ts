import { UserError } from '../../core/errors.js';

/** The MILA (official name MLLA) architecture, in the official constructor's terms. */
export interface MilaConfig {
  /** Channels of stage 0; stage i has embedDim * 2^i. */
  embedDim: number;
  depths: number[];
  numHeads: number[];
  mlpRatio: number;
  qkvBias: boolean;
  dropRate: number;
  /** Stochastic depth: block rates rise linearly from 0 to this over all blocks. */
  dropPathRate: number;
  /** Stages returned (and given a LayerNorm `norm{i}`) by the detection backbone. */
  outIndices: number[];
  inChans: number;
  patchSize: number;
  /**
   * Only sets the shape of the `attn.rope.rotations` buffers, as in the official code (so state dicts
   * match key for key); the detection backbone computes RoPE for the actual input size.
   */
  imgSize: number;
  /**
   * Gradient checkpointing (the official `use_checkpoint`, mmdet/mmseg `with_cp`): each block, and here also the
   * stem and each PatchMerging, keeps only its input for the backward pass and recomputes its forward there.
   * Less memory, about one more forward of time. Outputs and gradients are unchanged; inference is unaffected.
   */
  useCheckpoint: boolean;
}

export const MILA_DEFAULTS: Omit<MilaConfig, 'embedDim' | 'depths' | 'numHeads'> = {
  mlpRatio: 4,
  qkvBias: true,
  dropRate: 0,
  dropPathRate: 0.1,
  outIndices: [0, 1, 2, 3],
  inChans: 3,
  patchSize: 4,
  imgSize: 224,
  useCheckpoint: false,
};

/** The official variants (cfgs/mlla_{t,s,b}.yaml and the detection configs). */
export const MILA_PRESETS = {
  mila_t: { embedDim: 64, depths: [2, 4, 8, 4], numHeads: [2, 4, 8, 16] },
  mila_s: { embedDim: 64, depths: [3, 6, 21, 6], numHeads: [2, 4, 8, 16] },
  mila_b: { embedDim: 96, depths: [3, 6, 21, 6], numHeads: [3, 6, 12, 24] },
} as const satisfies Record<string, Pick<MilaConfig, 'embedDim' | 'depths' | 'numHeads'>>;

export type MilaPresetName = keyof typeof MILA_PRESETS;

/**
 * The backbone entry of a detector or segmentor config (`model.backbone`, the official configs' kwargs): what
 * `type: 'MILA'` builds through the backbone registry. `dropRate` is in the detection configs only (0).
 */
export type MilaBackboneConfig = { type: 'MILA' } & Pick<
  MilaConfig,
  'embedDim' | 'depths' | 'numHeads' | 'mlpRatio' | 'qkvBias' | 'dropPathRate' | 'outIndices' | 'useCheckpoint'
> &
  Partial<Pick<MilaConfig, 'dropRate'>>;

/** The architecture a config entry names (keys it leaves out take the official defaults). */
export function milaConfigOfEntry(cfg: MilaBackboneConfig): MilaConfig {
  const { type: _t, ...given } = cfg;
  const defined = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<MilaConfig>;
  return milaConfig({
    ...defined,
    depths: [...cfg.depths],
    numHeads: [...cfg.numHeads],
    outIndices: [...cfg.outIndices],
    // Configs stored before useCheckpoint existed lack the key: off, as the official default.
    useCheckpoint: cfg.useCheckpoint === true,
  });
}

/** A full config from a preset and/or partial overrides, checked so that every stage is buildable. */
export function milaConfig(spec: MilaPresetName | (Partial<MilaConfig> & { preset?: MilaPresetName })): MilaConfig {
  const partial = typeof spec === 'string' ? { preset: spec } : spec;
  const preset = partial.preset ? MILA_PRESETS[partial.preset] : undefined;
  if (partial.preset && !preset) throw new UserError(`unknown MILA preset '${partial.preset}': expected one of ${Object.keys(MILA_PRESETS).join(', ')}`);
  const { preset: _p, ...rest } = partial;
  const cfg: MilaConfig = { ...MILA_DEFAULTS, ...(preset ? { ...preset, depths: [...preset.depths], numHeads: [...preset.numHeads] } : {}), ...rest } as MilaConfig;
  validateMilaConfig(cfg);
  return cfg;
}

export function validateMilaConfig(cfg: MilaConfig): void {
  const bad = (msg: string): never => {
    throw new UserError(`invalid MILA config: ${msg}`);
  };
  if (!Number.isInteger(cfg.embedDim) || cfg.embedDim <= 0) bad(`embedDim must be a positive integer (got ${cfg.embedDim})`);
  if (!Array.isArray(cfg.depths) || cfg.depths.length === 0 || cfg.depths.some((d) => !Number.isInteger(d) || d < 0)) bad('depths must be a non-empty list of non-negative integers');
  if (!Array.isArray(cfg.numHeads) || cfg.numHeads.length !== cfg.depths.length) bad(`numHeads must have one entry per stage (${cfg.depths.length})`);
  cfg.depths.forEach((_, i) => {
    const c = cfg.embedDim * 2 ** i;
    const h = cfg.numHeads[i]!;
    if (!Number.isInteger(h) || h <= 0 || c % h !== 0) bad(`stage ${i}: ${c} channels are not divisible by ${h} heads`);
    // RoPE rotates channel pairs, half by row and half by column position.
    if (c % 4 !== 0) bad(`stage ${i}: ${c} channels must be a multiple of 4 for RoPE`);
  });
  if (cfg.outIndices.some((i) => !Number.isInteger(i) || i < 0 || i >= cfg.depths.length)) bad(`outIndices must be stage indices in 0..${cfg.depths.length - 1}`);
  if (cfg.embedDim % 2 !== 0) bad('embedDim must be even (the stem uses embedDim/2 channels)');
  if (typeof cfg.useCheckpoint !== 'boolean') bad(`useCheckpoint must be true or false (got ${JSON.stringify(cfg.useCheckpoint)})`);
}

/** Channels of stage i. */
export function stageChannels(cfg: MilaConfig, i: number): number {
  return cfg.embedDim * 2 ** i;
}

/** timm/official stochastic depth rule: rates linearly spaced from 0 to dropPathRate over all blocks. */
export function dropPathRates(cfg: MilaConfig): number[] {
  const total = cfg.depths.reduce((a, b) => a + b, 0);
  return Array.from({ length: total }, (_, i) => (total === 1 ? 0 : Math.fround((cfg.dropPathRate * i) / (total - 1))));
}

const CONFIG_KEYS = new Set<string>(['preset', 'embedDim', 'depths', 'numHeads', 'mlpRatio', 'qkvBias', 'dropRate', 'dropPathRate', 'outIndices', 'inChans', 'patchSize', 'imgSize', 'useCheckpoint']);

/** `--model mila_t` or `--model '{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8]}'`. */
export function parseMilaModelArg(arg: string): MilaConfig {
  const s = arg.trim();
  if (!s.startsWith('{')) {
    if (!(s in MILA_PRESETS)) throw new UserError(`unknown model '${s}': expected ${Object.keys(MILA_PRESETS).join(', ')} or a JSON config`);
    return milaConfig(s as MilaPresetName);
  }
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(s) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`--model: invalid JSON (${(err as Error).message})`);
  }
  const unknown = Object.keys(obj).filter((k) => !CONFIG_KEYS.has(k));
  if (unknown.length) throw new UserError(`--model: unknown key(s) ${unknown.join(', ')}; expected ${[...CONFIG_KEYS].join(', ')}`);
  if (!obj.preset && (obj.embedDim === undefined || obj.depths === undefined || obj.numHeads === undefined)) {
    throw new UserError('--model: a JSON config needs embedDim, depths and numHeads (or a "preset")');
  }
  return milaConfig(obj as Partial<MilaConfig> & { preset?: MilaPresetName });
}
