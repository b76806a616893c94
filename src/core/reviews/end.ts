/**
 * Ending and applying a review. At its end (the deadline loop) or on `review stop` the decisions
 * become final and every reviewer's card shows it; with auto-apply the review is applied at once,
 * otherwise an admin applies it with `review apply`. Applying ends the assignments whose outcome is
 * Remove (a decision, or the default decision for an unanswered item) through `finishAssignment`:
 * the holder's DM, the provider's revoke for an active one, the audit row. A summary goes to the
 * security channel. Every step is one transaction with its audit rows.
 */
import { PimError } from '../errors.js';
import { subjects } from '../keys.js';
import type { UnitOfWork } from '../ports.js';
import { appendAudit, auditRefusal, finishAssignment, normaliseId, requireAdmin, requireAuditReader, type PimDeps } from '../shared/index.js';
import type { Actor, Review, ReviewItem } from '../types.js';
import { outcomeOf } from './recommend.js';
import { reviewersOf, sendSummary, updateCards } from './views.js';

/** Ends an open review in the caller's transaction (null when it had ended); applies it when auto-apply is on. */
async function endReview(deps: PimDeps, uow: UnitOfWork, r: Review, by: string, why: 'stopped' | 'deadline', now: Date): Promise<Review | null> {
  const ended = await uow.reviews.transition(r.id, ['open'], { state: 'ended', endedAt: now, endedBy: by });
  if (!ended) return null;
  const items = await uow.reviews.items(r.id);
  await appendAudit(uow, {
    at: now,
    actor: by,
    action: 'review.ended',
    subject: subjects.review(r.id),
    details: { why, items: items.length, decided: items.filter((i) => i.decision).length, autoApply: r.settings.autoApply },
  });
  if (ended.settings.autoApply) return applyIn(deps, uow, ended, items, by, now);
  await updateCards(deps, uow, ended, items, reviewersOf(items), 'ended');
  await sendSummary(deps, uow, ended, items, 'ended');
  return ended;
}

/** Applies an ended review: Remove outcomes end their assignments, Keep ones are recorded; then the summary. */
async function applyIn(deps: PimDeps, uow: UnitOfWork, r: Review, items: ReviewItem[], by: string, now: Date): Promise<Review> {
  const applied = await uow.reviews.transition(r.id, ['ended'], { state: 'applied', appliedAt: now, appliedBy: by });
  if (!applied) throw new PimError('review_closed', { id: r.id, state: 'applied' });
  let removed = 0;
  let kept = 0;
  let gone = 0;
  const after: ReviewItem[] = [];
  for (const i of items) {
    if (i.appliedAt) {
      after.push(i);
      continue;
    }
    const outcome = outcomeOf(i.decision, i.recommendation.decision, r.settings.defaultDecision);
    if (outcome === 'remove') {
      const ended = await uow.assignments.end(i.assignmentId, now, 'removed');
      if (ended) {
        const why = `access review ${r.id} (${r.name})${i.decision ? '' : `: not answered, default ${r.settings.defaultDecision}`}${i.reason ? `: ${i.reason}` : ''}`;
        await finishAssignment(deps, uow, i.decidedBy ?? by, ended, 'removed', now, { reason: why });
        removed++;
      } else gone++;
    } else if (outcome === 'keep') kept++;
    after.push((await uow.reviews.markApplied(i.id, outcome, now)) ?? i);
  }
  await appendAudit(uow, {
    at: now,
    actor: by,
    action: 'review.applied',
    subject: subjects.review(r.id),
    details: { removed, kept, untouched: items.length - removed - kept - gone, alreadyEnded: gone, defaultDecision: r.settings.defaultDecision },
  });
  await updateCards(deps, uow, applied, after, reviewersOf(after), 'applied');
  await sendSummary(deps, uow, applied, after, 'applied');
  return applied;
}

/** Admin: ends an open review now (`review stop`). */
export async function stopReview(deps: PimDeps, actor: Actor, id: string): Promise<Review> {
  const reviewId = normaliseId(id);
  return auditRefusal(deps, actor, 'review-stop', subjects.review(reviewId), {}, async () => {
    requireAdmin(deps, actor);
    return deps.store.transaction(async (uow) => {
      const r = await uow.reviews.get(reviewId);
      if (!r) throw new PimError('unknown_review', { id: reviewId });
      const done = r.state === 'open' ? await endReview(deps, uow, r, actor.principal.id, 'stopped', deps.clock.now()) : null;
      if (!done) throw new PimError('review_closed', { id: r.id, state: r.state });
      return done;
    });
  });
}

/** Admin: applies an ended review that is not auto-applied (`review apply`). */
export async function applyReview(deps: PimDeps, actor: Actor, id: string): Promise<Review> {
  const reviewId = normaliseId(id);
  return auditRefusal(deps, actor, 'review-apply', subjects.review(reviewId), {}, async () => {
    requireAdmin(deps, actor);
    return deps.store.transaction(async (uow) => {
      const r = await uow.reviews.get(reviewId);
      if (!r) throw new PimError('unknown_review', { id: reviewId });
      if (r.state === 'open') throw new PimError('review_not_ended', { id: r.id, until: r.endsAt.toISOString() });
      if (r.state === 'applied') throw new PimError('review_closed', { id: r.id, state: r.state });
      return applyIn(deps, uow, r, await uow.reviews.items(r.id), actor.principal.id, deps.clock.now());
    });
  });
}

/** Ends every open review whose end has come (replica-safe: claimed with SKIP LOCKED); returns how many. */
export async function endDueReviews(deps: PimDeps, batch = 50): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deps.store.transaction(async (uow) => {
      const now = deps.clock.now();
      const due = await uow.reviews.claimEnded(now, batch);
      let ended = 0;
      for (const r of due) if (await endReview(deps, uow, r, 'system', 'deadline', now)) ended++;
      return { claimed: due.length, ended };
    });
    total += n.ended;
    if (n.claimed < batch) return total;
  }
}

/** A review and every item, for `review results` (admins and auditors). */
export async function reviewResults(deps: PimDeps, actor: Actor, id: string): Promise<{ review: Review; items: ReviewItem[] }> {
  const reviewId = normaliseId(id);
  return auditRefusal(deps, actor, 'review-results', subjects.review(reviewId), {}, async () => {
    requireAuditReader(deps, actor);
    return deps.store.transaction(async (uow) => {
      const review = await uow.reviews.get(reviewId);
      if (!review) throw new PimError('unknown_review', { id: reviewId });
      return { review, items: await uow.reviews.items(review.id) };
    });
  });
}
