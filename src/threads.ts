/**
 * Starting a module of this program on a worker thread, from source (tsx, vitest) or from the
 * build (dist/). Workers do not inherit tsx's loader, so a `.ts` module is started by a one-line
 * boot script that registers tsx first.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Starts `moduleUrl` (a sibling `.ts` or `.js` file, by this module's own extension) on a new thread. */
export function startModuleThread(moduleUrl: URL, workerData: unknown, name: string): Worker {
  if (moduleUrl.pathname.endsWith('.ts')) {
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
    return new Worker(boot, { eval: true, workerData, name });
  }
  return new Worker(moduleUrl, { workerData, name });
}

/** `name` next to the calling module, with that module's extension (`.ts` from source, `.js` built). */
export function siblingModule(callerUrl: string, name: string): URL {
  const ext = callerUrl.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, callerUrl);
}

/**
 * Lowers the scheduling priority of the calling thread (not the process) by `by` nice levels, so
 * the OS runs other threads first when they compete for a core. Linux only (a thread's id comes
 * from /proc/thread-self); elsewhere, or without permission, it changes nothing and says so.
 */
export function lowerThisThreadPriority(by: number): { ok: true; nice: number } | { ok: false; reason: string } {
  try {
    // Synchronous on purpose: an async call would read the link from a libuv pool thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return { ok: false, reason: 'no thread id in /proc/thread-self' };
    const nice = Math.min(19, getPriority(tid) + by);
    setPriority(tid, nice);
    return { ok: true, nice };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
