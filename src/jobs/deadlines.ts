/**
 * The deadline loop: sleeps until the next deadline (an activation ending, a request timing out,
 * a scheduled start, a warning), then has the core process everything due. It runs once at start,
 * so whatever came due while the bot was down is handled first. Every replica runs one; the core
 * claims due rows with SKIP LOCKED, so each deadline is processed once.
 */
import type { Clock, DeadlineResult } from '../core/index.js';
import type { DispatcherLogger } from './dispatcher.js';
import { Alarm } from './alarm.js';

/** What the loop drives: the core's `Pim` (processDeadlines, nextDeadline). */
export interface DeadlineWork {
  /** Acts on everything due now; safe in several replicas at once. */
  processDeadlines(): Promise<DeadlineResult>;
  /** The next instant something comes due (an end, a timeout, a scheduled start, a warning). */
  nextDeadline(): Promise<Date | null>;
}

export interface DeadlineLoopOptions {
  work: DeadlineWork;
  clock: Clock;
  logger: DispatcherLogger;
  /** Longest sleep without a signal (safety net against missed wake-ups from other replicas). */
  maxSleepMs?: number;
  /**
   * Least time between the starts of two passes when a wake-up (not a deadline) triggers the
   * second: every commit wakes the loop, and under a burst of commands one pass per interval
   * reads the deadlines instead of one per commit. Deadlines themselves are acted on at once.
   */
  minWakeIntervalMs?: number;
  /** Called after a pass that did something (metrics: expiry lag). */
  onProcessed?: (result: DeadlineResult) => void;
  /**
   * When the clock last jumped forward (playground time travel), the time it landed on. A
   * deadline the jump passed over is late only from then, not from when it fell.
   */
  clockLandedAt?: () => Date | null;
}

export class DeadlineLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly alarm = new Alarm();
  private readonly stopped = new Alarm();
  private readonly maxSleepMs: number;
  private readonly minWakeIntervalMs: number;
  /** Callers of settled() waiting for the next whole pass. */
  private waiting: (() => void)[] = [];

  constructor(private readonly o: DeadlineLoopOptions) {
    this.maxSleepMs = o.maxSleepMs ?? 15_000;
    this.minWakeIntervalMs = o.minWakeIntervalMs ?? 250;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped.reset();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped.ring();
    this.wake();
    await this.loop;
    this.loop = null;
    for (const done of this.waiting.splice(0)) done();
  }

  /**
   * Resolves once a pass that starts after this call has ended, so everything due by now has
   * been processed (or the pass failed and was logged). At once when the loop is not running.
   */
  async settled(): Promise<void> {
    if (!this.running) return;
    const done = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.wake();
    return done;
  }

  /** Something changed (a new activation, the clock moved): look at the deadlines again. */
  wake(): void {
    this.alarm.ring();
  }

  /** Processes what is due now; exposed for tests and the CLI. */
  async tick(): Promise<void> {
    const result = await this.o.work.processDeadlines();
    const { expired, timedOut, started, warned } = result;
    if (expired || timedOut || started || warned) {
      const expiryLagsMs = this.sinceLanding(result.expiryLagsMs);
      const maxLagMs = expiryLagsMs.reduce((m, x) => Math.max(m, x), 0);
      this.o.logger.info({ expired, timedOut, started, warned, ...(expired ? { maxExpiryLagMs: maxLagMs } : {}) }, 'deadlines processed');
      this.o.onProcessed?.({ ...result, expiryLagsMs });
    }
  }

  /** Lags counted from the last clock jump for deadlines it passed over (an upper bound: from now). */
  private sinceLanding(lagsMs: number[]): number[] {
    const landed = this.o.clockLandedAt?.();
    if (!landed) return lagsMs;
    const sinceMs = Math.max(0, this.o.clock.now().getTime() - landed.getTime());
    return lagsMs.map((lag) => Math.min(lag, sinceMs));
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.alarm.reset();
      const passStarted = performance.now();
      const waiting = this.waiting.splice(0);
      let wait = this.maxSleepMs;
      try {
        await this.tick();
        const next = await this.o.work.nextDeadline();
        if (next) wait = Math.min(wait, Math.max(0, next.getTime() - this.o.clock.now().getTime()));
      } catch (err) {
        this.o.logger.error({ err }, 'deadline processing failed; will retry');
        wait = Math.min(wait, 1_000);
      }
      for (const done of waiting) done();
      if (!this.running) break;
      const woken = await this.alarm.sleep(wait);
      const since = performance.now() - passStarted;
      if (woken && this.running && since < this.minWakeIntervalMs) await this.stopped.sleep(this.minWakeIntervalMs - since);
    }
  }
}
