import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { ExperimentConfig, JsonValue } from '../../configs/types.js';
import { writeFileAtomic } from '../../core/checkpoint/atomic-write.js';
import { UserError } from '../../core/errors.js';
import type { PartRange } from '../eval-part.js';
import { checkpointIdentity, configSha256, sha256 } from './hashes.js';
import { SHARD_FORMAT, type ShardCommand, type ShardFileEntry, type ShardManifest, type ShardResult } from './manifest.js';
import { MANIFEST_SUFFIX, shardLabel, shardStem, type ShardSpec } from './shard-spec.js';

const SHARD_FILE = /^shard-(\d+)-of-(\d+)\./;

/**
 * Where one shard writes its part: `<dir>/shard-<i>-of-<N>.<role>.json` files, each atomically (temp + rename:
 * a half-written file only ever has a dot-name `mila merge` skips), then its manifest last, also atomically.
 * Opening removes the shard's previous manifest first, so a rerun that crashes leaves no manifest for merge to
 * trust; other shards' files are never touched.
 */
export class ShardOutput {
  readonly stem: string;
  private readonly files: ShardFileEntry[] = [];
  private readonly startedAt = new Date();

  private constructor(
    readonly dir: string,
    readonly spec: ShardSpec,
    private readonly command: ShardCommand,
    private readonly identity: Pick<ShardManifest, 'config' | 'checkpoint'>,
  ) {
    this.stem = shardStem(spec);
  }

  /**
   * Prepare `dir` for shard `spec` of `command`: the folder exists, holds no shard of another count (a stale set,
   * or one task of an array resubmitted alone, which the scheduler would number 0 of 1), and no manifest of this
   * shard. The config and checkpoint hashes are taken here, before the long run.
   */
  static open(dir: string, spec: ShardSpec, command: ShardCommand, config: ExperimentConfig, checkpoint: string): ShardOutput {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new UserError(`--out-dir ${dir}: cannot create the folder (${(e as Error).message})`);
    }
    for (const f of readdirSync(dir).sort()) {
      const m = SHARD_FILE.exec(f);
      if (m && f.endsWith(MANIFEST_SUFFIX) && Number(m[2]) !== spec.count) {
        throw new UserError(
          `${join(dir, f)} is a shard of ${m[2]} but this is shard ${shardLabel(spec)} (from ${spec.source}): use another --out-dir, or remove that set; ` +
            'to rerun one task of a Slurm array, pass --shards N (array ids are then shard indices) or --shard i/N',
        );
      }
    }
    rmSync(join(dir, `${shardStem(spec)}${MANIFEST_SUFFIX}`), { force: true });
    return new ShardOutput(dir, spec, command, { config: { name: config.name, sha256: configSha256(config) }, checkpoint: checkpointIdentity(checkpoint) });
  }

  /** Write `<stem>.<role>.json` atomically and record its size and hash for the manifest. */
  writeJson(role: string, value: unknown): string {
    const name = `${this.stem}.${role}.json`;
    const bytes = Buffer.from(JSON.stringify(value));
    writeFileAtomic(join(this.dir, name), [bytes]);
    this.files.push({ role, name, bytes: bytes.length, sha256: sha256(bytes) });
    return name;
  }

  /** Write the manifest (last): from now on `mila merge` counts this shard as done. Returns its path. */
  finish(part: { run: Record<string, JsonValue>; range: PartRange; result: ShardResult; outputs?: string[] }): string {
    const finishedAt = new Date();
    const manifest: ShardManifest = {
      format: SHARD_FORMAT,
      command: this.command,
      shard: { index: this.spec.index, count: this.spec.count, source: this.spec.source },
      ...this.identity,
      run: part.run,
      range: part.range,
      result: part.result,
      files: this.files,
      // Relative to the shared folder: the merge may see it mounted elsewhere, or run from another working directory.
      outputs: (part.outputs ?? []).map((o) => relative(resolve(this.dir), resolve(o))),
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      seconds: (finishedAt.getTime() - this.startedAt.getTime()) / 1000,
    };
    const path = join(this.dir, `${this.stem}${MANIFEST_SUFFIX}`);
    writeFileAtomic(path, [Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`)]);
    return path;
  }

  /** The line a finished shard prints. */
  doneLine(images: number, range: PartRange): string {
    const positions = images > 0 ? `positions ${range.start}..${range.end - 1}` : 'an empty block: more shards than images';
    return (
      `shard ${shardLabel(this.spec)} (from ${this.spec.source}): ${images} of ${range.total} images (${positions}) ` +
      `written to ${join(this.dir, `${this.stem}.*`)}; when all ${this.spec.count} shards are done: mila merge ${this.dir}`
    );
  }
}
