/**
 * The work Slack requests cause after their ack, at most `limit` at a time; the rest wait in
 * arrival order. Bolt acks on the same thread that then does the work, so without a limit a burst
 * of commands (each a chain of database round trips, rendering and a post to the response URL)
 * fills every turn of the event loop and the acks of the requests behind them wait too; Slack
 * gives an ack 3 s. Work waiting its turn costs nothing until then. Nothing is ever dropped.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private warnAt: number;

  constructor(
    readonly limit: number,
    /** Told when the backlog first reaches `backlogWarning` requests, then each time it doubles (until it empties). */
    private readonly onBacklog: (waiting: number) => void = () => {},
    private readonly backlogWarning = 200,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`WorkQueue: limit must be a positive integer, got ${limit}`);
    this.warnAt = backlogWarning;
  }

  /** Requests waiting for a turn. */
  get backlog(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) {
      this.running += 1;
    } else {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length >= this.warnAt) {
          this.onBacklog(this.waiting.length);
          this.warnAt *= 2;
        }
      });
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        next(); // the turn passes straight on, so `running` stays at the limit
      } else {
        this.running -= 1;
        this.warnAt = this.backlogWarning;
      }
    }
  }
}
