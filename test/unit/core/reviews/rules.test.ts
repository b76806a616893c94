/** The pure rules of access reviews: recurrence, recommendations, default decisions, reminder times. */
import { describe, expect, it } from 'vitest';
import { currentRun, nextRun, runStart, zonedMidnight } from '../../../../src/core/reviews/recurrence.js';
import { outcomeOf, recommend } from '../../../../src/core/reviews/recommend.js';
import { reminderTimes } from '../../../../src/core/reviews/remind.js';
import type { ReviewDefinition } from '../../../../src/core/index.js';

const DAY = 24 * 60 * 60 * 1000;
const def = (over: Partial<Pick<ReviewDefinition, 'recurrence' | 'start' | 'timeZone' | 'endAt'>>) => ({
  recurrence: 'monthly' as const,
  start: { year: 2030, month: 1, day: 31 },
  timeZone: 'UTC',
  endAt: null,
  ...over,
});
const iso = (d: Date) => d.toISOString();

describe('recurrence', () => {
  it.each([
    ['weekly', ['2030-01-31', '2030-02-07', '2030-02-14']],
    ['monthly', ['2030-01-31', '2030-02-28', '2030-03-31', '2030-04-30']],
    ['quarterly', ['2030-01-31', '2030-04-30', '2030-07-31']],
    ['semiannual', ['2030-01-31', '2030-07-31', '2031-01-31']],
    ['annual', ['2030-01-31', '2031-01-31', '2032-01-31']],
  ] as const)('%s runs from a month-end start fall on each period’s last day without drifting', (recurrence, days) => {
    expect(days.map((_, k) => iso(runStart(def({ recurrence }), k)).slice(0, 10))).toEqual(days);
  });

  it('a leap year keeps 29 February', () => {
    expect(iso(runStart(def({ start: { year: 2031, month: 1, day: 31 } }), 1))).toBe('2031-02-28T00:00:00.000Z');
    expect(iso(runStart(def({ start: { year: 2032, month: 1, day: 31 } }), 1))).toBe('2032-02-29T00:00:00.000Z');
  });

  it('starts at midnight in the definition’s time zone, across a DST change', () => {
    expect(iso(zonedMidnight(2030, 1, 15, 'Europe/Berlin'))).toBe('2030-01-14T23:00:00.000Z');
    expect(iso(zonedMidnight(2030, 7, 15, 'Europe/Berlin'))).toBe('2030-07-14T22:00:00.000Z');
    const berlin = def({ start: { year: 2030, month: 3, day: 1 }, timeZone: 'Europe/Berlin' });
    expect(iso(runStart(berlin, 0))).toBe('2030-02-28T23:00:00.000Z');
    expect(iso(runStart(berlin, 1))).toBe('2030-03-31T22:00:00.000Z');
  });

  it('once has one run; the current run is the latest started; none starts after the end', () => {
    const once = def({ recurrence: 'once' });
    expect(currentRun(once, new Date('2030-01-30T00:00:00Z'))).toBeNull();
    expect(nextRun(once, new Date('2030-01-30T00:00:00Z'))).toEqual(new Date('2030-01-31T00:00:00Z'));
    expect(currentRun(once, new Date('2030-06-01T00:00:00Z'))?.index).toBe(0);
    expect(nextRun(once, new Date('2030-06-01T00:00:00Z'))).toBeNull();
    const monthly = def({ endAt: new Date('2030-03-15T00:00:00Z') });
    expect(currentRun(monthly, new Date('2030-03-01T00:00:00Z'))).toMatchObject({ index: 1, startsAt: new Date('2030-02-28T00:00:00Z') });
    expect(nextRun(monthly, new Date('2030-03-01T00:00:00Z'))).toBeNull();
    expect(currentRun(monthly, new Date('2030-06-01T00:00:00Z'))?.index).toBe(1);
  });
});

describe('recommendations', () => {
  const none = { activations: 0, lastActivationAt: null, madeOrRenewedAt: null };
  it('remove for an eligible assignment not activated in the look-back, keep when it was', () => {
    expect(recommend({ type: 'eligible' }, none, 30 * DAY)).toEqual({ decision: 'remove', reason: 'not activated in the last 30d' });
    expect(recommend({ type: 'eligible' }, { ...none, activations: 2 }, 30 * DAY)).toEqual({ decision: 'keep', reason: 'activated 2 times in the last 30d' });
  });
  it('keep for an active assignment made or renewed in the look-back; otherwise no activity data, never a guess', () => {
    expect(recommend({ type: 'active' }, { ...none, madeOrRenewedAt: new Date() }, 30 * DAY).decision).toBe('keep');
    expect(recommend({ type: 'active' }, none, 30 * DAY)).toEqual({ decision: null, reason: 'no activity data' });
  });
  it('says so when recommendations are off', () => {
    expect(recommend({ type: 'eligible' }, none, 30 * DAY, false).decision).toBeNull();
  });
});

describe('outcomes and reminders', () => {
  it('a decision wins over the default; the default decides unanswered items', () => {
    expect(outcomeOf('keep', 'remove', 'remove')).toBe('keep');
    expect(outcomeOf(null, 'remove', 'none')).toBeNull();
    expect(outcomeOf(null, 'remove', 'keep')).toBe('keep');
    expect(outcomeOf(null, null, 'remove')).toBe('remove');
    expect(outcomeOf(null, 'keep', 'recommendation')).toBe('keep');
    expect(outcomeOf(null, null, 'recommendation')).toBeNull();
  });
  it('reminds halfway and a day before the end; a one-day review only halfway', () => {
    const start = new Date('2030-01-01T00:00:00Z');
    expect(reminderTimes({ startsAt: start, endsAt: new Date(start.getTime() + 14 * DAY) })).toEqual({ halfway: new Date(start.getTime() + 7 * DAY), '1d': new Date(start.getTime() + 13 * DAY) });
    expect(reminderTimes({ startsAt: start, endsAt: new Date(start.getTime() + DAY) })['1d']).toBeNull();
  });
});
