/** Recurring reviews from `reviews:` in the config: each run opens once, at its start, in the deadline loop. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { DAY, PimFixture, START } from '../../../support/pim.js';

const REVIEWS = `
reviews:
  - { name: Reader weekly, roles: [Reader], reviewers: self, recurrence: weekly, start: 2030-01-07, duration: 3d, reminders: false }
  - { name: Owner later, roles: [Owner], reviewers: approvers, start: 2030-03-01 }
`;

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { yaml: (y) => `${y}${REVIEWS}` });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
const runs = async () => (await fx.audit({ action: 'review.started' })).map((e) => [e.details.name, e.details.definition]);

describe('recurring reviews', () => {
  it('open a run once when its start has come, whatever the number of passes', async () => {
    await fx.pim.processDeadlines();
    await fx.pim.processDeadlines();
    expect(await fx.pim.openDueReviews()).toEqual([]);
    expect(await runs()).toEqual([['Reader weekly', 'Reader weekly:Reader']]);
    const cards = await fx.messages({ kind: 'review_request' });
    expect(cards).toHaveLength(2);
    const review = cards[0]?.notice.kind === 'review_request' ? cards[0].notice.review : null;
    expect(review?.startsAt).toBe('2030-01-07T00:00:00.000Z');
    expect(review?.endsAt).toBe('2030-01-10T00:00:00.000Z');
  });

  it('end at the run’s end and open the next run a week after the first', async () => {
    await fx.pim.processDeadlines();
    expect(await fx.pim.nextDeadline()).toEqual(new Date('2030-01-10T00:00:00.000Z'));
    fx.clock.set(new Date('2030-01-10T00:00:00.000Z'));
    await fx.pim.processDeadlines();
    expect(await fx.audit({ action: 'review.ended' })).toHaveLength(1);
    expect((await fx.pim.nextDeadline())?.getTime()).toBeLessThanOrEqual(new Date('2030-01-14T00:00:00.000Z').getTime());
    fx.clock.set(new Date('2030-01-14T00:00:00.000Z'));
    await fx.pim.processDeadlines();
    expect(await runs()).toEqual([
      ['Reader weekly', 'Reader weekly:Reader'],
      ['Reader weekly', 'Reader weekly:Reader'],
    ]);
  });

  it('a run missed while the bot was down opens late while it lasts, and not after it ended', async () => {
    fx.clock.set(at(2 * DAY));
    await fx.pim.processDeadlines();
    expect(await runs()).toHaveLength(1);
    await fx.reset();
    fx.clock.set(new Date('2030-01-10T12:00:00.000Z'));
    await fx.pim.processDeadlines();
    expect(await runs()).toEqual([]);
  });

  it('opens the later one-time review at its start', async () => {
    fx.clock.set(new Date('2030-03-01T00:00:00.000Z'));
    await fx.pim.processDeadlines();
    expect((await runs()).map(([name]) => name)).toContain('Owner later');
  });
});
