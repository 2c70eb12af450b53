import { UserError } from '../core/errors.js';
import { closeMatches } from '../core/close-matches.js';

/** Every dotted key path in a plain-data tree (objects by key, arrays by index), parents before children. */
export function keyPaths(value: unknown, prefix = ''): string[] {
  const out: string[] = [];
  if (value === null || typeof value !== 'object') return out;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [k, v] of entries) {
    const path = prefix ? `${prefix}.${k}` : k;
    out.push(path, ...keyPaths(v, path));
  }
  return out;
}

/** The value of `key=value` as JSON where it parses (numbers, booleans, null, arrays, objects), else the raw string. */
export function parseOverrideValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Apply `--set` overrides (`optimizer.lr=2e-4`, `data.train.pipeline.1.flipRatio=0`, `runner.max=2`) to a
 * config in place. Only existing keys may be set, so a typo is an error naming the key and its close matches
 * instead of a silently ignored option; a value must keep the kind of the one it replaces (a null option
 * takes any value; a string option takes the raw text).
 */
export function applyOverrides<T extends object>(config: T, assignments: readonly string[]): T {
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UserError(`--set ${assignment}: expected key=value`);
    const key = assignment.slice(0, eq).trim();
    const raw = assignment.slice(eq + 1);
    const parts = key.split('.');
    let parent: Record<string, unknown> = config as Record<string, unknown>;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const here = parent !== null && typeof parent === 'object' && Object.prototype.hasOwnProperty.call(parent, part);
      if (!here) {
        const near = closeMatches(key, keyPaths(config));
        throw new UserError(`--set: unknown config key '${key}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
      }
      if (i < parts.length - 1) parent = parent[part] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    const old = parent[last];
    let value = parseOverrideValue(raw);
    if (typeof old === 'string') value = raw;
    if (old !== null && kindOf(old) !== kindOf(value)) {
      throw new UserError(`--set ${key}: expects ${kindOf(old)} like ${JSON.stringify(old)}, got ${JSON.stringify(value)}`);
    }
    parent[last] = value;
  }
  return config;
}
