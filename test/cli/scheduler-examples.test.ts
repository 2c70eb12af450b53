/**
 * The scheduler examples as they are: examples/kubernetes (an Indexed Job of N pods on a shared volume, then a merge
 * Job) and examples/slurm (an array script, submit.sh queuing a dependent merge). No cluster here, so the test does
 * what the scheduler does: it starts the N shard processes at once with the variables the scheduler sets
 * (JOB_COMPLETION_INDEX; SLURM_ARRAY_TASK_ID/COUNT/MIN/MAX/STEP, SLURM_CPUS_PER_TASK), from the manifests' own
 * command lines (Kubernetes' $(VAR) expansion) or scripts (run by bash), with `mila` on PATH; then the merge step.
 * The merge must print what one unsharded run prints and write the same files. Child processes on the compiled
 * dist/ (`npm run build` first), as the other multi-process tests.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initBackend } from '../../core/backend.js';
import { makeShardingFixture, type ShardingFixture } from './sharding-fixture.js';

const REPO = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = path.join(REPO, 'dist/cli/mila.js');
const K8S = path.join(REPO, 'examples/kubernetes');
const SLURM = path.join(REPO, 'examples/slurm');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-scheduler-'));
const bin = path.join(tmp, 'bin');
let fx: ShardingFixture;

interface Run {
  out: string;
  err: string;
  code: number;
}

/** This process's environment without any scheduler variable (the test may itself run inside a job). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_') && k !== 'JOB_COMPLETION_INDEX'));
  return { ...env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, MILA_BACKEND: 'wasm', MILA_NUM_THREADS: '1' };
}

function run(file: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...cleanEnv(), ...env }, maxBuffer: 1 << 26 }, (e, stdout, stderr) => {
      resolve({ out: stdout, err: stderr, code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
    });
  });
}

function ok(r: Run): Run {
  expect(r.code, r.err).toBe(0);
  return r;
}

const lines = (s: string) => s.split('\n').filter((l) => l.length > 0);
const files = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
const sameBytes = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

beforeAll(async () => {
  expect(existsSync(CLI), 'build dist/ first (npm run build)').toBe(true);
  await initBackend('wasm', { quiet: true });
  fx = await makeShardingFixture(tmp);
  // `mila` on PATH, as `npm install -g mila-dense` puts it there.
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'mila'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(path.join(bin, 'mila'), 0o755);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

interface Container {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: { name: string; value: string }[];
  volumeMounts: { name: string; mountPath: string }[];
}

function readJob(file: string): { spec: Record<string, any>; container: Container; claim: string } {
  const job = parse(readFileSync(path.join(K8S, file), 'utf8'));
  expect([job.apiVersion, job.kind]).toEqual(['batch/v1', 'Job']);
  const pod = job.spec.template.spec;
  expect(pod.restartPolicy).toBe('Never');
  expect(pod.containers).toHaveLength(1);
  const container = pod.containers[0] as Container;
  expect(container.volumeMounts).toEqual([{ name: 'shared', mountPath: '/shared' }]);
  expect(pod.volumes).toHaveLength(1);
  return { spec: job.spec, container, claim: pod.volumes[0].persistentVolumeClaim.claimName };
}

/** The container's argv as the kubelet runs it: `$(VAR)` replaced from the container's env (after our overrides). */
function podArgv(c: Container, overrides: Record<string, string>): { argv: string[]; env: Record<string, string> } {
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  expect(Object.keys(overrides).every((k) => k in env), `the example's env has ${Object.keys(env)}`).toBe(true);
  Object.assign(env, overrides);
  const argv = [...c.command, ...c.args].map((a) => a.replace(/\$\((\w+)\)/g, (m, v: string) => env[v] ?? m));
  return { argv, env };
}

