/**
 * Runs a task soon after it is asked for, once for any number of asks that arrive while it
 * waits or runs: asks during a run lead to one more run after it. Used to scan for alerts right
 * after the changes that can trigger them (a burst of 1,000 activations is one or two scans).
 * Runs are at least `minIntervalMs` apart unless an ask is urgent, so a steady stream of changes
 * costs one scan per interval, not one after another.
 */
export class Coalesced {
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private againUrgent = false;
  private stopped = false;
  private lastRunAt = -Infinity;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 250,
    private readonly minIntervalMs = 0,
  ) {}

  /** Asks for a run; `urgent` runs it after `delayMs` whatever the interval. No-op once stopped. */
  poke(urgent = false): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.againUrgent ||= urgent;
      return;
    }
    const now = Date.now();
    const at = urgent ? now + this.delayMs : Math.max(now + this.delayMs, this.lastRunAt + this.minIntervalMs);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRunAt = Date.now();
      this.running = this.run();
    }, at - now);
    this.timer.unref();
  }

  private async run(): Promise<void> {
    try {
      await this.task();
    } catch (err) {
      this.onError(err);
    }
    this.running = null;
    if (this.again) {
      const urgent = this.againUrgent;
      this.again = false;
      this.againUrgent = false;
      this.poke(urgent);
    }
  }

  /** Cancels a pending run and waits for one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
