/**
 * Domain types of pimbot. Pure data: no I/O, no clocks, no platform types.
 * Durations are milliseconds; instants are `Date`.
 */

export type Platform = 'slack' | 'teams' | 'playground';

/** A user or service account, with the chat identities bound to it. */
export interface Principal {
  /** E-mail or directory object id; the stable key everything refers to. */
  id: string;
  name: string;
  kind: 'user' | 'service';
  email?: string;
  /** Slack user id (U…). */
  slack?: string;
  /** Teams / Entra ID AAD object id. */
  teams?: string;
  /**
   * An emergency-access account: kept out of the unused-role alert, and every activation or
   * active assignment of it raises a critical alert at once.
   */
  breakGlass?: boolean;
}

export interface Group {
  id: string;
  /** Principal ids, or `group:<id>` for nested groups. */
  members: string[];
}

export type NotifyEvent =
  | 'requested'
  | 'approved'
  | 'denied'
  | 'activated'
  | 'deactivated'
  | 'expired'
  | 'assigned'
  | 'removed'
  | 'alert';

/** The role setting that governs activation and assignment of one role at one scope. */
export interface Policy {
  /** Longest activation, 5m..24h. */
  maxActivationMs: number;
  requireJustification: boolean;
  requireTicket: boolean;
  /** Regular expression a ticket must match (whole string). */
  ticketPattern?: string;
  requireMfa: boolean;
  approval: {
    required: boolean;
    /** Principal ids or `group:<id>`. */
    approvers: string[];
    timeoutMs: number;
    /** An approver gives a valid TOTP code before Approve counts (step-up); absent: false. */
    requireMfa?: boolean;
  };
  /** Which named channels hear of which events. */
  notify: Partial<Record<NotifyEvent, string[]>>;
  /** Longest eligible assignment; null = no limit. */
  eligibleExpiryMs: number | null;
  /** Longest active (admin-made) assignment; null = no limit. */
  activeExpiryMs: number | null;
  allowPermanentEligible: boolean;
  allowPermanentActive: boolean;
  /** How long before an activation ends its holder is warned. */
  warnBeforeMs: number;
}

/**
 * When wrong MFA codes lock a principal's MFA: `maxFailures` wrong codes within `failureWindowMs`
 * refuse every code, the right one too, for `lockForMs`.
 */
export interface MfaLockout {
  maxFailures: number;
  failureWindowMs: number;
  lockForMs: number;
}

export interface RoleScope {
  path: string;
  policy: Policy;
}

export interface Role {
  name: string;
  description?: string;
  scopes: RoleScope[];
}

export type AssignmentType = 'eligible' | 'active';

/** A principal holding a role at a scope, eligible or active, permanent (endsAt null) or time-bound. */
export interface Assignment {
  id: string;
  principalId: string;
  role: string;
  scope: string;
  type: AssignmentType;
  startsAt: Date;
  endsAt: Date | null;
  /** The activation request that produced this active assignment, if any. */
  requestId: string | null;
  createdBy: string;
  createdAt: Date;
  endedAt: Date | null;
  endReason: 'expired' | 'deactivated' | 'removed' | 'revoked' | null;
  /** Set when the holder of an activation was warned `warnBefore` its end. */
  warnedAt: Date | null;
  /** Set when the holder of a time-bound assignment was warned 14 days before its end. */
  warned14dAt: Date | null;
  /** Set when the holder of a time-bound assignment was warned 1 day before its end. */
  warned1dAt: Date | null;
}

export type RequestKind = 'activate' | 'extend' | 'renew' | 'assign';

