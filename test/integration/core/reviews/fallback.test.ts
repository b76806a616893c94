/**
 * Fallback reviewers of access reviews, in the three cases that leave an item with nobody to
 * review it: the role has no approvers, a self-reviewer is the only approver of their own role,
 * and the named reviewers are no longer in the directory (a group emptied since). The holder
 * never reviews their own item.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReviewItem } from '../../../../src/core/index.js';
import { testDatabase } from '../../../support/db.js';
import { PimFixture, USERS } from '../../../support/pim.js';

// Owner's only approver is carol, who holds Owner; an empty group stands for reviewers who left.
const CONFIG = (yaml: string) =>
  yaml
    .replace('approval: { required: true, approvers: [group:sre-leads], timeout: 24h }', 'approval: { required: true, approvers: [carol@example.com], timeout: 24h }')
    .replace('    - { id: sre-leads, members: [carol@example.com, erin@example.com] }', '    - { id: sre-leads, members: [carol@example.com, erin@example.com] }\n    - { id: leavers, members: [] }');

let fx: PimFixture;
beforeAll(async () => {
  fx = new PimFixture(await testDatabase(), { yaml: CONFIG });
});
afterAll(() => fx?.close());
beforeEach(() => fx.reset());

const itemOf = (items: ReviewItem[], principalId: string): ReviewItem => {
  const found = items.find((i) => i.principalId === principalId);
  if (!found) throw new Error(`no item for ${principalId}`);
  return found;
};

describe('fallback reviewers', () => {
  it('the only approver of a role does not review their own assignment: it falls back to the admins', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Owner', reviewers: { kind: 'approvers' } });
    expect(itemOf(items, USERS.alice)).toMatchObject({ reviewers: [USERS.carol], fallback: false });
    expect(itemOf(items, USERS.carol)).toMatchObject({ reviewers: [USERS.erin], fallback: true });
  });

  it('…or to the named fallback reviewers, never to the holder even when named', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Owner', reviewers: { kind: 'approvers' }, settings: { fallbackReviewers: [USERS.carol, USERS.dave] } });
    expect(itemOf(items, USERS.carol)).toMatchObject({ reviewers: [USERS.dave], fallback: true });
  });

  it('a role with no approvers gives every item to the fallback reviewers', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'approvers' } });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.fallback && i.reviewers.length === 1 && i.reviewers[0] === USERS.erin)).toBe(true);
  });

  it('named reviewers who are no longer there (an emptied group) leave the items to the fallback reviewers', async () => {
    const { items } = await fx.pim.startReview(fx.actor('erin'), { role: 'Reader', reviewers: { kind: 'principals', ids: ['group:leavers'] }, settings: { fallbackReviewers: [USERS.carol] } });
    expect(items.every((i) => i.fallback && i.reviewers.join() === USERS.carol)).toBe(true);
  });
});
