import { describe, expect, it } from 'vitest';
import { ScheduleCatchUp } from '../../../../adapters/playground/catch-up.js';

const job = { name: 'digest', cron: '0 9 * * 1', run: async () => 'ran' };

describe('ScheduleCatchUp', () => {
  it('finds a job whose time the clock jumped over, in the schedule’s time zone', () => {
    const utc = new ScheduleCatchUp([job], 'UTC');
    // Sunday 12:00 to Monday 10:00 UTC passes Monday 09:00.
    expect(utc.due(new Date('2026-01-04T12:00:00Z'), new Date('2026-01-05T10:00:00Z')).map((j) => j.name)).toEqual(['digest']);
    expect(utc.due(new Date('2026-01-05T09:00:00Z'), new Date('2026-01-05T10:00:00Z'))).toEqual([]);
    const berlin = new ScheduleCatchUp([job], 'Europe/Berlin');
    // 09:00 in Berlin is 08:00 UTC in winter.
    expect(berlin.due(new Date('2026-01-05T07:30:00Z'), new Date('2026-01-05T08:30:00Z'))).toHaveLength(1);
    expect(berlin.due(new Date('2026-01-05T08:30:00Z'), new Date('2026-01-05T09:30:00Z'))).toHaveLength(0);
    void utc.close();
    void berlin.close();
  });

  it('always finds a weekly job in a jump of a week or more', async () => {
    const c = new ScheduleCatchUp([job], 'UTC');
    expect(c.due(new Date('2026-01-06T12:00:00Z'), new Date('2026-01-13T12:00:00Z'))).toHaveLength(1);
    expect(c.due(new Date('2026-01-06T12:00:00Z'), new Date('2027-01-06T12:00:00Z'))).toHaveLength(1);
    await c.close();
  });
});
