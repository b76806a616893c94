/** Access reviews on a real database with a fake clock: open, decide, remind, end, apply. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { channel, DAY, dm, expectPimError, HOUR, PimFixture, START, USERS } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase());
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const at = (offsetMs: number) => new Date(START.getTime() + offsetMs);
const itemOf = (items: ReviewItem[], principalId: string, role?: string): ReviewItem => {
  const found = items.find((i) => i.principalId === principalId && (!role || i.role === role));
  if (!found) throw new Error(`no item for ${principalId}`);
  return found;
};

/** bob's Reader ends in 10 days: reviews that reach their end run 7 days. */
async function selfReviewOfReader(settings = {}, durationDays?: number) {
  return fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, settings, ...(durationDays ? { durationDays } : {}) });
}

describe('review start', () => {
  it('opens one item per assignment in scope, each reviewed by its holder, and DMs each reviewer one card', async () => {
    const { review, items } = await selfReviewOfReader();
    expect(review).toMatchObject({ role: 'Reader', scope: null, state: 'open', createdBy: USERS.erin, name: 'Reader access review' });
    expect(review.endsAt).toEqual(at(14 * DAY));
    expect(items.map((i) => [i.principalId, i.reviewers, i.fallback]).sort()).toEqual([
      [USERS.alice, [USERS.alice], false],
      [USERS.bob, [USERS.bob], false],
    ]);
    const cards = await fx.messages({ kind: 'review_request' });
    expect(cards.map((c) => c.to)).toEqual(expect.arrayContaining([dm('alice'), dm('bob')]));
    expect(cards).toHaveLength(2);
    const aliceCard = cards.find((c) => c.to.kind === 'user' && c.to.principalId === USERS.alice)?.notice;
    expect(aliceCard).toMatchObject({ kind: 'review_request', self: true, items: [{ role: 'Reader', recommendation: 'remove' }] });
    const rows = (await fx.outbox()).filter((r) => r.payload.type === 'message' && r.payload.notice.kind === 'review_request');
    expect(rows.map((r) => (r.payload.type === 'message' ? r.payload.subject : null)).sort()).toEqual([`review:${review.id}:${USERS.alice}`, `review:${review.id}:${USERS.bob}`]);
    expect((await fx.audit({ action: 'review.started' }))[0]?.details).toMatchObject({ role: 'Reader', items: 2, reviewers: 'self' });
  });

  it('is for admins only; a refusal is audited and opens nothing', async () => {
    await expectPimError(fx.pim.startReview(fx.actor('alice'), { role: 'Reader', reviewers: { kind: 'self' } }), 'not_admin');
    await expectPimError(fx.pim.startReview(fx.actor('dave'), { role: 'Reader', reviewers: { kind: 'self' } }), 'auditor_read_only');
    expect(await fx.audit({ action: 'refused.review-start' })).toHaveLength(2);
    expect(await fx.messages({ kind: 'review_request' })).toEqual([]);
  });

  it('takes 1 to 180 days', async () => {
    await expectPimError(fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, durationDays: 181 }), 'invalid_input');
    const { review } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, durationDays: 1, name: 'Quick one' });
    expect(review).toMatchObject({ name: 'Quick one', endsAt: at(DAY) });
  });

  it('refuses a role and scope nobody holds', async () => {
    await expectPimError(fx.pim.startReview(fx.actor('erin'), { role: 'Contributor', scope: '/subscriptions/prod', reviewers: { kind: 'self' }, settings: { assignmentTypes: 'active' } }), 'no_review_items');
  });

  it('leaves out permanent assignments when asked, and activations always', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Reader', durationMs: HOUR });
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Owner', reviewers: { kind: 'self' }, settings: { includePermanent: true } });
    expect(items.every((i) => i.type === 'eligible')).toBe(true);
    await expectPimError(fx.pim.startReview(fx.actor('erin'), { role: 'Owner', reviewers: { kind: 'self' }, settings: { includePermanent: false } }), 'no_review_items');
  });
});

