/**
 * Starts a TypeScript module in a worker thread. Workers do not inherit tsx's loader, so the
 * worker first registers it (tsx/esm/api) and then imports the module.
 */
import { Worker } from 'node:worker_threads';

export function startTsWorker(moduleUrl: URL, workerData?: unknown): Worker {
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
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
