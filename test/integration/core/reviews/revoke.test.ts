/** Applying a review with an external grant provider: a removed active assignment is revoked through the outbox. */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { testDatabase } from '../../../support/db.js';
import { DAY, PimFixture, USERS } from '../../../support/pim.js';

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { inline: false });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

it('a Remove decision on an active assignment queues its revoke, and an eligible one is only ended', async () => {
  const active = await fx.pim.assign(fx.actor('erin'), { user: USERS.dave, role: 'Reader', type: 'active', durationMs: 30 * DAY, reason: 'audit support' });
  const { review, items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'principals', ids: [USERS.carol] }, settings: { autoApply: true } });
  for (const i of items) await fx.pim.decideReviewItem(fx.actor('carol'), i.id, i.principalId === USERS.dave || i.principalId === USERS.bob ? 'remove' : 'keep');
  await fx.pim.stopReview(fx.actor('erin'), review.id);
  const revokes = (await fx.outbox()).filter((r) => r.payload.type === 'revoke');
  expect(revokes.map((r) => (r.payload.type === 'revoke' ? r.payload.target.assignmentId : null))).toEqual([active.id]);
  expect((await fx.assignment(active.id)).endReason).toBe('removed');
  expect((await fx.assignments({ principalId: USERS.bob, role: 'Reader' }))[0]?.endReason).toBe('removed');
  expect((await fx.assignments({ principalId: USERS.alice, role: 'Reader' }))[0]?.endedAt).toBeNull();
});
