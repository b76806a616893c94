/** Reviews as their cards show them, and the queuing of reviewers' cards and the summary. */
import { SECURITY_CHANNEL } from '../channels.js';
import { noticeKeys, outboxKeys, subjects } from '../keys.js';
import type { Notice, ReviewItemView, ReviewSummaryView, ReviewView } from '../notices.js';
import type { UnitOfWork } from '../ports.js';
import { person, samePrincipal, sendTo, type PimDeps } from '../shared/index.js';
import type { Review, ReviewItem } from '../types.js';
import { outcomeOf } from './recommend.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function reviewView(r: Review): ReviewView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    scope: r.scope,
    state: r.state,
    reviewers: r.reviewers.kind,
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt.toISOString(),
    requireReason: r.settings.requireReason,
    defaultDecision: r.settings.defaultDecision,
    autoApply: r.settings.autoApply,
  };
}

export function itemView(deps: PimDeps, i: ReviewItem): ReviewItemView {
  return {
    id: i.id,
    principal: person(deps, i.principalId),
    role: i.role,
    scope: i.scope,
    type: i.type,
    since: i.assignmentStartsAt.toISOString(),
    endsAt: iso(i.assignmentEndsAt),
    lastActivationAt: iso(i.lastActivationAt),
    activations: i.activations,
    recommendation: i.recommendation.decision,
    recommendationReason: i.recommendation.reason,
    decision: i.decision,
    decidedBy: i.decidedBy ? person(deps, i.decidedBy) : null,
    decidedAt: iso(i.decidedAt),
    reason: i.reason,
    applied: i.applied,
  };
}

/** Whether a principal may decide an item: one of its reviewers (fallback reviewers included). */
export function isReviewerOf(i: Pick<ReviewItem, 'reviewers'>, principalId: string): boolean {
  return i.reviewers.some((id) => samePrincipal(id, principalId));
}

/** Everyone asked to review something in a review. */
export function reviewersOf(items: ReviewItem[]): string[] {
  const seen = new Map<string, string>();
  for (const i of items) for (const id of i.reviewers) if (!seen.has(id.toLowerCase())) seen.set(id.toLowerCase(), id);
  return [...seen.values()];
}

/** One reviewer's card: their items of the review as they stand. */
export function reviewCard(deps: PimDeps, r: Review, items: ReviewItem[], reviewerId: string, reminder?: 'halfway' | '1d'): Notice {
  const mine = items.filter((i) => isReviewerOf(i, reviewerId));
  return {
    kind: 'review_request',
    review: reviewView(r),
    reviewer: person(deps, reviewerId),
    self: mine.length > 0 && mine.every((i) => samePrincipal(i.principalId, reviewerId)),
    items: mine.map((i) => itemView(deps, i)),
    ...(reminder ? { reminder } : {}),
  };
}

/** Posts each reviewer's card to their DM, kept under its subject to be updated in place. */
export async function sendCards(deps: PimDeps, uow: UnitOfWork, r: Review, items: ReviewItem[]): Promise<void> {
  for (const id of reviewersOf(items)) {
    await sendTo(deps, uow, { kind: 'user', principalId: id }, noticeKeys.reviewRequest(r.id, id), reviewCard(deps, r, items, id), subjects.reviewCard(r.id, id));
  }
}

/** Updates every posted copy of these reviewers' cards; `change` names why (one row per change). */
export async function updateCards(deps: PimDeps, uow: UnitOfWork, r: Review, items: ReviewItem[], reviewerIds: string[], change: string): Promise<void> {
  for (const id of reviewerIds) {
    const notice = reviewCard(deps, r, items, id);
    for (const platform of deps.platforms()) {
      await uow.outbox.enqueue(outboxKeys.reviewCardUpdate(r.id, id, change, platform), { type: 'update', platform, subject: subjects.reviewCard(r.id, id), notice });
    }
  }
}

/** Counts of a review's outcome, overall and by the reviewer who decided. */
export function summarise(deps: PimDeps, r: Review, items: ReviewItem[]): ReviewSummaryView {
  const by = new Map<string, { reviewer: { id: string; name: string }; kept: number; removed: number }>();
  let kept = 0;
  let removed = 0;
  let notReviewed = 0;
  let applied = 0;
  for (const i of items) {
    const outcome = r.state === 'applied' ? i.applied : outcomeOf(i.decision, i.recommendation.decision, r.settings.defaultDecision);
    if (outcome === 'keep') kept++;
    else if (outcome === 'remove') removed++;
    if (!i.decision) notReviewed++;
    if (i.applied) applied++;
    if (i.decision && i.decidedBy) {
      const key = i.decidedBy.toLowerCase();
      const row = by.get(key) ?? { reviewer: person(deps, i.decidedBy), kept: 0, removed: 0 };
      if (i.decision === 'keep') row.kept++;
      else row.removed++;
      by.set(key, row);
    }
  }
  return { review: reviewView(r), kept, removed, notReviewed, applied, byReviewer: [...by.values()].sort((a, b) => a.reviewer.name.localeCompare(b.reviewer.name)) };
}

/** The summary card to the security channel (or, without one, to the admins by DM). */
export async function sendSummary(deps: PimDeps, uow: UnitOfWork, r: Review, items: ReviewItem[], stage: 'ended' | 'applied'): Promise<void> {
  const notice: Notice = { kind: 'review_summary', summary: summarise(deps, r, items), stage };
  const key = noticeKeys.reviewSummary(r.id, stage);
  if (deps.channels.includes(SECURITY_CHANNEL)) {
    await sendTo(deps, uow, { kind: 'channel', channel: SECURITY_CHANNEL }, key, notice);
    return;
  }
  for (const id of deps.directory.adminIds()) await sendTo(deps, uow, { kind: 'user', principalId: id }, key, notice);
}
