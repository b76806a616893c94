/**
 * Opening a review: one item per assignment in scope at that moment, each with its reviewers
 * (or the fallback reviewers when it would have none) and the look-back window's recommendation;
 * then one DM card per reviewer. Items, audit row and cards commit together.
 */
import { PimError } from '../errors.js';
import { findRole, findScope } from '../policy.js';
import { subjects } from '../keys.js';
import type { UnitOfWork } from '../ports.js';
import { appendAudit, auditRefusal, findPolicy, requireAdmin, samePrincipal, type PimDeps } from '../shared/index.js';
import type { Actor, Assignment, PimRequest, Review, ReviewItem, ReviewReviewers, ReviewSettings } from '../types.js';
import { DEFAULT_REVIEW_SETTINGS, inScope, recommend, REVIEW_DEFAULT_DAYS, REVIEW_MAX_DAYS, REVIEW_MIN_DAYS, type Activity } from './recommend.js';
import { sendCards } from './views.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** What `review start` (or a recurring definition) asks for. */
export interface ReviewInput {
  role: string;
  scope?: string;
  reviewers: ReviewReviewers;
  /** 1..180; default 14. */
  durationDays?: number;
  name?: string;
  settings?: Partial<ReviewSettings>;
}

/** Admin: starts a one-time review now. */
export async function startReview(deps: PimDeps, actor: Actor, input: ReviewInput): Promise<{ review: Review; items: ReviewItem[] }> {
  return auditRefusal(deps, actor, 'review-start', input.role, { role: input.role, scope: input.scope }, async () => {
    requireAdmin(deps, actor);
    return deps.store.transaction((uow) => openReview(deps, uow, actor.principal.id, input, null, deps.clock.now()));
  });
}

/**
 * Opens a review in the caller's transaction; `definition` names the recurring one it is a run
 * of, and `startsAt` the run's start (the items are what is in scope now).
 */
export async function openReview(deps: PimDeps, uow: UnitOfWork, by: string, input: ReviewInput, definition: string | null, now: Date, startsAt: Date = now): Promise<{ review: Review; items: ReviewItem[] }> {
  const role = findRole(deps.roles, input.role);
  const scope = input.scope ? findScope(role, input.scope).path : null;
  const days = input.durationDays ?? REVIEW_DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < REVIEW_MIN_DAYS || days > REVIEW_MAX_DAYS) {
    throw new PimError('invalid_input', { message: `A review lasts ${REVIEW_MIN_DAYS} to ${REVIEW_MAX_DAYS} days (--duration 14d); ${days}d is outside that.` });
  }
  const name = input.name?.trim() || `${role.name}${scope ? ` at ${scope}` : ''} access review`;
  if (name.length > 200) throw new PimError('invalid_input', { message: 'A review name is at most 200 characters.' });
  const settings: ReviewSettings = { ...DEFAULT_REVIEW_SETTINGS, ...input.settings };
  if (input.reviewers.kind === 'principals') for (const id of input.reviewers.ids) if (!id.startsWith('group:')) deps.directory.require(id);
  for (const id of settings.fallbackReviewers) if (!id.startsWith('group:')) deps.directory.require(id);

  const current = (await uow.assignments.find({ role: role.name, currentAt: now })).filter((a) => inScope(a, role.name, scope, settings));
  if (current.length === 0) throw new PimError('no_review_items', { role: role.name, scope });
  const activity = await activityOf(uow, role.name, current, settings.lookbackMs, now);

  const review: Review = {
    id: `V-${deps.ids.requestId().replace(/^R-/, '')}`,
    name,
    role: role.name,
    scope,
    reviewers: input.reviewers,
    settings,
    state: 'open',
    createdBy: by,
    startsAt,
    endsAt: new Date(startsAt.getTime() + days * DAY_MS),
    endedAt: null,
    endedBy: null,
    appliedAt: null,
    appliedBy: null,
    definition,
    remindedHalfwayAt: null,
    remindedLastDayAt: null,
  };
  const items = current.map((a): ReviewItem => {
    const act = activity.get(a.id) ?? { activations: 0, lastActivationAt: null, madeOrRenewedAt: null };
    const own = reviewersFor(deps, review.reviewers, a);
    const fallback = own.length === 0;
    return {
      id: deps.ids.id(),
      reviewId: review.id,
      assignmentId: a.id,
      principalId: a.principalId,
      role: a.role,
      scope: a.scope,
      type: a.type,
      assignmentStartsAt: a.startsAt,
      assignmentEndsAt: a.endsAt,
      reviewers: fallback ? fallbackFor(deps, settings, a) : own,
      fallback,
      recommendation: recommend(a, act, settings.lookbackMs, settings.recommendations),
      lastActivationAt: act.lastActivationAt,
      activations: act.activations,
      decision: null,
      decidedBy: null,
      decidedAt: null,
      reason: null,
      applied: null,
      appliedAt: null,
    };
  });
  await uow.reviews.insert(review, items);
  await appendAudit(uow, {
    at: now,
    actor: by,
    action: 'review.started',
    subject: subjects.review(review.id),
    details: { name, role: role.name, scope, reviewers: input.reviewers.kind, items: items.length, endsAt: review.endsAt.toISOString(), definition, fallbackItems: items.filter((i) => i.fallback).length },
  });
  await sendCards(deps, uow, review, items);
  return { review, items };
}

