/**
 * The work-dir lock of `mila train` (issue 13, item 7): a live holder is refused in one line naming it; a dead
 * one (same host), a reused pid, a silent other host or debris is taken over with a notice; the lock goes away
 * on release and on every exit of the process, and a killed holder's lock is taken over by the next run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { WORK_DIR_LOCK_FILE, lockWorkDir, type LockHolder } from '../../core/io/work-dir-lock.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mila-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Run node with `args` (asynchronously: spawnSync would stall vitest's worker RPC); resolves with its pid and exit code. */
function runNode(args: string[]): Promise<{ pid: number; code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code, signal) => done({ pid: child.pid!, code, signal, stdout }));
  });
}

function writeLock(dir: string, holder: Partial<LockHolder>, ageMs = 0): string {
  const path = join(dir, WORK_DIR_LOCK_FILE);
  const full: LockHolder = { pid: 1, hostname: hostname(), startedAt: '2026-12-01T10:00:00.000Z', command: 'mila train x --work-dir w', token: 'feedfacefeedface', ...holder };
  writeFileSync(path, JSON.stringify(full));
  if (ageMs) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  return path;
}

function refusal(dir: string): string {
  try {
    lockWorkDir(dir).release();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('the lock was taken');
}

describe('work-dir lock', () => {
  it('holds pid, host, start time and command; is reentrant within a process; is removed on the last release', () => {
    const dir = tmp();
    const lock = lockWorkDir(dir);
    const holder = JSON.parse(readFileSync(lock.path, 'utf8')) as LockHolder;
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Date.now() - Date.parse(holder.startedAt)).toBeLessThan(60_000);
    expect(holder.command.length).toBeGreaterThan(0);
    const again = lockWorkDir(dir);
    again.release();
    expect(existsSync(lock.path)).toBe(true);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it('refuses while a live process on this host holds it, in one line naming it', () => {
    const dir = tmp();
    // The vitest main process: alive for the whole test.
    const path = writeLock(dir, { pid: process.ppid });
    expect(refusal(dir)).toBe(
      `${path}: another mila train is using this work dir (pid ${process.ppid} on ${hostname()}, since 2026-12-01T10:00:00.000Z: mila train x --work-dir w); wait for it, use another --work-dir, or delete the lock file if that run is gone`,
    );
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over the lock of a dead pid on this host, saying so', async () => {
    const dir = tmp();
    const dead = (await runNode(['-e', ''])).pid;
    const path = writeLock(dir, { pid: dead });
    const lines: string[] = [];
    const lock = lockWorkDir(dir, (l) => lines.push(l));
    expect(lines).toEqual([`${path}: took over the lock of pid ${dead} on ${hostname()}, since 2026-12-01T10:00:00.000Z (not running)`]);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('takes over a reused pid (another start time), a silent other host and old debris; refuses a fresh other host', () => {
    const cases: [Partial<LockHolder> | string, number, RegExp | null][] = [
      [{ pid: process.ppid, processStart: '1' }, 0, /\(its pid now belongs to another process\)$/],
      [{ hostname: 'elsewhere', pid: 4242 }, 11 * 60_000, /took over the lock of pid 4242 on elsewhere, .*\(no heartbeat from host elsewhere for 11 minutes\)$/],
      ['{"half a lock', 60_000, /took over the lock of an unknown process \(the lock file is not one of ours\)$/],
      [{ hostname: 'elsewhere', pid: 4242 }, 60_000, null],
      ['{"half a lock', 0, null],
    ];
    for (const [holder, age, taken] of cases) {
      const dir = tmp();
      const path = typeof holder === 'string' ? join(dir, WORK_DIR_LOCK_FILE) : writeLock(dir, holder, age);
      if (typeof holder === 'string') {
        writeFileSync(path, holder);
        if (age) utimesSync(path, new Date(Date.now() - age), new Date(Date.now() - age));
      }
      if (taken === null) {
        expect(refusal(dir)).toMatch(/mila-train\.lock: another mila train is using this work dir \((pid 4242 on elsewhere|a run starting right now)/);
        continue;
      }
      const lines: string[] = [];
      lockWorkDir(dir, (l) => lines.push(l)).release();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(taken);
    }
  });

  it('is gone after process.exit, an uncaught error and a rejected main; a SIGKILLed holder is taken over', async () => {
    const mod = JSON.stringify(join(ROOT, 'dist/core/io/work-dir-lock.js'));
    const ends = {
      exit: 'process.exit(3);',
      throw: "setTimeout(() => { throw new Error('boom'); });",
      reject: "await Promise.reject(new Error('boom'));",
      kill: "process.kill(process.pid, 'SIGKILL');",
    };
    for (const [how, end] of Object.entries(ends)) {
      const dir = tmp();
      const script = `import { lockWorkDir } from ${mod}; lockWorkDir(${JSON.stringify(dir)}); console.log('locked'); ${end}`;
      const r = await runNode(['--input-type=module', '-e', script]);
      expect(r.stdout, how).toBe('locked\n');
      expect(r.code === 0, how).toBe(false);
      const path = join(dir, WORK_DIR_LOCK_FILE);
      if (how !== 'kill') {
        expect(existsSync(path), how).toBe(false);
        continue;
      }
      expect(r.signal).toBe('SIGKILL');
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(r.pid);
      const lines: string[] = [];
      lockWorkDir(dir, (l) => lines.push(l)).release();
      expect(lines[0]).toMatch(new RegExp(`took over the lock of pid ${r.pid} .*\\(not running\\)$`));
    }
  });
});
