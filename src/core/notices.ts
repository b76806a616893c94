/**
 * What the bot tells people, as data. `cards/` renders each notice for Slack (Block Kit) and
 * Teams (Adaptive Cards); the core only decides who hears what.
 */
import type { AlertRule, AlertSeverity, AlertState, RequestState, ReviewDecision, ReviewDefaultDecision, ReviewState } from './types.js';

/** The parts of a request a card shows. Dates are ISO strings so notices survive the outbox as JSON. */
export interface RequestView {
  id: string;
  kind: 'activate' | 'extend' | 'renew' | 'assign';
  requester: { id: string; name: string };
  role: string;
  scope: string;
  durationMs: number;
  reason: string | null;
  ticket: string | null;
  startAt: string | null;
  createdAt: string;
  approvalDeadline: string | null;
  state: RequestState;
  decidedBy: { id: string; name: string } | null;
  decidedAt: string | null;
  decisionReason: string | null;
  /** Why a request failed (the grant provider's answer), when it did. */
  failureReason: string | null;
  /** When the resulting activation ends, once known. */
  endsAt: string | null;
}

export interface AssignmentView {
  id: string;
  principal: { id: string; name: string };
  role: string;
  scope: string;
  type: 'eligible' | 'active';
  startsAt: string;
  endsAt: string | null;
  requestId: string | null;
}

/** The weekly digest: what happened in PIM over the week ending at `to`. */
export interface DigestView {
  /** ISO week of the run (`2030-W02`), in the configured time zone. */
  week: string;
  from: string;
  to: string;
  /** Activations started in the week: how many, per role (most first), and the top users. */
  activations: {
    total: number;
    byRole: { role: string; count: number }[];
    topUsers: { user: { id: string; name: string }; count: number }[];
  };
  /** Permanent assignments (no end) made in the week; `items` may be cut short of `total`. */
  madePermanent: { total: number; items: AssignmentView[] };
  /** Current assignments: eligible, active (of which activations), and permanent (either type). */
  assignments: { eligible: number; active: number; activations: number; permanent: number };
  /** Time-bound assignments (not activations) ending in the next 7 days, soonest first. */
  endingSoon: { total: number; items: AssignmentView[] };
  /** Requests waiting for approval, and when the oldest was made. */
  pendingRequests: { total: number; oldest: string | null };
  /** Review items waiting for a decision; null while access reviews are not tracked. */
  pendingReviews: number | null;
  /** Open security alerts; null while alerts are not tracked. */
  openAlerts: number | null;
}

/** A security alert as its card shows it. Dates are ISO strings. */
export interface AlertView {
  id: string;
  rule: AlertRule;
  severity: AlertSeverity;
  state: AlertState;
  role: string | null;
  scope: string | null;
  principal: { id: string; name: string } | null;
  channel: string | null;
  /** The rule's numbers and names (counts, thresholds, holders' ids, scopes). */
  facts: Record<string, unknown>;
  since: string | null;
  openedAt: string;
  resolvedAt: string | null;
  dismissedBy: { id: string; name: string } | null;
  dismissedAt: string | null;
  dismissReason: string | null;
}

/** An access review as its cards show it. Dates are ISO strings. */
export interface ReviewView {
  id: string;
  name: string;
  role: string;
  scope: string | null;
  state: ReviewState;
  reviewers: 'self' | 'approvers' | 'principals';
  startsAt: string;
  endsAt: string;
  requireReason: boolean;
  defaultDecision: ReviewDefaultDecision;
  autoApply: boolean;
}

/** One review item as a reviewer's card shows it. */
export interface ReviewItemView {
  id: string;
  principal: { id: string; name: string };
  role: string;
  scope: string;
  type: 'eligible' | 'active';
  since: string;
  endsAt: string | null;
  lastActivationAt: string | null;
  activations: number;
  recommendation: ReviewDecision | null;
  recommendationReason: string;
  decision: ReviewDecision | null;
  decidedBy: { id: string; name: string } | null;
  decidedAt: string | null;
  reason: string | null;
  applied: ReviewDecision | null;
}

/** A review's outcome: counts overall and by reviewer. */
export interface ReviewSummaryView {
  review: ReviewView;
  kept: number;
  removed: number;
  notReviewed: number;
  /** Items whose outcome was carried out (removals made, keeps confirmed). */
  applied: number;
  byReviewer: { reviewer: { id: string; name: string }; kept: number; removed: number }[];
}