describe('recommendations', () => {
  it('keep for an eligible assignment activated within the look-back, remove for one that was not', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Reader', durationMs: HOUR });
    fx.clock.advance(2 * HOUR);
    const { items } = await selfReviewOfReader();
    expect(itemOf(items, USERS.alice)).toMatchObject({ recommendation: { decision: 'keep' }, activations: 1, lastActivationAt: START });
    expect(itemOf(items, USERS.bob)).toMatchObject({ recommendation: { decision: 'remove', reason: 'not activated in the last 30d' }, activations: 0, lastActivationAt: null });
  });

  it('an activation older than the look-back does not count, though it is shown as the last one', async () => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Reader', durationMs: HOUR });
    fx.clock.advance(31 * DAY);
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' } });
    expect(itemOf(items, USERS.alice)).toMatchObject({ recommendation: { decision: 'remove' }, activations: 0, lastActivationAt: START });
  });

  it('keep for an active assignment made within the look-back; none ("no activity data") for an older one', async () => {
    await fx.pim.assign(fx.actor('erin'), { user: USERS.dave, role: 'Reader', type: 'active', durationMs: 90 * DAY, reason: 'audit support' });
    const fresh = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, settings: { assignmentTypes: 'active' } });
    expect(fresh.items).toHaveLength(1);
    expect(fresh.items[0]?.recommendation).toEqual({ decision: 'keep', reason: 'assigned or renewed in the last 30d' });
    fx.clock.advance(40 * DAY);
    const later = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'self' }, settings: { assignmentTypes: 'active' } });
    expect(later.items[0]?.recommendation).toEqual({ decision: null, reason: 'no activity data' });
  });
});

describe('reviewers and fallback reviewers', () => {
  it('approvers review everyone but themselves', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Owner', reviewers: { kind: 'approvers' } });
    expect(itemOf(items, USERS.alice).reviewers.sort()).toEqual([USERS.carol, USERS.erin]);
    expect(itemOf(items, USERS.carol).reviewers).toEqual([USERS.erin]);
  });

  it('an item that would have no reviewer goes to the fallback reviewers (the admins when none are named)', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'principals', ids: [USERS.alice] } });
    expect(itemOf(items, USERS.bob)).toMatchObject({ reviewers: [USERS.alice], fallback: false });
    expect(itemOf(items, USERS.alice)).toMatchObject({ reviewers: [USERS.erin], fallback: true });
  });

  it('named fallback reviewers are used when configured', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'principals', ids: [USERS.alice] }, settings: { fallbackReviewers: [USERS.carol] } });
    expect(itemOf(items, USERS.alice)).toMatchObject({ reviewers: [USERS.carol], fallback: true });
  });
});

