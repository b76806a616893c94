/**
 * Pure rules of an access review: which assignments it takes in, what the look-back window
 * recommends for each, and what an unanswered item becomes. No I/O; the clock's time is passed in.
 */
import { formatDuration } from '../duration.js';
import type { Assignment, ReviewDecision, ReviewDefaultDecision, ReviewRecommendation, ReviewSettings } from '../types.js';

/** How a review runs when nothing says otherwise (Entra ID's defaults, `defaultDecision: none`). */
export const DEFAULT_REVIEW_SETTINGS: Readonly<ReviewSettings> = Object.freeze({
  assignmentTypes: 'both',
  includePermanent: true,
  fallbackReviewers: [],
  requireReason: false,
  recommendations: true,
  lookbackMs: 30 * 24 * 60 * 60 * 1000,
  defaultDecision: 'none',
  autoApply: false,
  reminders: true,
});

/** Shortest and longest review (1 to 180 days). */
export const REVIEW_MIN_DAYS = 1;
export const REVIEW_MAX_DAYS = 180;
export const REVIEW_DEFAULT_DAYS = 14;

/**
 * Whether an assignment is in a review's scope. Activations (the active assignments an
 * activation makes) are not reviewed: the eligible assignment behind them is.
 */
export function inScope(a: Assignment, role: string, scope: string | null, s: Pick<ReviewSettings, 'assignmentTypes' | 'includePermanent'>): boolean {
  if (a.role !== role || (scope !== null && a.scope !== scope)) return false;
  if (a.type === 'active' && a.requestId !== null) return false;
  if (s.assignmentTypes !== 'both' && a.type !== s.assignmentTypes) return false;
  return s.includePermanent || a.endsAt !== null;
}

/** What the activity in the look-back window says about one assignment. */
export interface Activity {
  /** Activations of the assignment's role and scope by its holder within the window. */
  activations: number;
  lastActivationAt: Date | null;
  /** When an admin last made or renewed the assignment, if within the window. */
  madeOrRenewedAt: Date | null;
}

/**
 * The recommendation: *remove* an eligible assignment not activated within the look-back, *keep*
 * one that was; *keep* an active (admin-made) assignment made or renewed within it, and otherwise
 * no recommendation ("no activity data"), never an invented signal.
 */
export function recommend(a: Pick<Assignment, 'type'>, activity: Activity, lookbackMs: number, enabled = true): ReviewRecommendation {
  if (!enabled) return { decision: null, reason: 'recommendations are off' };
  const window = formatDuration(lookbackMs);
  if (a.type === 'eligible') {
    return activity.activations > 0
      ? { decision: 'keep', reason: `activated ${activity.activations} time${activity.activations === 1 ? '' : 's'} in the last ${window}` }
      : { decision: 'remove', reason: `not activated in the last ${window}` };
  }
  if (activity.madeOrRenewedAt) return { decision: 'keep', reason: `assigned or renewed in the last ${window}` };
  return { decision: null, reason: 'no activity data' };
}

/** What an item ends as: its decision, else the review's default decision (none: nothing). */
export function outcomeOf(decision: ReviewDecision | null, recommendation: ReviewDecision | null, defaultDecision: ReviewDefaultDecision): ReviewDecision | null {
  if (decision) return decision;
  switch (defaultDecision) {
    case 'none':
      return null;
    case 'keep':
      return 'keep';
    case 'remove':
      return 'remove';
    case 'recommendation':
      return recommendation;
  }
}