describe('examples/kubernetes: Indexed Job of shards, then the merge Job', () => {
  it('the N pods (JOB_COMPLETION_INDEX=0..N-1) and the merge Job print the tables and write the files of one mila test', async () => {
    const shards = readJob('shards-job.yaml');
    const merge = readJob('merge-job.yaml');
    const pvc = parse(readFileSync(path.join(K8S, 'shared-pvc.yaml'), 'utf8'));
    // One volume, shared by every pod of both Jobs (ReadWriteMany, as pods may run on different nodes).
    expect([pvc.kind, pvc.metadata.name, pvc.spec.accessModes]).toEqual(['PersistentVolumeClaim', shards.claim, ['ReadWriteMany']]);
    expect(merge.claim).toBe(shards.claim);
    const value = (c: Container, name: string) => c.env.find((e) => e.name === name)?.value;
    expect(value(merge.container, 'OUT_DIR')).toBe(value(shards.container, 'OUT_DIR'));
    expect(value(shards.container, 'OUT_DIR')).toMatch(/^\/shared\//);

    // An Indexed Job whose completions are the --shards of its pods.
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = shards.spec.completions as number;
    const args = shards.container.args;
    expect(args[args.indexOf('--shards') + 1]).toBe(String(n));
    expect(n).toBeGreaterThan(1);

    const outDir = path.join(tmp, 'k8s-shared', 'shards');
    const overrides = { CONFIG: fx.det.config, CHECKPOINT: fx.det.checkpoint, DATA_ROOT: fx.cocoRoot, OUT_DIR: outDir };
    const pod = podArgv(shards.container, overrides);
    expect(pod.argv.slice(0, 2)).toEqual(['mila', 'test']);
    // The pods start together, each with the Job's index and the container's env.
    const pods = await Promise.all(Array.from({ length: n }, (_, i) => run(pod.argv[0]!, pod.argv.slice(1), { ...pod.env, JOB_COMPLETION_INDEX: String(i) })));
    pods.forEach((r, i) => {
      ok(r);
      expect(lines(r.out)).toEqual([expect.stringMatching(new RegExp(`^shard ${i}/${n} \\(from JOB_COMPLETION_INDEX=${i}\\): \\d of 5 images .*mila merge ${outDir}$`))]);
      // Progress per shard: its pod log (not a terminal) gets plain lines naming the shard, the last one complete.
      const progress = lines(r.err).filter((l) => l.startsWith(`test [shard ${i}/${n}] `));
      expect(progress.at(-1)).toMatch(new RegExp(`^test \\[shard ${i}/${n}\\] (\\d)/\\1 images \\| [\\d.]+ s/img$`));
    });

    const m = podArgv(merge.container, { OUT_DIR: outDir });
    expect(m.argv).toEqual(['mila', 'merge', outDir]);
    const merged = ok(await run(m.argv[0]!, m.argv.slice(1), m.env));
    expect(merged.err).toMatch(new RegExp(`^mila merge: merged ${n} shards of mila test `));

    // One unsharded run of the same command line: no --shards, --out in place of --out-dir.
    const refDir = path.join(tmp, 'k8s-one');
    mkdirSync(refDir);
    const one = pod.argv.slice(1).filter((a, i, all) => a !== '--shards' && all[i - 1] !== '--shards');
    one.splice(one.indexOf('--out-dir'), 2, '--out', path.join(refDir, 'results.json'));
    const ref = ok(await run('mila', one, {}));
    expect(lines(ref.out)).toContain('Evaluating segm...');
    expect(merged.out).toBe(ref.out.replaceAll(refDir, outDir));
    for (const kind of ['bbox', 'segm']) expect(sameBytes(path.join(outDir, `results.${kind}.json`), path.join(refDir, `results.${kind}.json`)), kind).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Slurm

/** `#SBATCH --name=value` of a script. */
function sbatchOption(script: string, name: string): string {
  const m = new RegExp(`^#SBATCH --${name}=(\\S+)$`, 'm').exec(readFileSync(path.join(SLURM, script), 'utf8'));
  expect(m, `#SBATCH --${name} in ${script}`).not.toBeNull();
  return m![1]!;
}

describe('examples/slurm: array script, dependent merge', () => {
  const outDir = path.join(tmp, 'slurm-shared', 'shards');
  const jobEnv = () => ({ CONFIG: fx.seg.config, CHECKPOINT: fx.seg.checkpoint, DATA_ROOT: fx.adeRoot, OUT_DIR: outDir });
  /** What Slurm sets in array task `id` of `--array=min-max`. */
  const taskEnv = (id: number, min: number, max: number, cpus: string) => ({
    SLURM_ARRAY_JOB_ID: '4242',
    SLURM_JOB_ID: String(5000 + id),
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_COUNT: String(max - min + 1),
    SLURM_ARRAY_TASK_STEP: '1',
    SLURM_CPUS_PER_TASK: cpus,
  });
  const script = path.join(SLURM, 'shards.sbatch');
  let n = 0;
  let cpus = '';

  it('submit.sh queues the array, then the merge with afterok on the array job', async () => {
    const fake = path.join(tmp, 'fake-sbatch');
    mkdirSync(fake);
    const log = path.join(tmp, 'sbatch-calls.txt');
    // sbatch --parsable prints "jobid;cluster" on a multi-cluster setup; submit.sh must keep the id only.
    writeFileSync(path.join(fake, 'sbatch'), `#!/bin/sh\necho "$*" >> "${log}"\ncase "$1" in --parsable) echo "4242;cluster1";; *) echo "Submitted batch job 4243";; esac\n`);
    chmodSync(path.join(fake, 'sbatch'), 0o755);
    const r = ok(await run('bash', [path.join(SLURM, 'submit.sh')], { ...jobEnv(), PATH: `${fake}${path.delimiter}${process.env.PATH}` }));
    expect(lines(readFileSync(log, 'utf8'))).toEqual([`--parsable ${script}`, `--dependency=afterok:4242 ${path.join(SLURM, 'merge.sbatch')}`]);
    expect(r.out).toContain('job array 4242');
  });

  it('the array tasks (SLURM_ARRAY_TASK_ID/COUNT) and merge.sbatch print the mIoU tables and write the label maps of one seg-test', async () => {
    const [min, max] = sbatchOption('shards.sbatch', 'array').split('-').map(Number) as [number, number];
    cpus = sbatchOption('shards.sbatch', 'cpus-per-task');
    n = max - min + 1;
    expect(n).toBeGreaterThan(1);
    const tasks = await Promise.all(Array.from({ length: n }, (_, k) => run('bash', [script], { ...jobEnv(), ...taskEnv(min + k, min, max, cpus) })));
    tasks.forEach((r, i) => {
      ok(r);
      expect(lines(r.out)).toEqual([expect.stringMatching(new RegExp(`^shard ${i}/${n} \\(from SLURM_ARRAY_TASK_ID=${min + i} .*COUNT=${n}\\)\\): \\d of 5 images`))]);
      expect(lines(r.err).filter((l) => l.startsWith(`seg-test [shard ${i}/${n}] `)).at(-1)).toMatch(/ (\d)\/\1 images \| [\d.]+ img\/s$/);
    });
    const merged = ok(await run('bash', [path.join(SLURM, 'merge.sbatch')], { OUT_DIR: outDir, SLURM_JOB_ID: '4243' }));

    // One unsharded seg-test with the script's options.
    const refDir = path.join(tmp, 'slurm-one');
    const ref = ok(await run('mila', ['seg-test', fx.seg.config, fx.seg.checkpoint, '--data-root', fx.adeRoot, '--aug-test', '--out-dir', refDir, '--workers', '1', '--json'], {}));
    const refLines = lines(ref.out);
    const json = JSON.parse(refLines.at(-1)!);
    expect(json.mIoU).toBeGreaterThan(0);
    // One run: a timing line, the tables, `predictions written to`, the JSON line.
    expect(lines(merged.out)).toEqual([...refLines.slice(1, -2), `wrote the per-class areas and metrics of 5 images to ${path.join(outDir, 'results.miou.json')}`, `predictions written to ${outDir}`]);
    const written = JSON.parse(readFileSync(path.join(outDir, 'results.miou.json'), 'utf8'));
    // The same float64 numbers, not only the same printed digits.
    expect([written.aAcc, written.mIoU, written.mAcc, written.IoU, written.Acc]).toEqual([json.aAcc, json.mIoU, json.mAcc, json.IoU, json.Acc]);
    const pngs = files(refDir);
    expect(pngs).toHaveLength(5);
    for (const f of pngs) expect(sameBytes(path.join(outDir, f), path.join(refDir, f)), f).toBe(true);
  });

  it('a task killed halfway leaves its shard missing; resubmitted alone with SHARDS it replaces only its own files', async () => {
    expect(n).toBeGreaterThan(2);
    const before = new Map(files(outDir).map((f) => [f, statSync(path.join(outDir, f)).mtimeMs]));
    const mergedBefore = ok(await run('mila', ['merge', outDir], {}));
    const mine = (JSON.parse(readFileSync(path.join(outDir, `shard-2-of-${n}.manifest.json`), 'utf8')) as { result: { names: string[] } }).result.names;
    expect(mine.length).toBeGreaterThan(0);
    const own = (f: string) => f.startsWith(`shard-2-of-${n}.`) || mine.includes(path.basename(f, '.png'));

    // Task 2 rerun and killed (the node died) once it has started writing into the folder.
    const child = spawn('bash', [script], { env: { ...cleanEnv(), ...jobEnv(), ...taskEnv(2, 2, 2, cpus), SHARDS: String(n) } });
    await new Promise<void>((resolve) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes(`shard 2/${n}`)) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const broken = await run('mila', ['merge', outDir], {});
    expect(broken.code).toBe(1);
    expect(lines(broken.err)).toEqual([expect.stringMatching(new RegExp(`^mila merge: shard 2/${n} missing in .*: not run yet, still running, or stopped before its end; run it with --shard 2/${n}$`))]);

    // Resubmitted as a one-task array without SHARDS, it would be shard 0 of 1: refused before any work.
    const alone = await run('bash', [script], { ...jobEnv(), ...taskEnv(2, 2, 2, cpus) });
    expect(alone.code).toBe(1);
    // (after the backend's line, the one error line)
    expect(lines(alone.err).filter((l) => !l.startsWith('mila: backend '))).toEqual([
      expect.stringMatching(new RegExp(`^mila seg-test: .*shard-0-of-${n}\\.manifest\\.json is a shard of ${n} but this is shard 0/1 \\(from SLURM_ARRAY_TASK_ID=2 .*pass --shards N`)),
    ]);

    ok(await run('bash', [script], { ...jobEnv(), ...taskEnv(2, 2, 2, cpus), SHARDS: String(n) }));
    for (const [f, t] of before) {
      if (f.startsWith('results.')) continue;
      const now = statSync(path.join(outDir, f)).mtimeMs;
      if (own(f)) expect(now, f).toBeGreaterThan(t);
      else expect(now, f).toBe(t);
    }
    expect(ok(await run('mila', ['merge', outDir], {})).out).toBe(mergedBefore.out);
  });
});