describe('decisions', () => {
  it('the reviewer decides, changes their mind before the end, and the card is updated each time', async () => {
    const { review, items } = await selfReviewOfReader();
    const mine = itemOf(items, USERS.alice);
    const first = await fx.pim.decideReviewItem(fx.actor('alice'), mine.id, 'remove', 'not needed');
    expect(first.item).toMatchObject({ decision: 'remove', decidedBy: USERS.alice, reason: 'not needed' });
    fx.clock.advance(HOUR);
    const second = await fx.pim.decideReviewItem(fx.actor('alice'), mine.id, 'keep');
    expect(second.item).toMatchObject({ decision: 'keep', reason: null, decidedAt: at(HOUR) });
    const updates = (await fx.outbox()).filter((r) => r.payload.type === 'update' && r.payload.subject === `review:${review.id}:${USERS.alice}`);
    expect(updates).toHaveLength(2);
    const decided = await fx.audit({ action: 'review.decided' });
    expect(decided.map((e) => [e.actor, e.details.decision, e.details.previous])).toEqual([
      [USERS.alice, 'remove', null],
      [USERS.alice, 'keep', 'remove'],
    ]);
  });

  it('anyone but the item reviewer is refused, audited, and nothing changes', async () => {
    const { items } = await selfReviewOfReader();
    const alices = itemOf(items, USERS.alice);
    await expectPimError(fx.pim.decideReviewItem(fx.actor('bob'), alices.id, 'remove'), 'not_reviewer');
    await expectPimError(fx.pim.decideReviewItem(fx.actor('erin'), alices.id, 'remove'), 'not_reviewer');
    expect(await fx.audit({ action: 'refused.review-decide' })).toHaveLength(2);
    const pending = await fx.pim.pendingReviews(fx.actor('alice'));
    expect(pending[0]?.items[0]?.decision).toBeNull();
  });

  it('a fallback reviewer may decide the items given to them', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'principals', ids: [USERS.alice] } });
    const done = await fx.pim.decideReviewItem(fx.actor('erin'), itemOf(items, USERS.alice).id, 'keep');
    expect(done.item.decision).toBe('keep');
  });

  it('asks for a reason when the review requires one', async () => {
    const { items } = await selfReviewOfReader({ requireReason: true });
    await expectPimError(fx.pim.decideReviewItem(fx.actor('alice'), itemOf(items, USERS.alice).id, 'keep'), 'reason_required');
    const done = await fx.pim.decideReviewItem(fx.actor('alice'), itemOf(items, USERS.alice).id, 'keep', 'daily support work');
    expect(done.item.reason).toBe('daily support work');
  });

  it('can be typed for a person (role and scope narrow it), as a reviewer only', async () => {
    const { review } = await fx.pim.startReview(fx.actor('erin'), { role: 'Contributor', reviewers: { kind: 'principals', ids: [USERS.carol] }, settings: { requireReason: true } });
    await expectPimError(fx.pim.decideReviewFor(fx.actor('carol'), review.id, { principalId: USERS.alice }, 'keep', 'needed'), 'invalid_input');
    const done = await fx.pim.decideReviewFor(fx.actor('carol'), review.id.toLowerCase(), { principalId: USERS.alice, scope: '/subscriptions/dev' }, 'remove', 'dev is retired');
    expect(done.item).toMatchObject({ scope: '/subscriptions/dev', decision: 'remove', reason: 'dev is retired' });
    await expectPimError(fx.pim.decideReviewFor(fx.actor('bob'), review.id, { principalId: USERS.bob }, 'keep', 'mine'), 'not_reviewer');
  });

  it('is refused once the review has ended, at its end or stopped', async () => {
    const { review, items } = await selfReviewOfReader();
    fx.clock.advance(14 * DAY);
    await expectPimError(fx.pim.decideReviewItem(fx.actor('alice'), itemOf(items, USERS.alice).id, 'keep'), 'review_closed');
    await fx.pim.stopReview(fx.actor('erin'), review.id);
    await expectPimError(fx.pim.decideReviewItem(fx.actor('bob'), itemOf(items, USERS.bob).id, 'keep'), 'review_closed');
  });

  it('reviews lists what waits for the caller', async () => {
    await selfReviewOfReader();
    const mine = await fx.pim.pendingReviews(fx.actor('bob'));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.items.map((i) => i.principalId)).toEqual([USERS.bob]);
    expect(await fx.pim.pendingReviews(fx.actor('carol'))).toEqual([]);
    expect(await fx.pim.pendingReviewCount()).toEqual({ reviews: 1, items: 2 });
  });

  it('the weekly digest counts the items still unanswered', async () => {
    const { items } = await selfReviewOfReader();
    await fx.pim.decideReviewItem(fx.actor('bob'), itemOf(items, USERS.bob).id, 'keep');
    await fx.pim.sendDigest({ timeZone: 'UTC' });
    const [sent] = await fx.messages({ kind: 'digest' });
    expect(sent?.notice.kind === 'digest' ? sent.notice.digest.pendingReviews : undefined).toBe(1);
  });
});

