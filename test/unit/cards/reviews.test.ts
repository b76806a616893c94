/** The review card at size: many items stay within Block Kit's limits, undecided ones first, the rest counted. */
import { describe, expect, it } from 'vitest';
import { REVIEW_ACCEPT_ALL, REVIEW_KEEP } from '../../../cards/actions.js';
import type { Notice, ReviewItemView } from '../../../cards/model.js';
import { REVIEW_ITEMS_SHOWN } from '../../../cards/reviews.js';
import { checkBlockKitLimits, slackNotice } from '../../../cards/slack/index.js';
import { alice, ctx, NOW } from './fixtures.js';

const at = (days: number) => new Date(NOW.getTime() + days * 86_400_000).toISOString();
const item = (k: number, over: Partial<ReviewItemView> = {}): ReviewItemView => ({
  id: `item-${k}`,
  principal: { id: `user${k}@example.com`, name: `User ${k}` },
  role: 'Reader',
  scope: `/s/${k}`,
  type: 'eligible',
  since: at(-100),
  endsAt: null,
  lastActivationAt: null,
  activations: 0,
  recommendation: 'remove',
  recommendationReason: 'not activated in the last 30d',
  decision: null,
  decidedBy: null,
  decidedAt: null,
  reason: null,
  applied: null,
  ...over,
});

function card(items: ReviewItemView[]): Notice {
  return {
    kind: 'review_request',
    review: { id: 'V-7K2Q9XA', name: 'Reader review', role: 'Reader', scope: null, state: 'open', reviewers: 'principals', startsAt: at(-1), endsAt: at(13), requireReason: false, defaultDecision: 'none', autoApply: false },
    reviewer: alice,
    self: false,
    items,
  };
}

describe('the review card with many items', () => {
  it('shows the first undecided ones within Block Kit’s limits and counts the rest', () => {
    const items = Array.from({ length: 40 }, (_, k) => item(k, k < 5 ? { decision: 'keep', decidedBy: alice, decidedAt: at(0) } : {}));
    const msg = slackNotice(card(items), ctx);
    expect(checkBlockKitLimits(msg)).toEqual([]);
    const json = JSON.stringify(msg.blocks);
    expect(json).toContain('…and 25 more');
    // The decided ones wait at the back: the first shown is the first undecided.
    expect(json.indexOf('User 5')).toBeGreaterThan(-1);
    expect(json).not.toContain('User 0*');
    expect((json.match(new RegExp(REVIEW_KEEP, 'g')) ?? []).length).toBe(REVIEW_ITEMS_SHOWN);
    expect(json).toContain(REVIEW_ACCEPT_ALL);
  });

  it('offers no Accept all for a single recommendation', () => {
    expect(JSON.stringify(slackNotice(card([item(1)]), ctx).blocks)).not.toContain(REVIEW_ACCEPT_ALL);
  });
});
