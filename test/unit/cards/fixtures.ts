/** Deterministic view models for the card tests: every notice kind, every reply kind, the forms. */
import type { NoticeKind } from '../../../src/core/index.js';
import type {
  ActivationForm,
  AlertView,
  AssignmentView,
  AuditRow,
  DenyForm,
  DigestView,
  HelpLine,
  HomeView,
  Notice,
  RenderContext,
  Reply,
  ReplyKind,
  RequestView,
  ReviewItemView,
  ReviewSummaryView,
  ReviewView,
  RoleRow,
} from '../../../cards/model.js';

/** 14:00 CEST on Tuesday 3 June 2025. */
export const NOW = new Date('2025-06-03T12:00:00Z');
export const ctx: RenderContext = { timeZone: 'Europe/Berlin', now: NOW };

const at = (minutes: number): string => new Date(NOW.getTime() + minutes * 60_000).toISOString();

export const alice = { id: 'alice@example.com', name: 'Alice' };
export const carol = { id: 'carol@example.com', name: 'Carol' };

export const INJECTION = '<!channel> <@U123> <http://evil|click> & [x](http://evil)';

export function request(over: Partial<RequestView> = {}): RequestView {
  return {
    id: 'R7K2Q',
    kind: 'activate',
    requester: alice,
    role: 'Owner',
    scope: '/subscriptions/prod',
    durationMs: 3_600_000,
    reason: 'Rotate the storage keys after INC-4211',
    ticket: 'INC-4211',
    startAt: null,
    createdAt: at(-2),
    approvalDeadline: at(24 * 60 - 2),
    state: 'pending_approval',
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    failureReason: null,
    endsAt: null,
    ...over,
  };
}

export function assignment(over: Partial<AssignmentView> = {}): AssignmentView {
  return {
    id: 'A1',
    principal: alice,
    role: 'Owner',
    scope: '/subscriptions/prod',
    type: 'active',
    startsAt: at(-15),
    endsAt: at(45),
    requestId: 'R7K2Q',
    ...over,
  };
}

export function roleRow(over: Partial<RoleRow> = {}): RoleRow {
  return {
    role: 'Owner',
    scope: '/subscriptions/prod',
    eligible: { until: at(90 * 24 * 60) },
    active: null,
    pendingRequestId: null,
    policy: { maxActivationMs: 3_600_000, approval: true, reason: true, ticket: true, mfa: false },
    ...over,
  };
}

const bob = { id: 'bob@example.com', name: 'Bob' };

/** A busy week: activations of three roles, a permanent assignment, two assignments ending soon. */
export function digest(over: Partial<DigestView> = {}): DigestView {
  return {
    week: '2025-W23',
    from: at(-7 * 24 * 60),
    to: at(0),
    activations: {
      total: 9,
      byRole: [
        { role: 'Contributor', count: 5 },
        { role: 'Owner', count: 3 },
        { role: 'Reader', count: 1 },
      ],
      topUsers: [
        { user: alice, count: 6 },
        { user: bob, count: 3 },
      ],
    },
    madePermanent: { total: 1, items: [assignment({ id: 'A7', principal: bob, role: 'Reader', scope: '/', type: 'eligible', endsAt: null, requestId: null })] },
    assignments: { eligible: 14, active: 3, activations: 2, permanent: 6 },
    endingSoon: {
      total: 2,
      items: [
        assignment({ id: 'A8', type: 'eligible', endsAt: at(2 * 24 * 60), requestId: null }),
        assignment({ id: 'A9', principal: bob, role: 'Contributor', scope: '/subscriptions/dev', type: 'active', endsAt: at(6 * 24 * 60), requestId: null }),
      ],
    },
    pendingRequests: { total: 2, oldest: at(-5 * 60) },
    pendingReviews: null,
    openAlerts: null,
    ...over,
  };
}

/** A week in which nothing happened. */
export function quietDigest(): DigestView {
  return digest({
    activations: { total: 0, byRole: [], topUsers: [] },
    madePermanent: { total: 0, items: [] },
    assignments: { eligible: 0, active: 0, activations: 0, permanent: 0 },
    endingSoon: { total: 0, items: [] },
    pendingRequests: { total: 0, oldest: null },
  });
}

const approved = { state: 'active' as const, decidedBy: carol, decidedAt: at(-1), endsAt: at(59) };

