/**
 * Runs a task soon after it is asked for, once for any number of asks that arrive while it
 * waits or runs: asks during a run lead to one more run after it. Used to scan for alerts right
 * after the changes that can trigger them (a burst of 1,000 activations is one or two scans).
 */
export class Coalesced {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 250,
  ) {}

  /** Asks for a run; no-op once stopped. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.run();
    }, this.delayMs);
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
      this.again = false;
      this.poke();
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