describe('ending and applying', () => {
  it('stop makes decisions final; apply removes what was removed, tells the holder, and sums up in the security channel', async () => {
    const { review, items } = await selfReviewOfReader();
    await fx.pim.decideReviewItem(fx.actor('alice'), itemOf(items, USERS.alice).id, 'keep');
    await fx.pim.decideReviewItem(fx.actor('bob'), itemOf(items, USERS.bob).id, 'remove', 'no longer on support');
    const stopped = await fx.pim.stopReview(fx.actor('erin'), review.id);
    expect(stopped).toMatchObject({ state: 'ended', endedBy: USERS.erin });
    expect((await fx.assignment(itemOf(items, USERS.bob).assignmentId)).endedAt).toBeNull();
    const [ended] = await fx.messages({ to: channel('security'), kind: 'review_summary' });
    expect(ended?.notice).toMatchObject({ stage: 'ended', summary: { kept: 1, removed: 1, notReviewed: 0, applied: 0 } });

    await expectPimError(fx.pim.applyReview(fx.actor('alice'), review.id), 'not_admin');
    const applied = await fx.pim.applyReview(fx.actor('erin'), review.id);
    expect(applied.state).toBe('applied');
    expect(await fx.assignment(itemOf(items, USERS.bob).assignmentId)).toMatchObject({ endReason: 'removed' });
    expect((await fx.assignment(itemOf(items, USERS.alice).assignmentId)).endedAt).toBeNull();
    const told = await fx.messages({ to: dm('bob'), kind: 'assignment_changed' });
    expect(told.at(-1)?.notice).toMatchObject({ change: 'removed', by: { id: USERS.bob } });
    const summaries = await fx.messages({ to: channel('security'), kind: 'review_summary' });
    expect(summaries.at(-1)?.notice).toMatchObject({ stage: 'applied', summary: { kept: 1, removed: 1, applied: 2, byReviewer: [{ reviewer: { id: USERS.alice }, kept: 1, removed: 0 }, { reviewer: { id: USERS.bob }, kept: 0, removed: 1 }] } });
    const actions = await fx.auditActions();
    expect(actions).toEqual(expect.arrayContaining(['review.ended', 'assignment.removed', 'review.applied']));
    await expectPimError(fx.pim.applyReview(fx.actor('erin'), review.id), 'review_closed');
    await expectPimError(fx.pim.stopReview(fx.actor('erin'), review.id), 'review_closed');
  });

  it('apply is refused while the review is open', async () => {
    const { review } = await selfReviewOfReader();
    await expectPimError(fx.pim.applyReview(fx.actor('erin'), review.id), 'review_not_ended');
  });

  it('ends at its deadline in the deadline loop; with auto-apply the Remove decisions are carried out', async () => {
    const { review, items } = await selfReviewOfReader({ autoApply: true, reminders: false }, 7);
    await fx.pim.decideReviewItem(fx.actor('bob'), itemOf(items, USERS.bob).id, 'remove');
    expect(await fx.pim.nextDeadline()).toEqual(at(7 * DAY));
    fx.clock.set(at(7 * DAY));
    await fx.pim.processDeadlines();
    const { review: after } = await fx.pim.reviewResults(fx.actor('dave'), review.id);
    expect(after).toMatchObject({ state: 'applied', endedBy: 'system', appliedBy: 'system' });
    expect(await fx.assignment(itemOf(items, USERS.bob).assignmentId)).toMatchObject({ endReason: 'removed' });
    expect((await fx.assignment(itemOf(items, USERS.alice).assignmentId)).endedAt).toBeNull();
    await fx.pim.processDeadlines();
    expect(await fx.audit({ action: 'review.ended' })).toHaveLength(1);
  });

  it.each([
    ['none', { alice: null, bob: null }],
    ['keep', { alice: 'keep', bob: 'keep' }],
    ['remove', { alice: 'remove', bob: 'remove' }],
    ['recommendation', { alice: 'keep', bob: 'remove' }],
  ] as const)('default decision %s is applied to unanswered items', async (defaultDecision, expected) => {
    await fx.pim.activate(fx.actor('alice'), { role: 'Reader', durationMs: HOUR });
    fx.clock.advance(2 * HOUR);
    const { review, items } = await selfReviewOfReader({ defaultDecision });
    await fx.pim.stopReview(fx.actor('erin'), review.id);
    await fx.pim.applyReview(fx.actor('erin'), review.id);
    const { items: after } = await fx.pim.reviewResults(fx.actor('erin'), review.id);
    expect(itemOf(after, USERS.alice).applied).toBe(expected.alice);
    expect(itemOf(after, USERS.bob).applied).toBe(expected.bob);
    for (const who of ['alice', 'bob'] as const) {
      const a = await fx.assignment(itemOf(items, USERS[who]).assignmentId);
      expect(a.endReason === 'removed').toBe(expected[who] === 'remove');
    }
  });

  it('a default decision without auto-apply changes nothing until an admin applies', async () => {
    const { review, items } = await selfReviewOfReader({ defaultDecision: 'remove' }, 7);
    fx.clock.set(at(7 * DAY));
    await fx.pim.processDeadlines();
    const { review: after } = await fx.pim.reviewResults(fx.actor('erin'), review.id);
    expect(after.state).toBe('ended');
    expect((await fx.assignment(itemOf(items, USERS.bob).assignmentId)).endedAt).toBeNull();
  });

  it('results are for admins and auditors', async () => {
    const { review } = await selfReviewOfReader();
    await expectPimError(fx.pim.reviewResults(fx.actor('alice'), review.id), 'not_auditor');
    expect((await fx.pim.reviewResults(fx.actor('dave'), review.id)).items).toHaveLength(2);
    await expectPimError(fx.pim.reviewResults(fx.actor('dave'), 'V-NOPE'), 'unknown_review');
  });
});

