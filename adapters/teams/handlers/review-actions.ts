/**
 * Keep and Remove on a reviewer's access-review card. The core re-checks that the presser reviews
 * the item and that the review is open; the answer is the reviewer's card as it stands now (so
 * Universal Actions replace it in place), or the refusal's sentence.
 */
import { parseHint, reviewReasonField } from '../../../cards/actions.js';
import type { Actor } from '../../../src/core/index.js';
import { acceptAllByButton, reviewByButton } from '../../shared/role-actions.js';
import { renderFor, type TeamsDeps } from '../context.js';
import { badRequest, cardOutcome, messageOutcome, type ActionOutcome } from '../outcome.js';
import { noticeCard } from '../render.js';

function itemIdOf(data: unknown): string | null {
  const hint = parseHint(data);
  return hint && 'itemId' in hint ? hint.itemId : null;
}

function reviewAction(decision: 'keep' | 'remove') {
  return async (deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> => {
    const id = itemIdOf(data);
    if (!id) return badRequest('This button does not name a review item.');
    // Action.Execute sends the card's inputs with the button's data: this item's reason field among them.
    const typed = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[reviewReasonField(id)] : undefined;
    const reason = typeof typed === 'string' && typed.trim() ? typed.trim() : null;
    const result = await reviewByButton(deps.pim, actor, id, decision, reason);
    if (!result.ok || result.reply.kind !== 'review_decided') return messageOutcome(result.reply.kind === 'error' ? result.reply.message : 'That decision was refused.');
    const notice = await deps.pim.currentNotice({ kind: 'review_request', review: result.reply.review, reviewer: { id: actor.principal.id, name: actor.principal.name }, self: false, items: [] });
    return cardOutcome(noticeCard(deps.pim, notice, renderFor(deps)));
  };
}

export const reviewKeep = reviewAction('keep');
export const reviewRemove = reviewAction('remove');

/** "Accept all recommendations": answered with the reviewer's card as it now stands. */
export async function reviewAcceptAll(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const hint = parseHint(data);
  if (!hint || !('reviewId' in hint)) return badRequest('This button does not name a review.');
  const result = await acceptAllByButton(deps.pim, actor, hint.reviewId);
  if (!result.ok) return messageOutcome(result.reply.kind === 'error' ? result.reply.message : 'That was refused.');
  const notice = await deps.pim.currentNotice({ kind: 'review_request', review: result.review, reviewer: { id: actor.principal.id, name: actor.principal.name }, self: false, items: [] });
  return cardOutcome(noticeCard(deps.pim, notice, renderFor(deps)));
}
