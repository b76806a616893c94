import { describe, expect, it } from 'vitest';
import { DeadlineLoop, type DeadlineWork } from '../../../src/jobs/deadlines.js';
import { OffsetClock, systemClock } from '../../../src/clock.js';

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

  it('after a clock jump, reports an expiry it passed over as late from the landing, not from when it fell', async () => {
    const clock = new OffsetClock();
    const lines: Record<string, unknown>[] = [];
    const observed: number[][] = [];
    const work: DeadlineWork = {
      // An activation that ended 23 h before the time a +1d jump landed on.
      processDeadlines: async () => ({ expired: 1, timedOut: 0, started: 0, warned: 0, expiryLagsMs: [23 * 3_600_000] }),
      nextDeadline: async () => null,
    };
    const loop = new DeadlineLoop({
      work,
      clock,
      logger: { ...quiet, info: (o: Record<string, unknown>) => void lines.push(o) },
      clockLandedAt: () => clock.landedAt,
      onProcessed: (r) => void observed.push(r.expiryLagsMs),
    });
    clock.advance(86_400_000);
    await loop.tick();
    expect(lines[0]?.maxExpiryLagMs).toBeLessThan(1_000);
    expect(observed[0]?.[0]).toBeLessThan(1_000);
  });

  it('without a jump, reports the lag as it is', async () => {
    const lines: Record<string, unknown>[] = [];
    const work: DeadlineWork = {
      processDeadlines: async () => ({ expired: 1, timedOut: 0, started: 0, warned: 0, expiryLagsMs: [90_000] }),
      nextDeadline: async () => null,
    };
    const clock = new OffsetClock();
    clock.restore(3_600_000); // an offset kept from an earlier run is not a jump
    const loop = new DeadlineLoop({ work, clock, logger: { ...quiet, info: (o: Record<string, unknown>) => void lines.push(o) }, clockLandedAt: () => clock.landedAt });
    await loop.tick();
    expect(lines[0]?.maxExpiryLagMs).toBe(90_000);
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