function reviewView(over: Partial<ReviewView> = {}): ReviewView {
  return {
    id: 'V-7K2Q9XA',
    name: 'Owner quarterly review',
    role: 'Owner',
    scope: '/subscriptions/prod',
    state: 'open',
    reviewers: 'self',
    startsAt: at(-60),
    endsAt: at(14 * 24 * 60),
    requireReason: false,
    defaultDecision: 'none',
    autoApply: false,
    ...over,
  };
}

function reviewItem(over: Partial<ReviewItemView> = {}): ReviewItemView {
  return {
    id: 'item-1',
    principal: alice,
    role: 'Owner',
    scope: '/subscriptions/prod',
    type: 'eligible',
    since: at(-90 * 24 * 60),
    endsAt: null,
    lastActivationAt: at(-3 * 24 * 60),
    activations: 4,
    recommendation: 'keep',
    recommendationReason: 'activated 4 times in the last 30d',
    decision: null,
    decidedBy: null,
    decidedAt: null,
    reason: null,
    applied: null,
    ...over,
  };
}

const reviewItems = [
  reviewItem(),
  reviewItem({ id: 'item-2', role: 'Contributor', lastActivationAt: null, activations: 0, recommendation: 'remove', recommendationReason: 'not activated in the last 30d', decision: 'remove', decidedBy: alice, decidedAt: at(-5), reason: 'Moved teams <!channel>' }),
  reviewItem({ id: 'item-3', type: 'active', role: 'Reader', scope: '/', lastActivationAt: null, activations: 0, recommendation: null, recommendationReason: 'no activity data' }),
];

function reviewSummary(over: Partial<ReviewSummaryView> = {}): ReviewSummaryView {
  return { review: reviewView({ state: 'ended' }), kept: 1, removed: 1, notReviewed: 1, applied: 0, byReviewer: [{ reviewer: alice, kept: 1, removed: 1 }], ...over };
}

/** Every notice kind, with the states that change what it shows. */
function alertView(over: Partial<AlertView>): AlertView {
  return {
    id: 'A-7K2Q9XA',
    rule: 'no_mfa',
    severity: 'low',
    state: 'open',
    role: 'Owner',
    scope: '/subscriptions/prod',
    principal: { id: 'alice@example.com', name: 'Alice' },
    channel: null,
    facts: {},
    since: at(-30),
    openedAt: at(-30),
    resolvedAt: null,
    dismissedBy: null,
    dismissedAt: null,
    dismissReason: null,
    ...over,
  };
}

