/**
 * A sleep that a signal can cut short. A signal that arrives while nobody sleeps is remembered
 * until the next `reset`, so a loop never sleeps through work committed during its last pass.
 */
export class Alarm {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  /** True when a signal arrived since the last `reset`. */
  get signalled(): boolean {
    return this.pending;
  }

  /** Forgets earlier signals; call at the start of each pass. */
  reset(): void {
    this.pending = false;
  }

  /** Wakes the sleeper now, or the next one at once. */
  ring(): void {
    this.pending = true;
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  /** Sleeps up to `ms`, returning early on a signal (or at once if one is pending); true when a signal ended it. */
  sleep(ms: number): Promise<boolean> {
    if (this.pending) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = null;
        resolve(false);
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
  }
}
