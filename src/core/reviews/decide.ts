/**
 * A reviewer's Keep or Remove. Only the item's reviewers (the fallback reviewers, for an item
 * that has them) may decide it, re-checked here whatever the button said; a decision can be
 * changed until the review ends and is refused after. The review row is held (FOR SHARE) for the
 * transaction, so a decision and the review's end never interleave.
 */
import { PimError } from '../errors.js';
import { subjects } from '../keys.js';
import { appendAudit, auditRefusal, normaliseId, person, samePrincipal, type PimDeps } from '../shared/index.js';
import type { Actor, Review, ReviewDecision, ReviewItem } from '../types.js';
import { isReviewerOf, reviewersOf, updateCards } from './views.js';

const MAX_REASON = 500;

/** Decides (or re-decides) one item; returns the review and its items as they now stand. */
export async function decideItem(
  deps: PimDeps,
  actor: Actor,
  itemId: string,
  decision: ReviewDecision,
  reasonText?: string | null,
): Promise<{ review: Review; item: ReviewItem; items: ReviewItem[] }> {
  return auditRefusal(deps, actor, 'review-decide', `review-item:${itemId}`, { item: itemId, decision }, () =>
    deps.store.transaction(async (uow) => {
      const now = deps.clock.now();
      const item = await uow.reviews.getItem(itemId);
      if (!item) throw new PimError('unknown_review', { id: itemId });
      const review = await uow.reviews.get(item.reviewId, { forShare: true });
      if (!review) throw new PimError('unknown_review', { id: item.reviewId });
      if (!isReviewerOf(item, actor.principal.id)) throw new PimError('not_reviewer', { id: review.id });
      if (review.state !== 'open' || now.getTime() >= review.endsAt.getTime()) throw new PimError('review_closed', { id: review.id, state: review.state });
      const reason = reasonText?.trim() || null;
      if (review.settings.requireReason && !reason) throw new PimError('reason_required', { role: item.role, command: 'review', user: actor.principal.name });
      if (reason && reason.length > MAX_REASON) throw new PimError('reason_too_long', { length: reason.length, max: MAX_REASON });
      const done = await uow.reviews.decide(item.id, { decision, by: actor.principal.id, at: now, reason });
      if (!done) throw new PimError('unknown_review', { id: itemId });
      await appendAudit(uow, {
        at: now,
        actor: actor.principal.id,
        action: 'review.decided',
        subject: subjects.review(review.id),
        details: {
          item: item.id,
          assignment: item.assignmentId,
          principal: item.principalId,
          role: item.role,
          scope: item.scope,
          decision,
          reason,
          previous: item.decision,
          fallback: item.fallback,
          recommendation: item.recommendation.decision,
          platform: actor.platform,
        },
      });
      const items = await uow.reviews.items(review.id);
      const mine = items.filter((i) => i.id === item.id);
      await updateCards(deps, uow, review, items, reviewersOf(mine), `${item.id}:${now.getTime()}`);
      return { review, item: done, items };
    }),
  );
}

/**
 * A decision typed in chat (`review keep|remove <review-id> [<user>] ... --reason`): the one item
 * of the review for that person (and role and scope, when given) that the actor reviews.
 */
export async function decideByTarget(
  deps: PimDeps,
  actor: Actor,
  reviewId: string,
  target: { principalId: string; role?: string; scope?: string },
  decision: ReviewDecision,
  reasonText?: string | null,
): Promise<{ review: Review; item: ReviewItem; items: ReviewItem[] }> {
  const id = normaliseId(reviewId);
  const mine = await deps.store.transaction(async (uow) => {
    const review = await uow.reviews.get(id);
    if (!review) throw new PimError('unknown_review', { id });
    return (await uow.reviews.items(review.id)).filter(
      (i) => samePrincipal(i.principalId, target.principalId) && (!target.role || i.role.toLowerCase() === target.role.toLowerCase()) && (!target.scope || i.scope === target.scope),
    );
  });
  const [first, second] = mine;
  if (!first) throw new PimError('invalid_input', { message: `Access review ${id} has no item for ${person(deps, target.principalId).name}${target.scope ? ` at ${target.scope}` : ''}.` });
  if (second) throw new PimError('invalid_input', { message: `${person(deps, target.principalId).name} has several items in access review ${id}: add --scope (${mine.map((i) => i.scope).join(', ')}).` });
  return decideItem(deps, actor, first.id, decision, reasonText);
}
