/**
 * Component registries (mmcv's `Registry`, mmdet's `BACKBONES`/`NECKS`/`HEADS`): builders keyed by the `type` a
 * config names, so that the model builders never switch over a fixed list and a user's own component, registered
 * from a module of theirs (`customImports` in a config, `--import` on the command line), is named in a config
 * file like a built-in one. Built-in components register themselves where they are defined; the registries live
 * here, at the bottom, because components sit below the models that build them.
 */
import { closeMatches } from './close-matches.js';
import { UserError } from './errors.js';
import type { Module } from './module.js';
import type { Backbone, Neck, ShapeSpec } from './types/backbone.js';

/** A component's entry in a config: its registered `type` and the options its builder reads (plain data). */
export interface ComponentConfig {
  type: string;
  [option: string]: unknown;
}

/** Builds a component from its config and what the model tells it (`Ctx`). */
export type Builder<Ctx, T> = (cfg: ComponentConfig, ctx: Ctx) => T;

export class Registry<Ctx, T> {
  private readonly builders = new Map<string, Builder<Ctx, T>>();

  /** `kind` names the registry in messages ('backbone', 'neck', ...). */
  constructor(readonly kind: string) {}

  /**
   * Register `build` under `type`. A second registration of a type is an error (two modules claiming one name),
   * unless `force` (mmcv's `force=True`) replaces the first.
   */
  register(type: string, build: Builder<Ctx, T>, opts: { force?: boolean } = {}): void {
    if (typeof type !== 'string' || type === '') throw new Error(`a ${this.kind} type must be a non-empty string`);
    if (this.builders.has(type) && !opts.force) throw new Error(`${this.kind} type '${type}' is registered twice (pass { force: true } to replace it)`);
    this.builders.set(type, build);
  }

  has(type: string): boolean {
    return this.builders.has(type);
  }

  /** The registered types, sorted. */
  types(): string[] {
    return [...this.builders.keys()].sort();
  }

  /** Build the component `cfg.type` names; an unknown type is a one-line error listing the registered ones. */
  build(cfg: { type: string }, ctx: Ctx): T {
    if (cfg === null || typeof cfg !== 'object' || typeof cfg.type !== 'string') {
      throw new UserError(`a ${this.kind} config needs a string 'type', got ${JSON.stringify(cfg)}`);
    }
    const build = this.builders.get(cfg.type);
    if (!build) {
      const near = closeMatches(cfg.type, this.types());
      throw new UserError(
        `unknown ${this.kind} type '${cfg.type}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; registered: ${this.types().join(', ') || 'none'}. ` +
          `A ${this.kind} of your own must be registered (register${this.kind[0]!.toUpperCase()}${this.kind.slice(1)}) by a module the config's customImports or --import names`,
      );
    }
    return build(cfg as ComponentConfig, ctx);
  }
}

/** What a neck is built from: the shapes of the backbone outputs it reads. */
export interface NeckContext {
  inShapes: readonly ShapeSpec[];
}

/** What a head is built from besides its own config. */
export interface HeadContext {
  /** Shapes of the feature maps it reads (the neck's outputs, or the backbone's). */
  inShapes: readonly ShapeSpec[];
  /** The model's train_cfg / test_cfg entries for this head (null where the model has none). */
  trainCfg: unknown;
  testCfg: unknown;
  /** Seed of the head's own sampling stream, if it samples (restarted later by `reseedSampling`). */
  seed: number;
}

export const BACKBONES = new Registry<void, Backbone>('backbone');
export const NECKS = new Registry<NeckContext, Neck>('neck');
export const HEADS = new Registry<HeadContext, Module>('head');

type Options = { force?: boolean };

/** Register a backbone builder under the config `type` it answers to (see `Backbone` in core/types/backbone.ts). */
export function registerBackbone<C extends { type: string }>(type: string, build: (cfg: C) => Backbone, opts?: Options): void {
  BACKBONES.register(type, (cfg) => build(cfg as unknown as C), opts);
}

/** Register a neck builder: it gets its config and the shapes of the backbone outputs. */
export function registerNeck<C extends { type: string }>(type: string, build: (cfg: C, ctx: NeckContext) => Neck, opts?: Options): void {
  NECKS.register(type, (cfg, ctx) => build(cfg as unknown as C, ctx), opts);
}

/**
 * Register a head builder. What a model requires of a head depends on its slot (a segmentor's decode head:
 * `forward(feats)` and `losses(logits, labels)`; a detector's RPN or RoI head: see models/detector/mask-rcnn.ts),
 * and the model checks it when it builds the head.
 */
export function registerHead<C extends { type: string }>(type: string, build: (cfg: C, ctx: HeadContext) => Module, opts?: Options): void {
  HEADS.register(type, (cfg, ctx) => build(cfg as unknown as C, ctx), opts);
}

/** A one-line error unless `component` has every method a model slot calls. */
export function requireMethods(component: object, methods: readonly string[], what: string): void {
  const missing = methods.filter((m) => typeof (component as Record<string, unknown>)[m] !== 'function');
  if (missing.length) throw new UserError(`${what} lacks ${missing.map((m) => `${m}()`).join(', ')}, which the model calls`);
}
