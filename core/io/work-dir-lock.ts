import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors.js';

// Our own lock file rather than proper-lockfile (npm): that one is a directory with no content, so a refused run
// could not name the process holding it, and it judges staleness by age only, which cannot tell a dead run from a
// live one on this host.

/** The lock's name inside the work dir. */
export const WORK_DIR_LOCK_FILE = 'mila-train.lock';
/** How often a holder refreshes its lock's modification time (the heartbeat another host judges it by). */
export const LOCK_HEARTBEAT_MS = 60_000;
/**
 * A lock of another host is stale once its heartbeat is this old. The runner beats after every iteration and a
 * timer between evaluation images; nothing of a run holds the thread for minutes.
 */
export const FOREIGN_LOCK_STALE_MS = 10 * 60_000;

/** What the lock file holds (JSON). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** The command line, for the message of a refused run. */
  command: string;
  /** Linux: the boot the pid belongs to, and the process's start time in clock ticks since boot (pid reuse). */
  bootId?: string;
  processStart?: string;
  /** Random: tells this lock from a later one of a process that got the same pid. */
  token: string;
}

export interface WorkDirLock {
  readonly path: string;
  /** Refresh the heartbeat now if the last one is older than LOCK_HEARTBEAT_MS (cheap: call it every iteration). */
  heartbeat(): void;
  /** Remove the lock (once the process's every holder has released it). */
  release(): void;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${path}: cannot read the lock file (${(err as Error).message})`);
  }
}

function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() || undefined;
}

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot); the command name before it may hold spaces. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    return typeof h === 'object' && h !== null && Number.isInteger(h.pid) && typeof h.hostname === 'string' && typeof h.token === 'string' ? (h as LockHolder) : null;
  } catch {
    return null;
  }
}

/**
 * Why the lock's holder is known to be gone (a reason for the log line), or null when it may still be running.
 * On this host: the pid is not alive, or belongs to another boot or to a newer process (pid reuse), or is this
 * very process (which holds no lock of its own there: a leftover of an earlier process with the same pid, as in
 * containers). On another host the pid cannot be checked; its heartbeat can.
 */
function goneReason(holder: LockHolder, mtimeMs: number): string | null {
  if (holder.hostname !== hostname()) {
    const age = Date.now() - mtimeMs;
    return age > FOREIGN_LOCK_STALE_MS ? `no heartbeat from host ${holder.hostname} for ${Math.round(age / 60_000)} minutes` : null;
  }
  const boot = bootId();
  if (holder.bootId && boot && holder.bootId !== boot) return 'the machine restarted since';
  if (holder.pid === process.pid) return 'its pid is now this process';
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists (another user's).
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'not running';
  }
  const start = processStart(holder.pid);
  if (holder.processStart && start && holder.processStart !== start) return 'its pid now belongs to another process';
  return null;
}

function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.hostname}, since ${h.startedAt}`;
}

/** Locks this process holds, by real path of the work dir: `mila start` locks before `runTraining` does. */
const held = new Map<string, { lock: WorkDirLock; count: number; drop: () => void }>();

function releaseAll(): void {
  for (const { drop } of [...held.values()]) drop();
}

/**
 * Take `<dir>/mila-train.lock` for a training run, or fail with one line naming the process that holds it. The
 * file is created exclusively (O_EXCL) and holds pid, host, start time and command. A lock whose holder is gone
 * (see goneReason) is taken over, with `log` saying so. The lock is released by `release()` and at process exit;
 * a run killed by a signal leaves it behind (signal handlers would only run between iterations, delaying Ctrl-C by a
 * whole step), and the next run takes it over: at once on this host, the pid being dead; from another host once
 * the heartbeat is FOREIGN_LOCK_STALE_MS old. Within one process the lock is reentrant (each `lockWorkDir` needs
 * its `release`).
 */
export function lockWorkDir(dir: string, log: (line: string) => void = () => {}): WorkDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, WORK_DIR_LOCK_FILE);
  const key = realpathSync(dir);
  const mine = held.get(key);
  if (mine) {
    mine.count++;
    return mine.lock;
  }
  const holder: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
    bootId: bootId(),
    processStart: processStart(process.pid),
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`${path}: cannot create the lock file (${(err as Error).message})`);
      takeOverIfStale(path, log);
      continue;
    }
    try {
      writeSync(fd, text);
    } catch (err) {
      closeSync(fd);
      rmSync(path, { force: true });
      throw new UserError(`${path}: cannot write the lock file (${(err as Error).message})`);
    }
    closeSync(fd);
    return holdLock(path, key, text);
  }
  throw new UserError(`${path}: other runs keep taking this work dir's lock; try again`);
}

/** Remove the lock at `path` if its holder is gone; refuse (one line naming it) if it may be running. */
function takeOverIfStale(path: string, log: (line: string) => void): void {
  const text = readText(path);
  if (text === null) return; // released meanwhile: try again
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return;
  }
  const holder = parseHolder(text);
  // An unreadable lock was being written a moment ago (the few bytes after the exclusive create), or is debris.
  const reason = holder ? goneReason(holder, mtimeMs) : Date.now() - mtimeMs > 10_000 ? 'the lock file is not one of ours' : null;
  if (reason === null) {
    const who = holder ? `${describeHolder(holder)}: ${holder.command}` : 'a run starting right now';
    throw new UserError(
      `${path}: another mila train is using this work dir (${who}); wait for it, use another --work-dir, or delete the lock file if that run is gone`,
    );
  }
  // Move the stale lock aside atomically: of several runs taking it over, one rename wins.
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readText(aside);
  if (moved !== text) {
    // Between our look and the rename another run took the lock over: put its lock back (link never replaces a
    // newer one), then try again.
    try {
      linkSync(aside, path);
    } catch {
      /* a newer lock is there */
    }
    rmSync(aside, { force: true });
    return;
  }
  rmSync(aside, { force: true });
  log(`${path}: took over the lock of ${holder ? describeHolder(holder) : 'an unknown process'} (${reason})`);
}

/** Register the lock just created at `path` (holding `text`) as this process's. */
function holdLock(path: string, key: string, text: string): WorkDirLock {
  let lastBeat = Date.now();
  const drop = (): void => {
    held.delete(key);
    clearInterval(timer);
    if (held.size === 0) process.removeListener('exit', releaseAll);
    try {
      // Only our own lock: a run that (wrongly) took it over keeps its own.
      if (readText(path) === text) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  const lock: WorkDirLock = {
    path,
    heartbeat() {
      if (Date.now() - lastBeat < LOCK_HEARTBEAT_MS) return;
      lastBeat = Date.now();
      try {
        if (readText(path) === text) utimesSync(path, new Date(), new Date());
      } catch {
        /* a missed beat is retried on the next call */
      }
    },
    release() {
      const entry = held.get(key);
      if (entry?.lock === lock && --entry.count === 0) drop();
    },
  };
  // Between iterations the runner calls heartbeat(); the timer covers long evaluations (it never keeps the process up).
  const timer = setInterval(() => lock.heartbeat(), LOCK_HEARTBEAT_MS);
  timer.unref();
  held.set(key, { lock, count: 1, drop });
  // process.exit() (the CLI's backstop after an unawaited error) skips finally blocks, not 'exit' listeners.
  if (held.size === 1) process.on('exit', releaseAll);
  return lock;
}