/** Which expiry warning a notice is. */
export type ExpiryWarningKind = 'activation' | '14d' | '1d';

export type Notice =
  /** To the approvers: a request waiting for a decision (or, once decided, its outcome). */
  | { kind: 'approval_request'; request: RequestView }
  /** To the requester: the request is waiting for approval. */
  | { kind: 'request_pending'; request: RequestView }
  /** To the requester: approved or denied. */
  | { kind: 'request_decided'; request: RequestView }
  /** To the requester: the request ended without a decision (timed out, canceled) or failed. */
  | { kind: 'request_closed'; request: RequestView }
  /**
   * To the holder (and notified channels): the role is now active. `personal`: this copy goes to
   * the holder, and speaks to them ("Your Owner …"); without it, it reads for a channel.
   */
  | { kind: 'activation_started'; request: RequestView; assignment: AssignmentView; personal?: boolean }
  /** To the holder: the activation was scheduled for later. */
  | { kind: 'activation_scheduled'; request: RequestView }
  /** To the holder: an activation ended. */
  | {
      kind: 'activation_ended';
      assignment: AssignmentView;
      reason: 'expired' | 'deactivated' | 'revoked' | 'removed';
      /** This copy goes to the holder (see activation_started). */
      personal?: boolean;
      /** The holder is still eligible for the role (an activation ended, the eligibility did not). */
      stillEligible?: boolean;
      /** The admin who removed it, and why (an admin's `remove`). */
      removedBy?: { id: string; name: string };
      removalReason?: string | null;
    }
  /**
   * To the holder: an activation or assignment ends soon; offers Extend (an activation) or Renew
   * (an eligible assignment). `warning` says which warning this is: `activation`, the policy's
   * `warnBefore` an active assignment's end; `14d` and `1d`, a time-bound assignment's warnings
   * (absent on notices queued before warnings had kinds).
   */
  | { kind: 'expiry_warning'; assignment: AssignmentView; warning?: ExpiryWarningKind }
  /** To the holder: an activation was extended. */
  | { kind: 'activation_extended'; assignment: AssignmentView; request: RequestView }
  /** To a user: an admin assigned or removed a role. */
  | {
      kind: 'assignment_changed';
      assignment: AssignmentView;
      change: 'assigned' | 'removed' | 'renewed';
      by: { id: string; name: string };
      /** Why the admin assigned or removed it (required of admins; absent on older notices and renewals). */
      reason?: string | null;
      /** The holder's own copy: it speaks to them ("Erin made you eligible"). */
      personal?: boolean;
    }
  /** To the PIM admins and the security channel: the weekly digest. */
  | { kind: 'digest'; digest: DigestView }
  /**
   * To the security channel and the person: MFA was locked after too many wrong codes. `during`
   * is what the codes were given for (activate, extend, approve); `role` the role it was for.
   */
  | { kind: 'mfa_locked'; principal: { id: string; name: string }; failures: number; windowMs: number; until: string; during: string; role: string | null; platform: string }
  /**
   * To the security channel (and the channels `notify.alert` names): a security alert, with
   * Dismiss while it is open; updated in place when it is dismissed or resolves.
   */
  | { kind: 'security_alert'; alert: AlertView }
  /**
   * To the security channel, once a day: the head of the audit chain (its newest row's sequence
   * number and hash, as of `at`), so a rewrite of the whole table is still caught against chat history.
   */
  | { kind: 'audit_head'; day: string; seq: number; hash: string; at: string }
  /**
   * To one reviewer: their items of an access review, each with Keep and Remove; updated in place
   * as decisions are made and when the review ends. `self`: the reviewer reviews their own access.
   * `reminder` is set on the halfway and last-day reminders.
   */
  | { kind: 'review_request'; review: ReviewView; reviewer: { id: string; name: string }; self: boolean; items: ReviewItemView[]; reminder?: 'halfway' | '1d' }
  /** To the security channel: an access review ended, or was applied. */
  | { kind: 'review_summary'; summary: ReviewSummaryView; stage: 'ended' | 'applied' }
  /** A plain line of text (used for ops messages). */
  | { kind: 'text'; text: string };

export type NoticeKind = Notice['kind'];
