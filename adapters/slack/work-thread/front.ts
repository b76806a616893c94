/**
 * The main-thread side of the Slack work thread. Bolt's receiver (HTTP or Socket Mode) verifies
 * and parses each request on the thread that owns the socket, then hands it here instead of to
 * the Bolt app: the front acks at once what needs no answer in its ack, and passes the request to
 * the work thread, which runs the same listeners over its own database connections. So acks never
 * wait behind the work of the requests before them (rendering, database round trips, answers).
 *
 * Nothing is lost when the work thread is not there: while it is down (not started yet, crashed,
 * restarting, or the bot is stopping) requests are handled on this thread by `local`, the usual
 * Bolt app. If it dies with requests in flight, each is settled: an unacked one gets an empty ack,
 * and a user with a response URL is told to check before trying again. It is then restarted.
 */
import type { ReceiverEvent } from '@slack/bolt';
import type { Worker } from 'node:worker_threads';
import { currentInbox } from '../../../src/inbox-context.js';
import type { Logger } from '../../../src/logger.js';
import type { SlackMetrics } from '../deps.js';
import { acksAtOnce, type FromWorkThread, type ToWorkThread } from './protocol.js';

export interface WorkThreadFrontOptions {
  /** Starts a work thread (src/slack-work-thread.ts); it says `ready` once it takes requests. */
  spawn: () => Worker;
  /** Handles a request on this thread: the Bolt app with the same listeners. */
  local: { processEvent(event: ReceiverEvent): Promise<void> };
  logger: Logger;
  /** Where counts from the work thread are added (the registry /metrics serves). */
  metrics: SlackMetrics;
  /** Told the audit actions of each transaction the work thread commits. */
  onAudited?: (actions: readonly string[]) => void;
  /** Tells the user behind a response URL that their request was cut off. */
  tellCutOff: (responseUrl: string) => Promise<void>;
  /** How long a work thread may take to say `ready` (default 30 s). */
  startTimeoutMs?: number;
  /** Waits before each restart after the work thread died; the last repeats (default 1 s, 5 s, 30 s). */
  restartDelaysMs?: readonly number[];
  /** Longest wait for in-flight requests when stopping (default 15 s). */
  stopTimeoutMs?: number;
}

interface Pending {
  event: ReceiverEvent;
  acked: boolean;
  responseUrl?: string;
  /** Resolves the request's `processEvent`: it is fully handled (or settled after a crash). */
  finish: () => void;
}

const PINO_LEVELS: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Writes a log line from the work thread through this thread's logger (one stream, one format). */
export function relayLog(logger: Logger, line: string): void {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    record = null;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    logger.warn({ line: line.slice(0, 2000) }, 'slack work thread: an unreadable log line');
    return;
  }
  const { level, time: _time, pid: _pid, hostname: _hostname, msg, ...fields } = record as Record<string, unknown>;
  const name = PINO_LEVELS[Number(level)] ?? 'info';
  logger[name](fields, typeof msg === 'string' ? msg : '');
}

