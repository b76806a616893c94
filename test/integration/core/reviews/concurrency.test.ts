/**
 * Decisions racing the end of their review (on PostgreSQL, real concurrency; on PGlite, one
 * transaction at a time): every decision that was accepted is in the final results, every other
 * one was refused, and the review ends once however many replicas end it.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { isPimError } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { DAY, extraUser, PimFixture, START } from '../../../support/pim.js';

const USERS = 24;
let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { extraUsers: USERS });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

it('a decision is either in the results or refused, never lost to a concurrent stop', async () => {
  const { review, items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, durationDays: 7 });
  const mine = items.filter((i) => i.principalId.startsWith('user'));
  expect(mine).toHaveLength(USERS);
  const half = Math.floor(USERS / 2);
  const decide = (i: (typeof mine)[number]) =>
    fx.pim.decideReviewItem(fx.actor(i.principalId), i.id, 'remove').then(
      () => 'accepted' as const,
      (e: unknown) => {
        if (isPimError(e) && e.code === 'review_closed') return 'refused' as const;
        throw e;
      },
    );
  const outcomes = await Promise.all([...mine.slice(0, half).map(decide), fx.pim.stopReview(fx.actor('erin'), review.id).then(() => 'stopped' as const), ...mine.slice(half).map(decide)]);
  const accepted = outcomes.filter((o) => o === 'accepted').length;
  const { items: after } = await fx.pim.reviewResults(fx.actor('erin'), review.id);
  expect(after.filter((i) => i.decision === 'remove')).toHaveLength(accepted);
  expect(outcomes.filter((o) => o === 'refused')).toHaveLength(USERS - accepted);
  await fx.pim.applyReview(fx.actor('erin'), review.id);
  const removed = (await fx.assignments({ role: 'Reader' })).filter((a) => a.principalId.startsWith('user') && a.endReason === 'removed');
  expect(removed).toHaveLength(accepted);
});

it('ends once when several replicas run the deadline loop at its end', async () => {
  await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, durationDays: 7, settings: { autoApply: true, defaultDecision: 'remove', reminders: false } });
  fx.clock.set(new Date(START.getTime() + 7 * DAY));
  await Promise.all([fx.pim.processDeadlines(), fx.pim.processDeadlines(), fx.pim.processDeadlines()]);
  expect(await fx.audit({ action: 'review.ended' })).toHaveLength(1);
  expect(await fx.audit({ action: 'review.applied' })).toHaveLength(1);
  const removed = (await fx.assignments({ role: 'Reader' })).filter((a) => a.principalId === extraUser(1));
  expect(removed[0]?.endReason).toBe('removed');
});
