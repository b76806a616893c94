/** The review card at size: many items stay within Block Kit's limits, undecided ones first, the rest counted. */
import { describe, expect, it } from 'vitest';
import { REVIEW_ACCEPT_ALL, REVIEW_KEEP, reviewReasonField } from '../../../cards/actions.js';
import type { Notice, ReviewItemView } from '../../../cards/model.js';
import { REVIEW_ITEMS_SHOWN, REVIEW_ITEMS_SHOWN_WITH_REASON } from '../../../cards/reviews.js';
import { teamsNotice } from '../../../cards/teams/index.js';
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

function card(items: ReviewItemView[], requireReason = false): Notice {
  return {
    kind: 'review_request',
    review: { id: 'V-7K2Q9XA', name: 'Reader review', role: 'Reader', scope: null, state: 'open', reviewers: 'principals', startsAt: at(-1), endsAt: at(13), requireReason, defaultDecision: 'none', autoApply: false },
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

  it('with requireReason, puts a reason field under each item (fewer items, still within Block Kit’s limits), on Slack and Teams alike', () => {
    const items = Array.from({ length: 40 }, (_, k) => item(k));
    const msg = slackNotice(card(items, true), ctx);
    expect(checkBlockKitLimits(msg)).toEqual([]);
    const inputs = msg.blocks.filter((b: { type: string }) => b.type === 'input');
    expect(inputs).toHaveLength(REVIEW_ITEMS_SHOWN_WITH_REASON);
    expect(inputs[0]).toMatchObject({ block_id: reviewReasonField('item-0'), optional: true, element: { type: 'plain_text_input', action_id: reviewReasonField('item-0'), max_length: 500 } });
    expect(JSON.stringify(msg.blocks)).toContain(`…and ${40 - REVIEW_ITEMS_SHOWN_WITH_REASON} more`);
    const teams = JSON.stringify(teamsNotice(card(items.slice(0, 2), true), ctx));
    expect(teams).toContain(`"id":"${reviewReasonField('item-1')}"`);
    expect(teams).toContain('"type":"Input.Text"');
    // Without requireReason, no field at all.
    expect(JSON.stringify(slackNotice(card(items), ctx).blocks)).not.toContain('"input"');
  });
});