export class WorkThreadFront {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: (() => void)[] = [];
  private seq = 0;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WorkThreadFrontOptions) {}

  /** True while requests go to the work thread. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** The running work thread, if any (diagnostics and tests). */
  get thread(): Worker | null {
    return this.worker;
  }

  /** Requests handed over and not yet fully handled. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Starts the work thread; rejects if it cannot (the caller decides whether that is fatal). */
  async start(): Promise<void> {
    this.worker = await this.launch();
  }

  /** Bolt's receivers call this for every verified request (the `App.processEvent` contract). */
  async processEvent(event: ReceiverEvent): Promise<void> {
    await this.handOver(event).handedOver;
  }

  /** Like processEvent, but resolves only once the request is fully handled (or settled after a crash). */
  async run(event: ReceiverEvent): Promise<void> {
    const { handedOver, finished } = this.handOver(event);
    await handedOver;
    await finished;
  }

  private handOver(event: ReceiverEvent): { handedOver: Promise<void>; finished: Promise<void> } {
    const worker = this.worker;
    if (!worker) {
      const local = this.o.local.processEvent(event);
      return { handedOver: local, finished: Promise.resolve() };
    }
    const id = ++this.seq;
    const acked = acksAtOnce(event.body);
    const responseUrl = typeof event.body.response_url === 'string' ? event.body.response_url : undefined;
    const inbox = currentInbox();
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    this.pending.set(id, { event, acked, finish, ...(responseUrl ? { responseUrl } : {}) });
    const message: ToWorkThread = {
      type: 'request',
      id,
      body: event.body,
      acked,
      ...(event.retryNum !== undefined ? { retryNum: event.retryNum } : {}),
      ...(event.retryReason ? { retryReason: event.retryReason } : {}),
      ...(inbox ? { inboxKey: inbox.key } : {}),
    };
    const handedOver = (async () => {
      try {
        if (acked) await event.ack();
      } finally {
        // Handed over even if the ack could not be written (the caller hung up): the work is still
        // owed, and a retry by Slack is dropped by its trigger id.
        worker.postMessage(message);
      }
    })();
    return { handedOver, finished };
  }

  /** Resolves once every request handed over so far is fully handled (or settled after a crash). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Lets the work thread finish what it has, then ends it; later requests are handled here. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    // From here on requests are handled on this thread; the work thread only finishes its own.
    this.worker = null;
    const stopped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.o.stopTimeoutMs ?? 15_000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.on('message', (m: FromWorkThread) => m.type === 'stopped' && done());
      worker.once('exit', done);
    });
    worker.postMessage({ type: 'stop' } satisfies ToWorkThread);
    await stopped;
    await worker.terminate();
    this.settle('the bot is stopping');
  }

  private launch(): Promise<Worker> {
    const worker = this.o.spawn();
    const timeoutMs = this.o.startTimeoutMs ?? 30_000;
    return new Promise<Worker>((resolve, reject) => {
      let starting = true;
      const timer = setTimeout(() => {
        if (!starting) return;
        starting = false;
        void worker.terminate();
        reject(new Error(`the Slack work thread did not start within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      timer.unref();
      worker.on('message', (m: FromWorkThread) => {
        if (starting && m.type === 'ready') {
          starting = false;
          clearTimeout(timer);
          resolve(worker);
        } else if (starting && m.type === 'failed') {
          starting = false;
          clearTimeout(timer);
          void worker.terminate();
          reject(new Error(`the Slack work thread could not start: ${m.error}`));
        } else {
          this.onMessage(m);
        }
      });
      const lost = (why: string) => {
        if (starting) {
          starting = false;
          clearTimeout(timer);
          reject(new Error(`the Slack work thread ${why} while starting`));
          return;
        }
        this.lost(worker, why);
      };
      worker.on('error', (err) => lost(`failed (${err.message})`));
      worker.on('exit', (code) => lost(`exited (code ${code})`));
    });
  }

  private onMessage(m: FromWorkThread): void {
    switch (m.type) {
      case 'ack': {
        const p = this.pending.get(m.id);
        if (p && !p.acked) {
          p.acked = true;
          void p.event.ack(m.response);
        }
        return;
      }
      case 'done': {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        // A listener that never acked is left to the receiver's unhandled-request answer, as on
        // this thread; one whose handling threw gets its empty ack now.
        if (p && !p.acked && m.failed) void p.event.ack();
        p?.finish();
        if (this.pending.size === 0) this.wakeWaiters();
        return;
      }
      case 'log':
        relayLog(this.o.logger, m.line);
        return;
      case 'count':
        this.o.metrics[m.metric].inc(m.labels);
        return;
      case 'audited':
        this.o.onAudited?.(m.actions);
        return;
      default:
        return;
    }
  }

  private lost(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    if (this.stopping) return;
    const inFlight = this.pending.size;
    this.settle(`the work thread ${why}`);
    this.scheduleRestart(why, inFlight);
  }

  private scheduleRestart(why: string, inFlight: number): void {
    this.failures += 1;
    const delays = this.o.restartDelaysMs ?? [1_000, 5_000, 30_000];
    const delay = delays[Math.min(this.failures, delays.length) - 1] ?? 1_000;
    this.o.logger.error(
      { why, inFlight, restartInMs: delay },
      `slack: the work thread ${why}; Slack requests are handled on the main thread until it is back (restart in ${delay / 1000} s)`,
    );
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    let worker: Worker;
    try {
      worker = await this.launch();
    } catch (err) {
      if (this.stopping) return;
      this.scheduleRestart(`could not restart (${err instanceof Error ? err.message : String(err)})`, 0);
      return;
    }
    if (this.stopping) {
      await worker.terminate();
      return;
    }
    this.worker = worker;
    this.failures = 0;
    this.o.logger.info('slack: the work thread is back; Slack requests are handled there again');
  }

  /** Settles every request handed over and not finished: an empty ack if none was sent, and a word to the user. */
  private settle(why: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.finish();
      if (!p.acked) void p.event.ack();
      if (p.responseUrl) {
        this.o.tellCutOff(p.responseUrl).catch((err: unknown) => this.o.logger.warn({ err, why }, 'slack: could not tell a user their request was cut off'));
      }
    }
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