export const NOTICES: [string, Notice][] = [
  ['approval_request pending', { kind: 'approval_request', request: request() }],
  ['approval_request pending scheduled start', { kind: 'approval_request', request: request({ startAt: at(3 * 60), reason: null, ticket: null }) }],
  ['approval_request extend', { kind: 'approval_request', request: request({ kind: 'extend', durationMs: 30 * 60_000 }) }],
  ['approval_request renew', { kind: 'approval_request', request: request({ kind: 'renew', durationMs: 90 * 86_400_000 }) }],
  ['approval_request approved', { kind: 'approval_request', request: request({ ...approved, decisionReason: 'Matches the incident' }) }],
  ['approval_request denied', { kind: 'approval_request', request: request({ state: 'denied', decidedBy: carol, decidedAt: at(-1), decisionReason: 'Use the read-only role' }) }],
  ['approval_request timed_out', { kind: 'approval_request', request: request({ state: 'timed_out', approvalDeadline: at(-5) }) }],
  ['approval_request canceled', { kind: 'approval_request', request: request({ state: 'canceled' }) }],
  ['approval_request failed', { kind: 'approval_request', request: request({ state: 'failed', decidedBy: carol, decidedAt: at(-1) }) }],
  ['request_pending', { kind: 'request_pending', request: request() }],
  ['request_pending once approved', { kind: 'request_pending', request: request({ ...approved, decisionReason: 'Matches the incident' }) }],
  ['request_pending once denied', { kind: 'request_pending', request: request({ state: 'denied', decidedBy: carol, decidedAt: at(-1), decisionReason: 'Use the read-only role' }) }],
  ['request_pending once canceled', { kind: 'request_pending', request: request({ state: 'canceled' }) }],
  ['request_pending once expired', { kind: 'request_pending', request: request({ ...approved, state: 'expired' }) }],
  ['request_pending active without approval', { kind: 'request_pending', request: request({ state: 'active', approvalDeadline: null, endsAt: at(60) }) }],
  ['request_decided extension completed', { kind: 'request_decided', request: request({ kind: 'extend', durationMs: 30 * 60_000, state: 'completed', decidedBy: carol, decidedAt: at(-1), endsAt: at(90) }) }],
  ['request_decided approved active', { kind: 'request_decided', request: request(approved) }],
  ['request_decided approved scheduled', { kind: 'request_decided', request: request({ state: 'scheduled', startAt: at(26 * 60), decidedBy: carol, decidedAt: at(-1) }) }],
  ['request_decided denied', { kind: 'request_decided', request: request({ state: 'denied', decidedBy: carol, decidedAt: at(-1), decisionReason: 'Use the read-only role' }) }],
  ['request_closed timed_out', { kind: 'request_closed', request: request({ state: 'timed_out' }) }],
  ['request_closed canceled', { kind: 'request_closed', request: request({ state: 'canceled' }) }],
  ['request_closed failed', { kind: 'request_closed', request: request({ state: 'failed', decisionReason: 'webhook returned 500' }) }],
  ['activation_started', { kind: 'activation_started', request: request(approved), assignment: assignment({ startsAt: at(0), endsAt: at(60) }) }],
  ['activation_started personal', { kind: 'activation_started', request: request(approved), assignment: assignment({ startsAt: at(0), endsAt: at(60) }), personal: true }],
  ['activation_ended expired personal', { kind: 'activation_ended', assignment: assignment({ endsAt: at(0) }), reason: 'expired', personal: true, stillEligible: true }],
  ['activation_ended assigned active, still eligible', { kind: 'activation_ended', assignment: assignment({ endsAt: at(0), requestId: null }), reason: 'expired', personal: true, stillEligible: true }],
  ['activation_scheduled', { kind: 'activation_scheduled', request: request({ state: 'scheduled', startAt: at(8 * 24 * 60), approvalDeadline: null }) }],
  ['activation_ended expired', { kind: 'activation_ended', assignment: assignment({ endsAt: at(0) }), reason: 'expired' }],
  ['activation_ended deactivated', { kind: 'activation_ended', assignment: assignment(), reason: 'deactivated' }],
  ['activation_ended revoked', { kind: 'activation_ended', assignment: assignment(), reason: 'revoked' }],
  ['activation_ended removed', { kind: 'activation_ended', assignment: assignment({ type: 'eligible', requestId: null }), reason: 'removed' }],
  ['expiry_warning active', { kind: 'expiry_warning', assignment: assignment({ endsAt: at(10) }) }],
  ['expiry_warning eligible', { kind: 'expiry_warning', assignment: assignment({ type: 'eligible', endsAt: at(13 * 24 * 60), requestId: null }) }],
  ['activation_extended', { kind: 'activation_extended', assignment: assignment({ endsAt: at(75) }), request: request({ kind: 'extend', durationMs: 30 * 60_000, state: 'completed', reason: 'Migration runs long' }) }],
  ['assignment_changed assigned eligible', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', endsAt: at(90 * 24 * 60), requestId: null }), change: 'assigned', by: carol }],
  ['assignment_changed assigned active permanent', { kind: 'assignment_changed', assignment: assignment({ endsAt: null, requestId: null }), change: 'assigned', by: carol }],
  ['assignment_changed removed', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', requestId: null }), change: 'removed', by: carol }],
  ['assignment_changed assigned eligible, to the holder', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', endsAt: at(90 * 24 * 60), requestId: null }), change: 'assigned', by: carol, reason: 'on call', personal: true }],
  ['assignment_changed assigned active, to the holder', { kind: 'assignment_changed', assignment: assignment({ endsAt: null, requestId: null }), change: 'assigned', by: carol, personal: true }],
  ['assignment_changed removed, to the holder', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', requestId: null }), change: 'removed', by: carol, reason: 'left the team', personal: true }],
  ['assignment_changed removed by the holder, to the holder', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', requestId: null }), change: 'removed', by: alice, reason: 'not needed any more', personal: true }],
  ['assignment_changed renewed', { kind: 'assignment_changed', assignment: assignment({ type: 'eligible', endsAt: at(180 * 24 * 60), requestId: null }), change: 'renewed', by: carol }],
  ['activation_ended expired eligible', { kind: 'activation_ended', assignment: assignment({ type: 'eligible', endsAt: at(0), requestId: null }), reason: 'expired' }],
  ['expiry_warning eligible 14d', { kind: 'expiry_warning', assignment: assignment({ type: 'eligible', endsAt: at(14 * 24 * 60), requestId: null }), warning: '14d' }],
  ['expiry_warning eligible 1d', { kind: 'expiry_warning', assignment: assignment({ type: 'eligible', endsAt: at(24 * 60), requestId: null }), warning: '1d' }],
  ['expiry_warning assigned active 14d', { kind: 'expiry_warning', assignment: assignment({ endsAt: at(14 * 24 * 60), requestId: null }), warning: '14d' }],
  ['expiry_warning assigned active activation warning', { kind: 'expiry_warning', assignment: assignment({ endsAt: at(10), requestId: null }), warning: 'activation' }],
  ['digest', { kind: 'digest', digest: digest() }],
  ['digest quiet week', { kind: 'digest', digest: quietDigest() }],
  ['audit_head', { kind: 'audit_head', day: '2030-01-07', seq: 4812, hash: '9f2c1d0be4a7c3f18e6d5b2a1c0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29', at: '2030-01-07T00:07:00.000Z' }],
  ['text', { kind: 'text', text: 'The outbox caught up: 3 messages delivered late.' }],
  ['security_alert too many holders', { kind: 'security_alert', alert: alertView({ rule: 'too_many_critical_holders', severity: 'medium', principal: null, scope: null, facts: { assignments: 7, percent: 41.2, total: 17, maxHolders: 5, maxPercent: 10, holders: ['alice@example.com'] } }) }],
  ['security_alert frequent activations', { kind: 'security_alert', alert: alertView({ rule: 'frequent_activations', severity: 'low', scope: null, facts: { activations: 12, threshold: 10, windowMs: 24 * 60 * 60_000 } }) }],
  ['security_alert unused eligible', { kind: 'security_alert', alert: alertView({ rule: 'unused_eligible', severity: 'low', facts: { days: 90, eligibleSince: at(-200 * 24 * 60) } }) }],
  ['security_alert no mfa', { kind: 'security_alert', alert: alertView({ rule: 'no_mfa', severity: 'low', principal: null, scope: null, facts: { scopes: ['/subscriptions/prod', '/subscriptions/dev'] } }) }],
  ['security_alert permanent active dismissed', { kind: 'security_alert', alert: alertView({ rule: 'permanent_active', severity: 'medium', state: 'dismissed', dismissedBy: carol, dismissedAt: at(5), dismissReason: 'Service account, reviewed quarterly <!channel>', facts: { assignedBy: 'carol@example.com', assignedAt: at(-60) } }) }],
  ['security_alert break glass resolved', { kind: 'security_alert', alert: alertView({ rule: 'break_glass', severity: 'critical', state: 'resolved', resolvedAt: at(60), facts: { activation: true, requestId: 'R-7K2Q9XA', endsAt: at(60), by: 'alice@example.com' } }) }],
  ['security_alert outside pim', { kind: 'security_alert', alert: alertView({ rule: 'outside_pim', severity: 'high', principal: null, facts: { identity: 'mallory_login' } }) }],
  ['security_alert channel failing', { kind: 'security_alert', alert: alertView({ rule: 'channel_failing', severity: 'high', principal: null, role: null, scope: null, channel: 'security', facts: { error: 'not_in_channel' } }) }],
  ['review_request self', { kind: 'review_request', review: reviewView(), reviewer: alice, self: true, items: reviewItems }],
  ['review_request approvers reminder', { kind: 'review_request', review: reviewView({ reviewers: 'approvers', requireReason: true, defaultDecision: 'recommendation' }), reviewer: carol, self: false, items: reviewItems, reminder: '1d' }],
  ['review_request accept all', { kind: 'review_request', review: reviewView({ reviewers: 'principals' }), reviewer: carol, self: false, items: [reviewItem(), reviewItem({ id: 'item-4', principal: carol, recommendation: 'remove', recommendationReason: 'not activated in the last 30d' })] }],
  ['review_request ended', { kind: 'review_request', review: reviewView({ state: 'applied' }), reviewer: alice, self: true, items: reviewItems.map((x) => ({ ...x, applied: x.decision })) }],
  ['review_summary ended', { kind: 'review_summary', summary: reviewSummary(), stage: 'ended' }],
  ['review_summary applied', { kind: 'review_summary', summary: reviewSummary({ review: reviewView({ state: 'applied' }), applied: 2 }), stage: 'applied' }],
  [
    'mfa_locked',
    { kind: 'mfa_locked', principal: { id: 'alice@example.com', name: 'Alice' }, failures: 5, windowMs: 15 * 60_000, until: at(15), during: 'activate', role: 'Owner', platform: 'slack' },
  ],
];

export const ALL_NOTICE_KINDS: Record<NoticeKind, true> = {
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
  audit_head: true,
  mfa_locked: true,
  security_alert: true,
  review_request: true,
  review_summary: true,
  text: true,
};

const auditRows: AuditRow[] = [
  { seq: 41, at: at(-30), actor: 'Alice', action: 'request.created', subject: 'request:R7K2Q', summary: 'alice@example.com Owner /subscriptions/prod, kind=activate, durationMs=1h' },
  { seq: 42, at: at(-29), actor: 'Carol', action: 'request.approved', subject: 'request:R7K2Q', summary: 'alice@example.com Owner /subscriptions/prod' },
];

/** A user's help listing, as a help reply carries it (the lines these snapshots were taken with). */
const HELP_LINES: HelpLine[] = [
  { usage: 'roles', text: 'Your roles and what each needs' },
  { usage: 'status', text: 'What is active now, and your open requests' },
  { usage: 'activate <role> [<duration>] [--scope <scope>] [--reason "<text>"] [--ticket <id>] [--at <time>] [--code <mfa-code>]', text: 'Activate a role you are eligible for' },
  { usage: 'deactivate <role> [--scope <scope>]', text: 'End an activation early' },
  { usage: 'extend <role> <duration> [--scope <scope>] [--reason "<text>"] [--ticket <id>] [--code <mfa-code>]', text: 'Add time to an activation, within its maximum from its start, or renew an eligibility that ends soon' },
  { usage: 'requests', text: 'Your open requests' },
  { usage: 'cancel <request-id>', text: 'Cancel a pending or scheduled request' },
  { usage: 'approvals', text: 'Requests waiting for your decision' },
  { usage: 'approve <request-id> [--reason "<text>"]', text: 'Approve a request' },
  { usage: 'deny <request-id> --reason "<text>"', text: 'Deny a request' },
  { usage: 'reviews', text: 'Access reviews waiting for you' },
];

/** The admin commands of an admin's help listing. */
const ADMIN_HELP_LINES: HelpLine[] = [
  { usage: 'assign <user> <role> [--scope <scope>] [--eligible|--active] [--for <duration>|--until <date>] --reason "<text>"', text: 'Make someone eligible (or active); they are told why' },
  { usage: 'remove <user> <role> [--scope <scope>] --reason "<text>"', text: 'Remove an assignment; they are told why' },
  { usage: 'review start <role> [--scope <scope>] --reviewers self|approvers|<user>... [--duration <days>d]', text: 'Start an access review' },
  { usage: 'alerts', text: 'Open security alerts' },
  { usage: 'audit [--user <user>] [--role <role>] [--since <duration>] [--csv]', text: 'Audit history' },
];

/** Every reply kind, with the variants that change what it shows. */
export const REPLIES: [string, Reply][] = [
  ['help', { kind: 'help', isAdmin: false, lines: HELP_LINES }],
  ['help admin', { kind: 'help', isAdmin: true, lines: [...HELP_LINES, ...ADMIN_HELP_LINES] }],
  ['help custom lines', { kind: 'help', isAdmin: false, lines: [{ usage: 'roles', text: 'Your roles' }] }],
  [
    'roles',
    {
      kind: 'roles',
      roles: [
        roleRow(),
        roleRow({ role: 'Contributor', scope: '/subscriptions/dev', active: { until: at(45), requestId: 'R1' }, policy: { maxActivationMs: 8 * 3_600_000, approval: false, reason: true, ticket: false, mfa: false } }),
        roleRow({ role: 'Global Administrator', scope: '/', pendingRequestId: 'R2', eligible: { until: null }, policy: { maxActivationMs: 3_600_000, approval: true, reason: true, ticket: false, mfa: true } }),
        roleRow({ role: 'Reader', scope: '/', eligible: null, active: { until: null, requestId: null } }),
      ],
    },
  ],
  ['roles empty', { kind: 'roles', roles: [] }],
  ['status', { kind: 'status', active: [assignment()], requests: [request(), request({ id: 'R9', state: 'scheduled', startAt: at(120), role: 'Contributor', scope: '/subscriptions/dev' })] }],
  ['status empty', { kind: 'status', active: [], requests: [] }],
  ['activation active', { kind: 'activation', outcome: 'active', role: 'Owner', scope: '/subscriptions/prod', requestId: 'R7K2Q', durationMs: 3_600_000, until: at(60), startAt: null, approvers: [] }],
  ['activation granting', { kind: 'activation', outcome: 'granting', role: 'Owner', scope: '/subscriptions/prod', requestId: 'R7K2Q', durationMs: 3_600_000, until: null, startAt: null, approvers: [] }],
  ['activation pending_approval', { kind: 'activation', outcome: 'pending_approval', role: 'Owner', scope: '/subscriptions/prod', requestId: 'R7K2Q', durationMs: 3_600_000, until: null, startAt: null, approvers: ['Carol', 'Dave'] }],
  ['activation pending_approval, nobody else can approve', { kind: 'activation', outcome: 'pending_approval', role: 'Owner', scope: '/subscriptions/prod', requestId: 'R7K2Q', durationMs: 3_600_000, until: null, startAt: null, approvers: [] }],
  ['activation scheduled', { kind: 'activation', outcome: 'scheduled', role: 'Owner', scope: '/subscriptions/prod', requestId: 'R7K2Q', durationMs: 3_600_000, until: null, startAt: at(18 * 60), approvers: [] }],
  ['deactivated', { kind: 'deactivated', role: 'Owner', scope: '/subscriptions/prod' }],
  ['extended', { kind: 'extended', outcome: 'extended', requestKind: 'extend', role: 'Owner', scope: '/subscriptions/prod', durationMs: 30 * 60_000, until: at(75), requestId: null, approvers: [] }],
  ['extended pending renew', { kind: 'extended', outcome: 'pending_approval', requestKind: 'renew', role: 'Owner', scope: '/subscriptions/prod', durationMs: 90 * 86_400_000, until: null, requestId: 'R8', approvers: ['Carol'] }],
  ['requests', { kind: 'requests', requests: [request(), request({ id: 'R9', kind: 'extend', durationMs: 1_800_000 })] }],
  ['requests empty', { kind: 'requests', requests: [] }],
  ['approvals', { kind: 'approvals', requests: [request(), request({ id: 'R9', requester: { id: 'bob@example.com', name: 'Bob' }, reason: null, ticket: null })] }],
  ['approvals empty', { kind: 'approvals', requests: [] }],
  ['canceled', { kind: 'canceled', request: request({ state: 'canceled' }) }],
  ['decided approved', { kind: 'decided', outcome: 'approved', request: request({ ...approved, decisionReason: 'ok' }) }],
  ['decided denied', { kind: 'decided', outcome: 'denied', request: request({ state: 'denied', decidedBy: carol, decidedAt: at(0), decisionReason: 'Use Reader' }) }],
  ['assigned', { kind: 'assigned', assignment: assignment({ type: 'eligible', endsAt: at(90 * 24 * 60), requestId: null }) }],
  ['removed', { kind: 'removed', assignments: [assignment({ type: 'eligible', requestId: null }), assignment()] }],
  ['removed nothing', { kind: 'removed', assignments: [] }],
  ['audit', { kind: 'audit', rows: auditRows }],
  ['alerts', { kind: 'alerts', alerts: [alertView({ rule: 'break_glass', severity: 'critical', facts: { activation: true } }), alertView({ id: 'A-2', facts: { scopes: ['/'] } })] }],
  ['alerts none', { kind: 'alerts', alerts: [], outsideChecked: false }],
  ['alert_items too many holders', { kind: 'alert_items', alert: alertView({ rule: 'too_many_critical_holders', severity: 'medium', principal: null, scope: null, facts: { assignments: 2, percent: 50, total: 4, maxHolders: 1, maxPercent: 10 } }), items: [assignment({ type: 'eligible', endsAt: null, requestId: null }), assignment({ principal: carol, endsAt: at(30) })] }],
  ['alert_items nobody left', { kind: 'alert_items', alert: alertView({ rule: 'unused_eligible', severity: 'low', state: 'resolved', resolvedAt: at(5), facts: { days: 90 } }), items: [] }],
  ['alert_items channel', { kind: 'alert_items', alert: alertView({ rule: 'channel_failing', severity: 'high', principal: null, role: null, scope: null, channel: 'security', facts: { error: 'not_in_channel' } }), items: [] }],
  ['alert_dismissed', { kind: 'alert_dismissed', alert: alertView({ state: 'dismissed', dismissedBy: carol, dismissedAt: at(1), dismissReason: 'Known: MFA comes in Q3', facts: { scopes: ['/'] } }) }],
  ['audit empty', { kind: 'audit', rows: [] }],
  ['audit with older rows', { kind: 'audit', rows: auditRows, older: 4075 }],
  ['audit_verified ok', { kind: 'audit_verified', result: { ok: true, count: 1234 } }],
  ['audit_verified pruned', { kind: 'audit_verified', result: { ok: true, count: 80, prunedThrough: 420 } }],
  ['audit_verified broken', { kind: 'audit_verified', result: { ok: false, seq: 17, problem: 'missing' } }],
  ['reviews', { kind: 'reviews', reviews: [{ review: reviewView(), items: reviewItems }] }],
  ['reviews none', { kind: 'reviews', reviews: [] }],
  ['review_started', { kind: 'review_started', review: reviewView(), items: 3, reviewers: 2, fallback: 1 }],
  ['review_ended', { kind: 'review_ended', summary: reviewSummary(), stage: 'ended' }],
  ['review_results', { kind: 'review_results', summary: reviewSummary(), items: reviewItems }],
  ['review_decided', { kind: 'review_decided', review: reviewView(), item: reviewItems[1] as ReviewItemView }],
  [
    'mfa_enrolled',
    {
      kind: 'mfa_enrolled',
      account: 'alice@example.com',
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      uri: 'otpauth://totp/pimbot:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=pimbot&algorithm=SHA1&digits=6&period=30',
    },
  ],
  ['error', { kind: 'error', message: 'Unknown role "Ownr". Your roles: Owner, Contributor.', usage: 'activate <role> [<duration>]' }],
  ['text', { kind: 'text', text: 'Pong.' }],
];

export const ALL_REPLY_KINDS: Record<ReplyKind, true> = {
  alerts: true,
  alert_dismissed: true,
  alert_items: true,
  audit_verified: true,
  reviews: true,
  review_started: true,
  review_ended: true,
  review_results: true,
  review_decided: true,
  mfa_enrolled: true,
  help: true,
  roles: true,
  status: true,
  activation: true,
  deactivated: true,
  extended: true,
  requests: true,
  approvals: true,
  canceled: true,
  decided: true,
  assigned: true,
  removed: true,
  audit: true,
  error: true,
  text: true,
};

export function activationFormFixture(over: Partial<ActivationForm> = {}): ActivationForm {
  return {
    role: 'Owner',
    scope: '/subscriptions/prod',
    scopes: ['/subscriptions/prod'],
    durationText: '1h',
    maxActivationMs: 3_600_000,
    reason: '',
    ticket: '',
    startAt: null,
    ticketPattern: '^INC-[0-9]+$',
    approvalRequired: true,
    fields: { reason: 'required', ticket: 'required', code: 'hidden', scope: 'hidden' },
    errors: {},
    ...over,
  };
}

export const ACTIVATION_FORMS: [string, ActivationForm][] = [
  ['fixed scope', activationFormFixture({ reason: 'Rotate keys' })],
  [
    'choose scope with MFA',
    activationFormFixture({
      scope: null,
      scopes: ['/subscriptions/prod', '/subscriptions/dev'],
      maxActivationMs: null,
      approvalRequired: false,
      ticketPattern: null,
      fields: { reason: 'optional', ticket: 'hidden', code: 'required', scope: 'required' },
    }),
  ],
  [
    'with errors and scheduled start',
    activationFormFixture({
      startAt: at(3 * 60),
      ticket: 'INC-x',
      reason: 'Rotate keys',
      errors: { ticket: 'The ticket must match ^INC-[0-9]+$.', form: 'Something went wrong; try again.', duration: 'At most 1h.' },
    }),
  ],
];

export const DENY_FORMS: [string, DenyForm][] = [
  ['plain', { requestId: 'R7K2Q', summary: 'Alice: Owner at /subscriptions/prod for 1h', error: null }],
  ['with error', { requestId: 'R7K2Q', summary: 'Alice: Owner at /subscriptions/prod for 1h', error: 'Give a reason.' }],
];

export const HOME: HomeView = {
  user: alice,
  roles: (REPLIES.find(([n]) => n === 'roles')?.[1] as Extract<Reply, { kind: 'roles' }>).roles,
  requests: [request()],
  approvals: [request({ id: 'R9', requester: { id: 'bob@example.com', name: 'Bob' } })],
  reviewsWaiting: 2,
  isAdmin: false,
};

export const EMPTY_HOME: HomeView = { user: alice, roles: [], requests: [], approvals: [], reviewsWaiting: 0, isAdmin: false };

// ---------------------------------------------------------------- long and hostile text

export const LONG_REASON = 'x'.repeat(250) + ' ' + '&<>'.repeat(83);
const LONG_NAME = 'N'.repeat(400);
const many = <T>(n: number, f: (k: number) => T): T[] => Array.from({ length: n }, (_, k) => f(k));
const longRequest = (k: number): RequestView =>
  request({ id: `R${k}`, reason: LONG_REASON, ticket: 'T'.repeat(300), requester: { id: `u${k}`, name: LONG_NAME }, role: `Role ${k} ${'r'.repeat(200)}`, scope: `/scope/${'s'.repeat(400)}` });

/** Payloads that push every limit: 500-character reasons, 60 roles, long names. */
export const LONG_NOTICES: [string, Notice][] = [
  ['approval_request long', { kind: 'approval_request', request: longRequest(1) }],
  ['approval_request denied long', { kind: 'approval_request', request: request({ ...longRequest(1), state: 'denied', decidedBy: { id: 'x', name: LONG_NAME }, decidedAt: at(0), decisionReason: LONG_REASON.repeat(8) }) }],
  ['text long', { kind: 'text', text: 'y'.repeat(5000) }],
  ['activation_started long', { kind: 'activation_started', request: longRequest(2), assignment: assignment({ principal: { id: 'u', name: LONG_NAME }, role: 'R'.repeat(500) }) }],
  ['digest long', { kind: 'digest', digest: longDigest() }],
];

/** A digest at its list caps, with long names, roles and scopes everywhere. */
function longDigest(): DigestView {
  const longAssignment = (k: number): AssignmentView =>
    assignment({ id: `A${k}`, principal: { id: `u${k}`, name: LONG_NAME }, role: `Role ${k} ${'r'.repeat(200)}`, scope: `/scope/${'s'.repeat(400)}`, type: 'eligible', endsAt: at(k * 60), requestId: null });
  return digest({
    week: '2025-W23',
    activations: {
      total: 5000,
      byRole: many(60, (k) => ({ role: `Role ${k} ${'r'.repeat(200)}`, count: 100 - k })),
      topUsers: many(5, (k) => ({ user: { id: `u${k}`, name: LONG_NAME }, count: 50 - k })),
    },
    madePermanent: { total: 300, items: many(20, longAssignment) },
    assignments: { eligible: 123456, active: 9999, activations: 9000, permanent: 4321 },
    endingSoon: { total: 700, items: many(20, longAssignment) },
    pendingRequests: { total: 999, oldest: at(-90 * 24 * 60) },
  });
}

export const LONG_REPLIES: [string, Reply][] = [
  ['roles 60', { kind: 'roles', roles: many(60, (k) => roleRow({ role: `Role ${k} ${'r'.repeat(200)}`, scope: `/scope/${k}/${'s'.repeat(300)}`, active: k % 3 === 0 ? { until: at(k), requestId: `R${k}` } : null })) }],
  ['approvals 60', { kind: 'approvals', requests: many(60, longRequest) }],
  ['requests 60', { kind: 'requests', requests: many(60, longRequest) }],
  ['status 60', { kind: 'status', active: many(60, (k) => assignment({ id: `A${k}`, role: `Role ${k}` })), requests: many(60, longRequest) }],
  ['audit 150', { kind: 'audit', rows: many(150, (k) => ({ seq: k, at: at(-k), actor: LONG_NAME, action: 'request.created', subject: `request:R${k}`, summary: LONG_REASON })) }],
  ['removed 60', { kind: 'removed', assignments: many(60, (k) => assignment({ id: `A${k}`, role: `Role ${k}` })) }],
  ['error long', { kind: 'error', message: LONG_REASON.repeat(20), usage: 'u'.repeat(4000) }],
  ['activation pending many approvers', { kind: 'activation', outcome: 'pending_approval', role: 'Owner', scope: '/', requestId: 'R1', durationMs: 3_600_000, until: null, startAt: null, approvers: many(80, () => LONG_NAME) }],
  ['help 60 lines', { kind: 'help', isAdmin: true, lines: many(60, (k) => ({ usage: `cmd${k} ${'a'.repeat(300)}`, text: 'b'.repeat(300) })) }],
];

export const LONG_HOME: HomeView = {
  user: { id: 'u', name: LONG_NAME },
  roles: (LONG_REPLIES[0]?.[1] as Extract<Reply, { kind: 'roles' }>).roles,
  requests: many(60, longRequest),
  approvals: many(60, longRequest),
  reviewsWaiting: 12,
  isAdmin: true,
};

export const LONG_FORM = activationFormFixture({
  role: 'R'.repeat(500),
  scope: null,
  scopes: many(150, (k) => `/subscriptions/${k}/${'s'.repeat(200)}`),
  reason: LONG_REASON.repeat(3),
  ticket: 'T'.repeat(400),
  ticketPattern: 'P'.repeat(3000),
  fields: { reason: 'required', ticket: 'required', code: 'required', scope: 'required' },
  errors: { reason: 'E'.repeat(4000), scope: 'bad', ticket: 'bad', code: 'bad', duration: 'bad', form: 'bad' },
});
