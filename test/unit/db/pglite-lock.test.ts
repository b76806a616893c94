/** The one-process claim on a PGlite directory (no PGlite is opened here: the claim comes first). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseBusyError, lockPathOf, lockPgliteDir } from '../../../src/db/pglite-lock.js';

let root: string;
let dir: string;
let sleeper: ChildProcess | undefined;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pim-lock-'));
  dir = join(root, 'pglite');
});

afterEach(() => {
  sleeper?.kill();
  sleeper = undefined;
  rmSync(root, { recursive: true, force: true });
});

/** The id of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (!r.pid) throw new Error('could not start a process');
  return r.pid;
}

/** A live process that is not this one. */
function livePid(): number {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  if (!sleeper.pid) throw new Error('could not start a process');
  return sleeper.pid;
}

describe('lockPgliteDir', () => {
  it('claims the directory with a lock file next to it naming this process, and releases it', () => {
    const release = lockPgliteDir(dir);
    const path = lockPathOf(dir);
    expect(path).toBe(`${dir}.lock`);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    expect(existsSync(path)).toBe(false);
    release(); // idempotent
    lockPgliteDir(dir)();
  });

  it('refuses a second claim while the first is held, in this process too', () => {
    const release = lockPgliteDir(dir);
    try {
      expect(() => lockPgliteDir(`${dir}/`)).toThrow(DatabaseBusyError);
      expect(() => lockPgliteDir(dir)).toThrow(/is open in this process already/);
    } finally {
      release();
    }
  });

  it('refuses while another live process holds it, naming the process and what to do', () => {
    const pid = livePid();
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid, since: '2026-11-23T10:00:00.000Z', command: 'dist/src/main.js' }));
    let error: unknown;
    try {
      lockPgliteDir(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect((error as DatabaseBusyError).holderPid).toBe(pid);
    expect((error as Error).message).toContain(`is open in process ${pid} (dist/src/main.js, since 2026-11-23T10:00:00.000Z)`);
    expect((error as Error).message).toContain('stop the bot before running the CLI');
    expect((error as Error).message).toContain(`delete ${lockPathOf(dir)}`);
    // The other process's claim is left alone.
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(pid);
  });

  it('takes over a claim left by a process that is gone, or one that cannot be read', () => {
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: deadPid(), since: 'x', command: 'y' }));
    const release = lockPgliteDir(dir);
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(process.pid);
    release();

    writeFileSync(lockPathOf(dir), 'not json');
    lockPgliteDir(dir)();
    expect(existsSync(lockPathOf(dir))).toBe(false);
  });

  it('takes over a claim whose pid now belongs to another process (it started at another time)', () => {
    const pid = livePid();
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid, started: '1', since: 'x', command: 'y' }));
    const release = lockPgliteDir(dir);
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('refuses a live holder whose start time matches, and records its own start time', () => {
    const release = lockPgliteDir(dir);
    const mine = JSON.parse(readFileSync(lockPathOf(dir), 'utf8')) as { started: string | null };
    release();
    if (process.platform === 'linux') expect(mine.started).toMatch(/^\d+$/);
    const pid = livePid();
    const started = process.platform === 'linux' ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19] : null;
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid, started, since: 'x', command: 'y' }));
    expect(() => lockPgliteDir(dir)).toThrow(DatabaseBusyError);
  });

  it('takes over a claim with this process’s pid that this process does not hold (a restarted container)', () => {
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid: process.pid, started: '1', since: 'x', command: 'y' }));
    const release = lockPgliteDir(dir);
    expect(() => lockPgliteDir(dir)).toThrow(/this process already/);
    release();
  });

  it('does not delete a claim another process took over meanwhile', () => {
    const release = lockPgliteDir(dir);
    const pid = livePid();
    writeFileSync(lockPathOf(dir), JSON.stringify({ pid, since: 'x', command: 'y' }));
    release();
    expect(JSON.parse(readFileSync(lockPathOf(dir), 'utf8')).pid).toBe(pid);
  });
});