export const REQUEST_STATES = [
  'pending_approval',
  'approved',
  'scheduled',
  'active',
  'expired',
  'deactivated',
  'revoked',
  'denied',
  'canceled',
  'timed_out',
  'failed',
  'completed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

/** States after which nothing more happens to a request. */
export const FINAL_STATES: readonly RequestState[] = [
  'expired',
  'deactivated',
  'revoked',
  'denied',
  'canceled',
  'timed_out',
  'failed',
  'completed',
];

/** A request to activate, extend, renew or be assigned a role. */
export interface PimRequest {
  id: string;
  kind: RequestKind;
  principalId: string;
  role: string;
  scope: string;
  /** Asked duration (activation / extension length). */
  durationMs: number;
  reason: string | null;
  ticket: string | null;
  /** Requested start; null = as soon as granted. */
  startAt: Date | null;
  state: RequestState;
  createdAt: Date;
  /** When a pending request times out. */
  approvalDeadline: Date | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  /** Active assignment produced (activation) or changed (extend/renew). */
  assignmentId: string | null;
  /** For extend/renew: the assignment whose end moves. */
  targetAssignmentId: string | null;
  /** For assign requests: eligible or active. */
  assignmentType: AssignmentType | null;
  failureReason: string | null;
  updatedAt: Date;
}

export interface Actor {
  principal: Principal;
  platform: Platform | 'cli' | 'system';
}

/** A decision on a request, as recorded in the audit trail and shown on cards. */
export interface Decision {
  requestId: string;
  outcome: 'approved' | 'denied';
  by: string;
  at: Date;
  reason: string | null;
}

export interface AuditEvent {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditInput = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

/** The newest row of the audit chain: its sequence number and hash. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** What a walk of the audit chain found (`audit verify`). */
export type AuditVerification =
  /** `prunedThrough`: rows up to this sequence number were pruned by retention (absent when none were). */
  | { ok: true; count: number; prunedThrough?: number }
  /**
   * `missing`: no row with sequence number `seq` (deleted);
   * `altered`: row `seq` does not hash to its stored hash;
   * `broken_link`: row `seq` does not point at the previous row's hash (that row was rewritten with a new hash);
   * `bad_checkpoint`: the retention checkpoint (pruned through `seq`) is not the one an `audit.pruned`
   * row in the chain recorded, so rows may have been deleted and the checkpoint forged to hide it.
   */
  | { ok: false; seq: number; problem: 'altered' | 'missing' | 'broken_link' | 'bad_checkpoint' };

/** The security alert rules (after Entra PIM's alert definitions; see src/core/alerts/rules.ts). */
export const ALERT_RULES = ['too_many_critical_holders', 'frequent_activations', 'unused_eligible', 'no_mfa', 'permanent_active', 'break_glass', 'channel_failing', 'outside_pim'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * One rule's setting: whether it runs and how severe its incidents are; `thresholds` holds the
 * rule's own numbers (see AlertSettings).
 */
export interface AlertRuleSetting {
  enabled: boolean;
  severity: AlertSeverity;
}

/** `alerts:` in the config, resolved: every rule with its severity and thresholds. */
export interface AlertSettings {
  /** Roles whose holders count for `too_many_critical_holders`. */
  criticalRoles: string[];
  too_many_critical_holders: AlertRuleSetting & { maxHolders: number; maxPercent: number };
  frequent_activations: AlertRuleSetting & { activations: number; windowMs: number };
  unused_eligible: AlertRuleSetting & { days: number };
  no_mfa: AlertRuleSetting;
  permanent_active: AlertRuleSetting;
  break_glass: AlertRuleSetting;
  channel_failing: AlertRuleSetting;
  /** Grants a target system holds that PIM did not make (from the reconciliation job; off with the record provider). */
  outside_pim: AlertRuleSetting;
}

/** What an alert is about; which members are set depends on the rule. */
export interface AlertSubject {
  role?: string;
  scope?: string;
  principalId?: string;
  assignmentId?: string;
  channel?: string;
  /** The holder as a target system names it (a login, an object id). */
  identity?: string;
}

/**
 * One incident of a rule, as the rules find it: `key` says which (the same condition found again
 * has the same key), `measure` how bad (a count), compared against what a dismissal covered.
 */
export interface AlertIncident {
  rule: AlertRule;
  key: string;
  severity: AlertSeverity;
  subject: AlertSubject;
  /** The numbers and names the card shows (counts, thresholds, principals, scopes). */
  facts: Record<string, unknown>;
  measure: number;
  /** When the condition began, when the rule can tell (an activation's start). */
  since?: Date;
}

export type AlertState = 'open' | 'dismissed' | 'resolved';

/** A stored alert: an incident and what became of it. */
export interface Alert extends AlertIncident {
  /** Short and typeable, like request ids: `A-7K2P9QX`. */
  id: string;
  state: AlertState;
  openedAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  dismissedAt: Date | null;
  dismissedBy: string | null;
  dismissReason: string | null;
}

/**
 * Who reviews an access review's items: each holder their own (`self`), the role's approvers, or
 * named principals (ids or `group:<id>`).
 */
export type ReviewReviewers = { kind: 'self' } | { kind: 'approvers' } | { kind: 'principals'; ids: string[] };

/** A reviewer's answer to "does this person still need this role?". */
export type ReviewDecision = 'keep' | 'remove';

/** What an unanswered item becomes when a review is applied. */
export const REVIEW_DEFAULT_DECISIONS = ['none', 'keep', 'remove', 'recommendation'] as const;
export type ReviewDefaultDecision = (typeof REVIEW_DEFAULT_DECISIONS)[number];

/** `open`: reviewers decide; `ended`: decisions final, not applied yet; `applied`: Remove decisions carried out. */
export type ReviewState = 'open' | 'ended' | 'applied';

/** How a review runs (after Entra ID's accessReviewScheduleSettings). */
export interface ReviewSettings {
  /** Which assignments it reviews. */
  assignmentTypes: 'eligible' | 'active' | 'both';
  /** Whether permanent assignments (no end) are reviewed too. */
  includePermanent: boolean;
  /** Used when an item would have no reviewer; empty: the PIM admins. */
  fallbackReviewers: string[];
  /** A decision needs a reason. */
  requireReason: boolean;
  recommendations: boolean;
  /** The look-back window recommendations are drawn from. */
  lookbackMs: number;
  defaultDecision: ReviewDefaultDecision;
  /** Applied when the review ends; otherwise an admin applies it with `review apply`. */
  autoApply: boolean;
  /** Halfway and one day before the end, each once. */
  reminders: boolean;
}

/** One run of an access review: a role (at one scope or all), its reviewers, a window. */
export interface Review {
  /** Short and typeable, like request ids: `V-7K2P9QX`. */
  id: string;
  name: string;
  role: string;
  /** null: every scope of the role. */
  scope: string | null;
  reviewers: ReviewReviewers;
  settings: ReviewSettings;
  state: ReviewState;
  createdBy: string;
  startsAt: Date;
  endsAt: Date;
  endedAt: Date | null;
  endedBy: string | null;
  appliedAt: Date | null;
  appliedBy: string | null;
  /** The recurring definition (`reviews:` in the config) it is a run of; null for one started in chat. */
  definition: string | null;
  /** When the halfway and last-day reminders went out (each once). */
  remindedHalfwayAt: Date | null;
  remindedLastDayAt: Date | null;
}

/** What the look-back window says about an assignment, and why. */
export interface ReviewRecommendation {
  decision: ReviewDecision | null;
  /** Shown with it: "not activated in the last 30 days", "no activity data". */
  reason: string;
}

/** One assignment under review. */
export interface ReviewItem {
  id: string;
  reviewId: string;
  assignmentId: string;
  principalId: string;
  role: string;
  scope: string;
  type: AssignmentType;
  assignmentStartsAt: Date;
  assignmentEndsAt: Date | null;
  /** Principal ids who may decide it. */
  reviewers: string[];
  /** True when `reviewers` are the fallback reviewers (it would have had none). */
  fallback: boolean;
  recommendation: ReviewRecommendation;
  lastActivationAt: Date | null;
  /** Activations within the look-back window. */
  activations: number;
  decision: ReviewDecision | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  reason: string | null;
  /** What was applied (the decision, or the default for an unanswered item); null when nothing was. */
  applied: ReviewDecision | null;
  appliedAt: Date | null;
}

/** How often a recurring review opens a new run. */
export const REVIEW_RECURRENCES = ['once', 'weekly', 'monthly', 'quarterly', 'semiannual', 'annual'] as const;
export type ReviewRecurrence = (typeof REVIEW_RECURRENCES)[number];

/** A recurring review from `reviews:` in the config: each run opens by itself at its start. */
export interface ReviewDefinition {
  /** Unique among definitions; names its runs (with the role) in the database. */
  name: string;
  roles: string[];
  /** null: every scope of each role. */
  scope: string | null;
  reviewers: ReviewReviewers;
  settings: ReviewSettings;
  durationDays: number;
  recurrence: ReviewRecurrence;
  /** The first run's start (a calendar day, midnight in `timeZone`). */
  start: { year: number; month: number; day: number };
  /** No run starts after this instant. */
  endAt: Date | null;
  /** The IANA zone the calendar days are counted in (default UTC). */
  timeZone: string;
}
