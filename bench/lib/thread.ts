/** The bench's helper threads: started like the bot's own (src/threads.ts), and waited on. */
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../../src/threads.js';

/** Starts a TypeScript module in a worker thread (tsx registered first, as workers do not inherit it). */
export function startTsWorker(moduleUrl: URL, workerData?: unknown): Worker {
  return startModuleThread(moduleUrl, workerData, `bench-${moduleUrl.pathname.split('/').pop() ?? 'worker'}`);
}

/** The next message from `worker` matching `accept`, or a rejection after `timeoutMs`. */
export function nextMessage<T>(worker: Worker, accept: (m: any) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: any) => {
      if (!accept(m)) return;
      done();
      resolve(m as T);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`the ${what} worker exited (code ${code})`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the ${what} worker`));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
