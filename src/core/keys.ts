/**
 * Names that go over the wire or into the database, each built in one place: audit actions,
 * subjects (what an audit row or a posted message is about), the keys notices are queued under,
 * and the outbox dedupe keys. The formats are stored (dedupe keys and message refs outlive a
 * deploy), so change one only knowing that rows written before keep the old one.
 */
import type { NoticeKind } from './notices.js';
import type { Platform } from './types.js';

/** What can end an assignment, as its audit action says it. */
export type EndReason = 'expired' | 'deactivated' | 'removed';

/** Commands whose refusal is audited as `refused.<command>`. */
export type RefusedAction = 'activate' | 'cancel' | 'approve' | 'deny' | 'deactivate' | 'extend' | 'assign' | 'remove' | 'audit' | 'alerts' | 'review-start' | 'mfa_enroll' | 'alert-dismiss' | 'audit-verify' | 'review-decide' | 'review-stop' | 'review-apply' | 'review-results';

/** Every audit action the bot writes. */
export type AuditAction =
  | 'request.created'
  | 'request.scheduled'
  | 'request.canceled'
  | 'request.approved'
  | 'request.denied'
  | 'request.timed_out'
  | 'activation.started'
  | 'activation.extended'
  | `activation.${EndReason}`
  | 'assignment.created'
  | 'assignment.renewed'
  | `assignment.${EndReason}`
  | 'extension.failed'
  | 'grant.requested'
  | 'grant.failed'
  | 'revoke.failed'
  | 'identity.refused'
  | 'config.recorded'
  | 'config.changed'
  | 'mfa.failed'
  | 'mfa.locked'
  | 'mfa.enrolled'
  | 'digest.sent'
  | 'delivery.failed'
  | 'alert.raised'
  | 'alert.resolved'
  | 'alert.dismissed'
  | 'audit.pruned'
  | 'audit.head_posted'
  | 'review.started'
  | 'review.decided'
  | 'review.ended'
  | 'review.applied'
  | 'review.reminded'
  | `refused.${RefusedAction}`;

/** Subjects: what an audit row, or a posted message that is later updated, is about. */
export const subjects = {
  /** A request; also the approval card's subject, so its updates find every copy posted. */
  request: (id: string) => `request:${id}` as const,
  /** The requester's "waiting for approval" message, updated with the card. */
  pending: (requestId: string) => `pending:${requestId}` as const,
  assignment: (id: string) => `assignment:${id}` as const,
  principal: (id: string) => `principal:${id}` as const,
  digest: (week: string) => `digest:${week}` as const,
  config: (source: string) => `config:${source}` as const,
  outbox: (id: number) => `outbox:${id}` as const,
  identity: (platform: string, platformId: string) => `${platform}:${platformId}` as const,
  /** A security alert; also its card's subject, so its updates find every copy posted. */
  alert: (id: string) => `alert:${id}` as const,
  /** The day's post of the audit chain's head to the security channel (`2030-01-07`, in the bot's time zone). */
  auditHead: (day: string) => `audit-head:${day}` as const,
  /** An access review (its audit rows). */
  review: (id: string) => `review:${id}` as const,
  /** One reviewer's DM card of a review, updated in place as they decide. */
  reviewCard: (reviewId: string, reviewerId: string) => `review:${reviewId}:${reviewerId.toLowerCase()}` as const,
};

/** Prefixes of the subjects that `list({ subjectPrefix })` looks up. */
export const SUBJECT_PREFIX = { config: 'config:' } as const;

/** The subjects posted messages are kept under (message refs), to be updated in place. */
export type MessageSubject = ReturnType<typeof subjects.request> | ReturnType<typeof subjects.pending> | ReturnType<typeof subjects.alert> | ReturnType<typeof subjects.reviewCard>;

/**
 * What a notice is queued under: one key per reason to tell someone, so telling them twice for
 * one reason is one row (the outbox dedupes), and two reasons are two.
 */
