/**
 * One process per PGlite directory. PGlite is PostgreSQL inside this process, with no server to
 * arbitrate: a second process opening the same directory (the CLI while the bot runs, a second
 * bot) would write the same files behind the first one's back and corrupt the database, audit
 * log included. So the directory is claimed by a lock file next to it (`<dir>.lock`), holding the
 * claiming process's id and start time; a claim whose process is gone (killed, crashed, or its
 * pid now someone else's) is taken over.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';

/** The PGlite directory is held by another live process. */
export class DatabaseBusyError extends Error {
  readonly code = 'database_busy';
  constructor(
    message: string,
    /** The holder's pid; 0 when no single holder could be named. */
    readonly holderPid: number,
    /** The directory as it was given (PGLITE_DIR, e.g. `./.data/pglite`), for messages. */
    readonly dir: string,
  ) {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

interface LockContent {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is not taken for it. */
  started: string | null;
  since: string;
  command: string;
}

/** Lock files this process holds now. */
const heldHere = new Set<string>();

/** When process `pid` started (field 22 of /proc/<pid>/stat); null where there is no /proc. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * True when the process that wrote `held` still runs: its pid is alive and, where start times
 * can be read, started when the claim says. A container restarted on the same volume often gets
 * the very same pid (1, say), so a pid alone would lock it out of its own database.
 */
function holderRuns(path: string, held: LockContent): boolean {
  if (held.pid === process.pid) return heldHere.has(path);
  if (!alive(held.pid)) return false;
  const started = startTimeOf(held.pid);
  return held.started === null || started === null || started === held.started;
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
    if (typeof c.pid !== 'number' || !Number.isInteger(c.pid) || c.pid <= 0) return null;
    return { pid: c.pid, started: typeof c.started === 'string' ? c.started : null, since: String(c.since ?? '?'), command: String(c.command ?? '?') };
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
  const mine: LockContent = { pid: process.pid, started: startTimeOf(process.pid), since: new Date().toISOString(), command: process.argv.slice(1, 3).join(' ') };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = readLock(path);
      if (held && holderRuns(path, held)) {
        const who = held.pid === process.pid ? 'this process already' : `process ${held.pid} (${held.command}, since ${held.since})`;
        throw new DatabaseBusyError(
          `The embedded database in ${resolve(dir)} is open in ${who}. PGlite allows one process at a time: stop the bot before running the CLI on it (or use PostgreSQL through DATABASE_URL to run both). If no such process is running, delete ${path}.`,
          held.pid,
          dir,
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
    heldHere.add(path);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      heldHere.delete(path);
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
  throw new DatabaseBusyError(`Could not claim the embedded database in ${resolve(dir)}: another process keeps claiming ${path}.`, 0, dir);
}
