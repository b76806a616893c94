import { describe, expect, it } from 'vitest';
import { DeadlineLoop, type DeadlineWork } from '../../../src/jobs/deadlines.js';
import { systemClock } from '../../../src/clock.js';

const quiet = { info() {}, warn() {}, error() {} };

function countingWork(next: () => Date | null = () => null): DeadlineWork & { passes: number } {
  const work = {
    passes: 0,
    async processDeadlines() {
      work.passes++;
      return { expired: 0, timedOut: 0, started: 0, warned: 0, expiryLagsMs: [] };
    },
    async nextDeadline() {
      return next();
    },
  };
  return work as DeadlineWork & { passes: number };
}

describe('DeadlineLoop', () => {
  it('reads the deadlines at most once per interval however often commits wake it', async () => {
    const work = countingWork();
    const loop = new DeadlineLoop({ work, clock: systemClock, logger: quiet, minWakeIntervalMs: 200 });
    loop.start();
    const until = performance.now() + 1_000;
    while (performance.now() < until) {
      loop.wake();
      await new Promise((r) => setTimeout(r, 2));
    }
    await loop.stop();
    // one pass at start, then at most one per 200 ms over one second (plus the pass in flight at stop)
    expect(work.passes).toBeGreaterThanOrEqual(3);
    expect(work.passes).toBeLessThanOrEqual(8);
  });

  it('acts on a deadline when it comes, without waiting for a wake-up', async () => {
    const due = new Date(Date.now() + 150);
    const work = countingWork(() => (work.passes < 2 ? due : null));
    const loop = new DeadlineLoop({ work, clock: systemClock, logger: quiet, maxSleepMs: 60_000 });
    loop.start();
    const started = performance.now();
    while (work.passes < 2 && performance.now() - started < 2_000) await new Promise((r) => setTimeout(r, 10));
    await loop.stop();
    expect(work.passes).toBe(2);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('stops at once even while holding off a wake-up', async () => {
    const work = countingWork();
    const loop = new DeadlineLoop({ work, clock: systemClock, logger: quiet, minWakeIntervalMs: 10_000 });
    loop.start();
    loop.wake();
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await loop.stop();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('settled() resolves after a whole pass that began after the call', async () => {
    const work = countingWork();
    const loop = new DeadlineLoop({ work, clock: systemClock, logger: quiet, maxSleepMs: 60_000, minWakeIntervalMs: 0 });
    loop.start();
    await new Promise((r) => setTimeout(r, 20));
    const before = work.passes;
    await loop.settled();
    expect(work.passes).toBeGreaterThan(before);
    await loop.stop();
  });
});