/**
 * Who reviews one assignment, before fallback: its holder (`self`; not a group, and only while
 * the directory has them), the role's approvers at its scope, or the named principals. Nobody
 * reviews their own assignment except as a self-reviewer.
 */
export function reviewersFor(deps: PimDeps, reviewers: ReviewReviewers, a: Assignment): string[] {
  const known = (ids: string[]) => ids.filter((id) => deps.directory.get(id) !== undefined);
  switch (reviewers.kind) {
    case 'self':
      return !a.principalId.startsWith('group:') && deps.directory.get(a.principalId) ? [deps.directory.require(a.principalId).id] : [];
    case 'approvers': {
      const policy = findPolicy(deps, a.role, a.scope);
      return known(deps.directory.expand(policy?.approval.approvers ?? [])).filter((id) => !holds(deps, a, id));
    }
    case 'principals':
      return known(deps.directory.expand(reviewers.ids)).filter((id) => !holds(deps, a, id));
  }
}

/** The fallback reviewers of an item that would have none: those configured, else the admins (the holder never). */
function fallbackFor(deps: PimDeps, settings: ReviewSettings, a: Assignment): string[] {
  const configured = deps.directory.expand(settings.fallbackReviewers).filter((id) => deps.directory.get(id) && !holds(deps, a, id));
  if (configured.length > 0) return configured;
  const admins = deps.directory.adminIds().filter((id) => !holds(deps, a, id));
  return admins.length > 0 ? admins : deps.directory.adminIds();
}

/** Whether a principal holds the assignment, directly or through its group. */
function holds(deps: PimDeps, a: Assignment, id: string): boolean {
  return a.principalId.startsWith('group:') ? deps.directory.groupContains(a.principalId.slice(6), id) : samePrincipal(a.principalId, id);
}

/** Activations and renewals of the role within the look-back window, per assignment in scope. */
async function activityOf(uow: UnitOfWork, role: string, current: Assignment[], lookbackMs: number, now: Date): Promise<Map<string, Activity>> {
  const from = now.getTime() - lookbackMs;
  const activations = (await uow.assignments.find({ role, type: 'active' })).filter((x) => x.requestId !== null);
  const out = new Map<string, Activity>();
  const renewedAt = new Map<string, Date>();
  for (const a of current.filter((x) => x.type === 'active')) {
    for (const r of await uow.requests.find({ principalId: a.principalId, role })) {
      if (isRenewalOf(r, a) && r.updatedAt.getTime() >= from) {
        const had = renewedAt.get(a.id);
        if (!had || had < r.updatedAt) renewedAt.set(a.id, r.updatedAt);
      }
    }
  }
  for (const a of current) {
    const mine = activations.filter((x) => samePrincipal(x.principalId, a.principalId) && x.scope === a.scope && x.startsAt.getTime() <= now.getTime());
    const inWindow = mine.filter((x) => x.startsAt.getTime() >= from);
    const last = mine.reduce<Date | null>((m, x) => (!m || x.startsAt > m ? x.startsAt : m), null);
    const made = a.createdAt.getTime() >= from ? a.createdAt : null;
    const renewed = renewedAt.get(a.id) ?? null;
    out.set(a.id, { activations: inWindow.length, lastActivationAt: last, madeOrRenewedAt: renewed && (!made || renewed > made) ? renewed : made });
  }
  return out;
}

const isRenewalOf = (r: PimRequest, a: Assignment): boolean => r.kind === 'renew' && r.targetAssignmentId === a.id && r.state === 'completed';