export const noticeKeys = {
  approval: (requestId: string) => `approval:${requestId}` as const,
  pending: (requestId: string) => `pending:${requestId}` as const,
  requested: (requestId: string) => `requested:${requestId}` as const,
  decision: (outcome: 'approved' | 'denied', requestId: string) => `${outcome}:${requestId}` as const,
  decided: (requestId: string) => `decided:${requestId}` as const,
  activated: (requestId: string) => `activated:${requestId}` as const,
  extended: (requestId: string) => `extended:${requestId}` as const,
  renewed: (requestId: string) => `renewed:${requestId}` as const,
  failed: (requestId: string) => `failed:${requestId}` as const,
  timedOut: (requestId: string) => `timed_out:${requestId}` as const,
  ended: (assignmentId: string) => `ended:${assignmentId}` as const,
  assigned: (assignmentId: string) => `assigned:${assignmentId}` as const,
  activationWarning: (assignmentId: string, endsAt: Date) => `warn:${assignmentId}:${endsAt.toISOString()}` as const,
  assignmentWarning: (which: '14d' | '1d', assignmentId: string, endsAt: Date) => `warn${which}:${assignmentId}:${endsAt.toISOString()}` as const,
  mfaLocked: (principalId: string, until: Date) => `mfa-locked:${principalId.toLowerCase()}:${until.toISOString()}` as const,
  digest: (week: string) => subjects.digest(week),
  alert: (alertId: string) => subjects.alert(alertId),
  auditHead: (day: string) => subjects.auditHead(day),
  /** A reviewer's DM card of a review. */
  reviewRequest: (reviewId: string, reviewerId: string) => `review-request:${reviewId}:${reviewerId.toLowerCase()}` as const,
  reviewReminder: (which: 'halfway' | '1d', reviewId: string, reviewerId: string) => `review-remind-${which}:${reviewId}:${reviewerId.toLowerCase()}` as const,
  reviewSummary: (reviewId: string, stage: 'ended' | 'applied') => `review-summary:${reviewId}:${stage}` as const,
};

export type NoticeKey = ReturnType<(typeof noticeKeys)[keyof typeof noticeKeys]>;

/** A notice key told to a policy's `notify` channels for one event (`<key>:<event>`). */
export type ChannelNoticeKey = `${NoticeKey}:${string}`;

/** Why every copy of an approval card (or the requester's message about a request) is updated. */
export type CardUpdate = 'decided' | 'canceled' | 'timed_out' | 'ended';

/** Outbox dedupe keys: one row per message, card update, grant and revoke. */
export const outboxKeys = {
  message: (key: NoticeKey | ChannelNoticeKey, to: { kind: 'user'; principalId: string } | { kind: 'channel'; channel: string }, platform: Platform) =>
    `msg:${key}:${to.kind === 'user' ? `u:${to.principalId}` : `c:${to.channel}`}:${platform}` as const,
  cardUpdate: (requestId: string, why: CardUpdate, platform: Platform) => `update:${requestId}:${why}:${platform}` as const,
  pendingUpdate: (requestId: string, why: CardUpdate, platform: Platform) => `update:pending:${requestId}:${why}:${platform}` as const,
  grant: (requestId: string) => `grant:${requestId}` as const,
  assignmentGrant: (assignmentId: string) => `grant:assignment:${assignmentId}` as const,
  revoke: (assignmentId: string) => `revoke:${assignmentId}` as const,
  alertUpdate: (alertId: string, why: 'resolved' | 'dismissed', platform: Platform) => `alert-update:${alertId}:${why}:${platform}` as const,
  /** A reviewer's card brought up to date: one row per change (`seq` counts the review's audit rows). */
  reviewCardUpdate: (reviewId: string, reviewerId: string, change: string, platform: Platform) => `review-update:${reviewId}:${reviewerId.toLowerCase()}:${change}:${platform}` as const,
};

export type OutboxKey = ReturnType<(typeof outboxKeys)[keyof typeof outboxKeys]>;

/** Advisory lock names (PostgreSQL, held to the end of the transaction): what runs one at a time across replicas. */
export const lockKeys = {
  /** One principal's open activation or request per role and scope: activate and extend queue on it. */
  activation: (principalId: string, role: string, scope: string) => `activation:${principalId.toLowerCase()}:${role}:${scope}` as const,
  bootstrap: 'bootstrap',
  config: 'config',
  digest: 'digest',
  alerts: 'alerts',
  auditHead: 'audit-head',
  /** Opening the runs of recurring reviews (`reviews:` in the config). */
  reviews: 'reviews',
} as const;

/**
 * Every notice kind, as a table the compiler keeps complete: a kind added to `Notice` and not
 * here, or renamed in one and not the other, fails to compile. Renderers that tell notices from
 * replies derive from it.
 */
export const NOTICE_KINDS: Readonly<Record<NoticeKind, true>> = Object.freeze({
  approval_request: true,
  request_pending: true,
  request_decided: true,
  request_closed: true,
  activation_started: true,
  activation_scheduled: true,
  activation_ended: true,
  expiry_warning: true,
  activation_extended: true,
  assignment_changed: true,
  digest: true,
  mfa_locked: true,
  security_alert: true,
  audit_head: true,
  review_request: true,
  review_summary: true,
  text: true,
});