describe('reminders', () => {
  it('go halfway and one day before the end, each once, to reviewers with items unanswered', async () => {
    const { items } = await selfReviewOfReader({}, 8);
    await fx.pim.decideReviewItem(fx.actor('alice'), itemOf(items, USERS.alice).id, 'keep');
    expect(await fx.pim.nextDeadline()).toEqual(at(4 * DAY));
    fx.clock.set(at(4 * DAY));
    await fx.pim.processDeadlines();
    await fx.pim.processDeadlines();
    let reminders = (await fx.messages({ kind: 'review_request' })).filter((m) => m.notice.kind === 'review_request' && m.notice.reminder);
    expect(reminders.map((m) => [m.to, m.notice.kind === 'review_request' ? m.notice.reminder : null])).toEqual([[dm('bob'), 'halfway']]);
    expect(await fx.pim.nextDeadline()).toEqual(at(7 * DAY));
    fx.clock.set(at(7 * DAY));
    await fx.pim.processDeadlines();
    await fx.pim.processDeadlines();
    reminders = (await fx.messages({ kind: 'review_request' })).filter((m) => m.notice.kind === 'review_request' && m.notice.reminder);
    expect(reminders).toHaveLength(2);
    expect(await fx.audit({ action: 'review.reminded' })).toHaveLength(2);
  });

  it('a bot down past both points sends only the last-day reminder', async () => {
    await selfReviewOfReader({}, 8);
    fx.clock.set(at(7 * DAY + HOUR));
    await fx.pim.processDeadlines();
    const reminders = (await fx.messages({ kind: 'review_request' })).filter((m) => m.notice.kind === 'review_request' && m.notice.reminder);
    expect(reminders.map((m) => (m.notice.kind === 'review_request' ? m.notice.reminder : null))).toEqual(['1d', '1d']);
  });
});
