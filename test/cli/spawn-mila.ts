import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const MILA = path.join(ROOT, 'dist/cli/mila.js');
/** Far above what a small run takes (a few seconds each on the loaded 2-core machine), far below "hangs". */
export const DEADLINE_MS = 90_000;

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Peak resident memory of the whole process (worker threads included), MB. */
  maxRssMb: number;
  pid: number;
}

/** Reports the process's peak RSS on stderr as it exits, whatever way it exits. */
const RSS_REPORT = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxrss-kb "+process.resourceUsage().maxRSS+"\\n"))';

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with the child as soon as it is spawned (to signal it, say). */
  onSpawn?: (pid: number) => void;
}

/**
 * Run node with `args` as a child process, killed after DEADLINE_MS (`timedOut` then set). Asynchronous: a
 * blocking spawnSync would stall the test worker's own messaging with vitest for seconds.
 */
export function runNode(args: string[], opts: SpawnOptions = {}): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', RSS_REPORT, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    opts.onSpawn?.(child.pid!);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const rss = stderr.match(/\nmaxrss-kb (\d+)\n/);
      resolve({ code, signal, stdout, stderr: stderr.replace(/\nmaxrss-kb \d+\n/, ''), timedOut, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, pid: child.pid! });
    });
  });
}

/** The built CLI, as a scheduler runs it (one native thread: other tests share the machine). */
export function spawnMila(args: string[], opts: SpawnOptions = {}): Promise<ChildRun> {
  return runNode([MILA, ...args], { ...opts, env: { ...process.env, MILA_NUM_THREADS: '1', ...opts.env } });
}

/** Exit code 1 in time, and exactly one `mila <command>: ` line on stderr, matching `message`; returns that line. */
export function expectFatal(r: ChildRun, command: string, message: RegExp): string {
  expect(r.timedOut, `still running after ${DEADLINE_MS} ms; stderr:\n${r.stderr}`).toBe(false);
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith(`mila ${command}: `));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  return errors[0]!;
}

/** Exit code 0 in time. */
export function expectSuccess(r: ChildRun): void {
  expect(r.timedOut, `still running after ${DEADLINE_MS} ms; stderr:\n${r.stderr}`).toBe(false);
  expect(r.code, r.stderr).toBe(0);
}
