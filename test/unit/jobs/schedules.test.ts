import { describe, expect, it } from 'vitest';
import { DEFAULT_DIGEST_CRON } from '../../../src/config/pim-config.js';
import { digestJob, Schedules } from '../../../src/jobs/schedules.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

/** Weekday and time of an instant in a zone: `Mon 09:00`. */
const local = (d: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d).replace(',', '');

describe('Schedules', () => {
  it('runs the digest on Monday at 09:00 in PIM_TIMEZONE by default', async () => {
    expect(DEFAULT_DIGEST_CRON).toBe('0 9 * * 1');
    const work = { sendDigest: async () => ({ outcome: 'sent' as const, week: 'x', digest: {} as never }) };
    for (const timeZone of ['Europe/Berlin', 'America/New_York', 'UTC']) {
      const s = new Schedules({ jobs: [digestJob(work, { cron: DEFAULT_DIGEST_CRON, timeZone })], timezone: timeZone, logger: quiet });
      expect(s.nextRuns()).toEqual({ digest: null });
      s.start();
      const next = s.nextRuns().digest as Date;
      await s.stop();
      expect(local(next, timeZone)).toBe('Mon 09:00');
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(7 * 24 * 3_600_000);
      expect(s.nextRuns()).toEqual({ digest: null });
    }
  });

  it('passes the time zone to the digest and returns what it did', async () => {
    const zones: string[] = [];
    const work = {
      sendDigest: async (o: { timeZone: string }) => {
        zones.push(o.timeZone);
        return { outcome: 'already_sent' as const, week: '2030-W02' };
      },
    };
    const s = new Schedules({ jobs: [digestJob(work, { cron: '0 9 * * 1', timeZone: 'Europe/Berlin' })], timezone: 'Europe/Berlin', logger: quiet });
    expect(await s.runNow('digest')).toEqual({ outcome: 'already_sent', week: '2030-W02' });
    expect(zones).toEqual(['Europe/Berlin']);
  });

  it('refuses an invalid cron expression at construction, naming the job', () => {
    expect(() => new Schedules({ jobs: [{ name: 'digest', cron: 'every monday', run: async () => null }], timezone: 'UTC', logger: quiet })).toThrow(/digest.*every monday/);
  });

  it('stop waits for a run in flight', async () => {
    let finished = false;
    const s = new Schedules({
      jobs: [{ name: 'slow', cron: '* * * * *', run: () => new Promise((r) => setTimeout(() => r((finished = true)), 50)) }],
      timezone: 'UTC',
      logger: quiet,
    });
    s.start();
    const run = s.runNow('slow');
    await s.stop();
    expect(finished).toBe(true);
    await run;
  });
});
