/** What waits for a reviewer, the counts the digest and App Home show, and cards brought up to date. */
import type { Notice } from '../notices.js';
import type { PimDeps } from '../shared/index.js';
import type { Actor, Review, ReviewItem } from '../types.js';
import { reviewCard } from './views.js';

/** Open reviews in which the actor has items to review, with those items (decided ones too: they may change them). */
export async function pendingReviews(deps: PimDeps, actor: Actor): Promise<{ review: Review; items: ReviewItem[] }[]> {
  return deps.store.transaction(async (uow) => {
    const mine = await uow.reviews.openItemsFor(actor.principal.id);
    const byReview = new Map<string, ReviewItem[]>();
    for (const i of mine) byReview.set(i.reviewId, [...(byReview.get(i.reviewId) ?? []), i]);
    const out: { review: Review; items: ReviewItem[] }[] = [];
    for (const [id, items] of byReview) {
      const review = await uow.reviews.get(id);
      if (review?.state === 'open') out.push({ review, items });
    }
    return out.sort((a, b) => a.review.endsAt.getTime() - b.review.endsAt.getTime());
  });
}

/** Items of open reviews still waiting for a decision, and in how many reviews (the digest). */
export async function countPendingReviewItems(deps: PimDeps): Promise<{ reviews: number; items: number }> {
  return deps.store.transaction(async (uow) => {
    let reviews = 0;
    let items = 0;
    for (const r of await uow.reviews.find(['open'])) {
      const waiting = (await uow.reviews.items(r.id)).filter((i) => i.decision === null).length;
      reviews++;
      items += waiting;
    }
    return { reviews, items };
  });
}

/** A reviewer's card as it stands now (the dispatcher renders the latest state, whatever order updates land in). */
export async function currentReviewNotice(deps: PimDeps, notice: Extract<Notice, { kind: 'review_request' }>): Promise<Notice> {
  return deps.store.transaction(async (uow) => {
    const review = await uow.reviews.get(notice.review.id);
    if (!review) return notice;
    return reviewCard(deps, review, await uow.reviews.items(review.id), notice.reviewer.id, notice.reminder);
  });
}
