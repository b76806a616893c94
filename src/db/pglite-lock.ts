/**
 * One process per PGlite directory. PGlite is PostgreSQL inside this process, with no server to
 * arbitrate: a second process opening the same directory (the CLI while the bot runs, a second
 * bot) would write the same files behind the first one's back and corrupt the database, audit
 * log included. So the directory is claimed by a lock file next to it (`<dir>.lock`), holding the
 * claiming process's id; a claim whose process is gone (killed, crashed) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

/** The PGlite directory is held by another live process. */
export class DatabaseBusyError extends Error {
  readonly code = 'database_busy';
  constructor(
    message: string,
    readonly holderPid: number,
  ) {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

interface LockContent {
  pid: number;
  since: string;
  command: string;
}

/** The lock file for a PGlite directory. */
export function lockPathOf(dir: string): string {
  return `${resolve(dir).replace(/[/\\]+$/, '')}.lock`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, it is just not ours to signal.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | null {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof c.pid === 'number' && Number.isInteger(c.pid) && c.pid > 0 ? { pid: c.pid, since: String(c.since ?? '?'), command: String(c.command ?? '?') } : null;
  } catch {
    return null;
  }
}

/**
 * Claims `dir` for this process; returns the release function (idempotent). Throws a
 * DatabaseBusyError naming the holder when a live process holds it (this one included: a second
 * open in one process would be just as bad).
 */
export function lockPgliteDir(dir: string): () => void {
  const path = lockPathOf(dir);
  const mine: LockContent = { pid: process.pid, since: new Date().toISOString(), command: process.argv.slice(1, 3).join(' ') };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = readLock(path);
      if (held && alive(held.pid)) {
        const who = held.pid === process.pid ? 'this process already' : `process ${held.pid} (${held.command}, since ${held.since})`;
        throw new DatabaseBusyError(
          `The embedded database in ${resolve(dir)} is open in ${who}. PGlite allows one process at a time: stop the bot before running the CLI on it (or use PostgreSQL through DATABASE_URL to run both). If no such process is running, delete ${path}.`,
          held.pid,
        );
      }
      // A claim left behind by a process that is gone (or an unreadable one): take it over.
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(mine));
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      // Only our own claim: never one another process took over meanwhile.
      if (readLock(path)?.pid === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', release);
    return release;
  }
  throw new DatabaseBusyError(`Could not claim the embedded database in ${resolve(dir)}: another process keeps claiming ${path}.`, 0);
}
