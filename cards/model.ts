/**
 * Platform-neutral view models: everything the bot says, as plain data. Notices come from the
 * core (`Notice`); replies, forms and the App Home are defined here. Both renderers (Block Kit,
 * Adaptive Cards) take only these types. Instants are ISO strings, so a model is plain JSON.
 *
 * The mappers at the end turn the core's results into these models; they are pure.
 */
import type { FormField } from './actions.js';
import { type ActivateResult, type ActivationPlan, type AlertView, type AssignmentView, type AuditEvent, type AuditVerification, type DigestView, type ExpiryWarningKind, type ExtendResult, type ExtensionPlan, formatDuration, type Notice, type PimRequest, type Policy, type RequestView, type ReviewItemView, type ReviewSummaryView, type ReviewView, type RoleStatus } from '../src/core/index.js';

export type { AlertView, AssignmentView, DigestView, ExpiryWarningKind, Notice, RequestView, ReviewItemView, ReviewSummaryView, ReviewView };

/** How times are shown: in this IANA zone, relative to this instant. */
export interface RenderContext {
  timeZone: string;
  now: Date;
}

export interface Person {
  id: string;
  name: string;
}

/** What a role's policy asks of an activation, for lists and forms. */
export interface PolicySummary {
  maxActivationMs: number;
  approval: boolean;
  reason: boolean;
  ticket: boolean;
  mfa: boolean;
}

/** One role at one scope the user holds or may activate. */
export interface RoleRow {
  role: string;
  scope: string;
  /** Eligible assignment, if any; `until` null = permanent. */
  eligible: { until: string | null } | null;
  /** Active assignment, if any; `until` null = permanent. `requestId` null = assigned by an admin (not deactivatable). */
  active: { until: string | null; requestId: string | null } | null;
  /** An open activation request for this role and scope. */
  pendingRequestId: string | null;
  policy: PolicySummary;
}

/** A line of the help text: the command's usage and what it does. */
export interface HelpLine {
  usage: string;
  text: string;
}

/** The core's `ActivateResult` as shown to the requester. */
export interface ActivationView {
  outcome: 'active' | 'granting' | 'pending_approval' | 'scheduled';
  role: string;
  scope: string;
  requestId: string;
  durationMs: number;
  /** When the activation ends (known once active). */
  until: string | null;
  /** When a scheduled activation starts. */
  startAt: string | null;
  /** Display names of the approvers (pending_approval only). */
  approvers: string[];
}

/** One row of `audit`. `summary` is a short rendering of the event's details. */
export interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  summary: string;
}

/** The answer to a command. */
export type Reply =
  /** `lines`: the help listing of src/commands/help.ts (`helpEntries`), the one list of commands. */
  | { kind: 'help'; isAdmin: boolean; lines: HelpLine[] }
  | { kind: 'roles'; roles: RoleRow[] }
  | { kind: 'status'; active: AssignmentView[]; requests: RequestView[] }
  | ({ kind: 'activation' } & ActivationView)
  | { kind: 'deactivated'; role: string; scope: string }
  | {
      kind: 'extended';
      outcome: 'extended' | 'pending_approval';
      /** `renew` when an eligible assignment ending soon is renewed rather than an activation extended. */
      requestKind: 'extend' | 'renew';
      role: string;
      scope: string;
      durationMs: number;
      until: string | null;
      requestId: string | null;
      approvers: string[];
    }
  | { kind: 'requests'; requests: RequestView[] }
  | { kind: 'approvals'; requests: RequestView[] }
  | { kind: 'canceled'; request: RequestView }
  | { kind: 'decided'; outcome: 'approved' | 'denied'; request: RequestView }
  | { kind: 'assigned'; assignment: AssignmentView }
  | { kind: 'removed'; assignments: AssignmentView[] }
  /** `older`: matching events older than these rows, left out of the page (for `--since` or `--csv`). */
  | { kind: 'audit'; rows: AuditRow[]; older?: number }
  /** `audit verify`: the chain is whole, or the first row that is not. */
  | { kind: 'audit_verified'; result: AuditVerification }
  /** The open security alerts, most severe first. */
  | {
      kind: 'alerts';
      alerts: AlertView[];
      /** False when grants made outside PIM are not looked for (the record provider has no target to list). */
      outsideChecked?: boolean;
    }
  | { kind: 'alert_dismissed'; alert: AlertView }
  /** `alert <id>` or an alert card's "Affected items": the assignments the alert is about now. */
  | { kind: 'alert_items'; alert: AlertView; items: AssignmentView[] }
  /** Access reviews: what waits for the caller, one started, stopped or applied, a review's results, a decision made. */
  | { kind: 'reviews'; reviews: { review: ReviewView; items: ReviewItemView[] }[] }
  | { kind: 'review_started'; review: ReviewView; items: number; reviewers: number; fallback: number }
  | { kind: 'review_ended'; summary: ReviewSummaryView; stage: 'ended' | 'applied' }
  | { kind: 'review_results'; summary: ReviewSummaryView; items: ReviewItemView[] }
  | { kind: 'review_decided'; review: ReviewView; item: ReviewItemView }
  /**
   * To the person only (Slack ephemeral, a Teams personal chat): their new authenticator secret,
   * shown this once. `uri` is the `otpauth://` URI an authenticator app imports.
   */
  | { kind: 'mfa_enrolled'; account: string; secret: string; uri: string }
  | { kind: 'error'; message: string; usage?: string }
  | { kind: 'text'; text: string };

export type ReplyKind = Reply['kind'];

/** How a form field is shown. */
export type FieldMode = 'required' | 'optional' | 'hidden';

/** The activation form (Slack modal, Teams card), pre-filled with what the command gave. */
export interface ActivationForm {
  role: string;
  /** The chosen scope; null when the user must pick one of `scopes`. */
  scope: string | null;
  /** Scopes the user is eligible for in this role. */
  scopes: string[];
  /** Pre-filled duration as typed (`1h`). */
  durationText: string;
  /** Longest activation the policy allows, for the hint; null when the scope is not yet known. */
  maxActivationMs: number | null;
  reason: string;
  ticket: string;
  /** A requested scheduled start, carried through unchanged. */
  startAt: string | null;
  /** Format a ticket must match (shown as a hint). */
  ticketPattern: string | null;
  approvalRequired: boolean;
  fields: Record<Exclude<FormField, 'duration'>, FieldMode>;
  /** Messages shown next to fields after a refused submit; `form` for one that fits no field. */
  errors: Partial<Record<FormField | 'form', string>>;
}

/**
 * The extension form (Slack modal, Teams card): what the policy asks of extending one activation,
 * pre-filled with what was typed. There is no scope field: the activation is known.
 */
export interface ExtensionForm {
  role: string;
  scope: string;
  /** Pre-filled duration as typed (`30m`). */
  durationText: string;
  /** How much longer the activation may run: the policy maximum counts from its start. */
  roomMs: number;
  maxActivationMs: number;
  /** When the activation ends now. */
  until: string | null;
  reason: string;
  ticket: string;
  ticketPattern: string | null;
  approvalRequired: boolean;
  fields: Record<'reason' | 'ticket' | 'code', FieldMode>;
  errors: Partial<Record<Exclude<FormField, 'scope'> | 'form', string>>;
}

/** The deny-reason form. */
export interface DenyForm {
  requestId: string;
  /** One line: who asks for what, e.g. `Alice: Owner at /subscriptions/prod for 1h`. */
  summary: string;
  error: string | null;
}

/**
 * The approve form of a request whose policy asks approvers for an MFA code: what is approved,
 * and why the last code was refused. The same fields as the deny form.
 */
export type ApproveForm = DenyForm;

/** The form asking an admin why an alert is dismissed (Slack modal, Teams card). */
export interface DismissAlertForm {
  alertId: string;
  /** One line: the alert's title, e.g. `Owner can be activated without MFA`. */
  summary: string;
  error: string | null;
}

/** The App Home (Slack) / personal tab summary: the user's PIM at a glance. */
export interface HomeView {
  user: Person;
  roles: RoleRow[];
  /** The user's own open requests. */
  requests: RequestView[];
  /** Requests waiting for this user's decision. */
  approvals: RequestView[];
  /** Access-review items waiting for this user. */
  reviewsWaiting: number;
  isAdmin: boolean;
  /** Open security alerts, for admins and auditors (absent for everyone else). */
  openAlerts?: number;
}

// ---------------------------------------------------------------- mappers from the core

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export function policySummary(p: Policy): PolicySummary {
  return {
    maxActivationMs: p.maxActivationMs,
    approval: p.approval.required,
    reason: p.requireJustification,
    ticket: p.requireTicket,
    mfa: p.requireMfa,
  };
}

/** A `RoleStatus` (from `Pim.myRoles`) as a list row. */
export function roleRow(s: RoleStatus): RoleRow {
  return {
    role: s.role,
    scope: s.scope,
    eligible: s.eligible ? { until: iso(s.eligible.endsAt) } : null,
    active: s.active ? { until: iso(s.active.endsAt), requestId: s.active.requestId } : null,
    pendingRequestId: s.pending?.id ?? null,
    policy: policySummary(s.policy),
  };
}

/** The core's `ActivateResult` as a reply; `nameOf` turns approver ids into display names. */
export function activationReply(result: ActivateResult, nameOf: (id: string) => string = (id) => id): Reply {
  const r: PimRequest = result.request;
  return {
    kind: 'activation',
    outcome: result.outcome,
    role: r.role,
    scope: r.scope,
    requestId: r.id,
    durationMs: r.durationMs,
    until: result.outcome === 'active' ? iso(result.assignment.endsAt) : null,
    startAt: iso(r.startAt),
    approvers: result.outcome === 'pending_approval' ? result.approvers.map(nameOf) : [],
  };
}

/** The result of `Pim.extend` as a reply. */
export function extendReply(
  result: ExtendResult,
  durationMs: number,
  nameOf: (id: string) => string = (id) => id,
): Reply {
  if (result.outcome === 'extended') {
    const a = result.assignment;
    return { kind: 'extended', outcome: 'extended', requestKind: 'extend', role: a.role, scope: a.scope, durationMs, until: iso(a.endsAt), requestId: null, approvers: [] };
  }
  const r = result.request;
  return {
    kind: 'extended',
    outcome: 'pending_approval',
    requestKind: r.kind === 'renew' ? 'renew' : 'extend',
    role: r.role,
    scope: r.scope,
    durationMs: r.durationMs,
    until: null,
    requestId: r.id,
    approvers: result.approvers.map(nameOf),
  };
}

const AUDIT_HIDDEN = new Set(['principal', 'role', 'scope']);

/** An audit event as a row; `nameOf` turns the actor id into a display name. */
export function auditRow(e: AuditEvent, nameOf: (id: string) => string = (id) => id): AuditRow {
  const d = e.details;
  const head = [d.principal, d.role, d.scope].filter((v): v is string => typeof v === 'string' && v.length > 0);
  const rest = Object.entries(d)
    .filter(([k, v]) => !AUDIT_HIDDEN.has(k) && v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${k.endsWith('Ms') && typeof v === 'number' ? formatDuration(v) : typeof v === 'string' ? v : JSON.stringify(v)}`);
  const summary = [head.join(' '), ...rest].filter((s) => s.length > 0).join(', ');
  return { seq: e.seq, at: e.at.toISOString(), actor: nameOf(e.actor), action: e.action, subject: e.subject, summary: summary.length > 300 ? `${summary.slice(0, 299)}…` : summary };
}

/** What the user typed with the command, to pre-fill the form. */
export interface ActivationPrefill {
  durationMs?: number;
  reason?: string | null;
  ticket?: string | null;
  startAt?: Date | null;
}

const mode = (all: boolean, any: boolean): FieldMode => (all ? 'required' : any ? 'optional' : 'hidden');

/**
 * The form for an activation plan (`Pim.planActivation`) whose `missing` is not empty. When the
 * scope is not chosen yet, a field is required if every eligible scope's policy requires it, and
 * shown if any does; the core checks the chosen scope's policy on submit either way.
 */
export function activationForm(plan: ActivationPlan, prefill: ActivationPrefill = {}, errors: ActivationForm['errors'] = {}): ActivationForm {
  const policies: Policy[] = plan.policy
    ? [plan.policy]
    : plan.role.scopes.filter((s) => plan.eligibleScopes.includes(s.path)).map((s) => s.policy);
  const all = (f: (p: Policy) => boolean): boolean => policies.length > 0 && policies.every(f);
  const any = (f: (p: Policy) => boolean): boolean => policies.some(f);
  const reason = prefill.reason ?? '';
  const ticket = prefill.ticket ?? '';
  const patterns = [...new Set(policies.filter((p) => p.requireTicket && p.ticketPattern).map((p) => p.ticketPattern as string))];
  return {
    role: plan.role.name,
    scope: plan.scope,
    scopes: plan.eligibleScopes,
    durationText: plan.durationMs > 0 ? formatDuration(plan.durationMs) : prefill.durationMs ? formatDuration(prefill.durationMs) : '',
    maxActivationMs: plan.policy?.maxActivationMs ?? null,
    reason,
    ticket,
    startAt: iso(prefill.startAt),
    ticketPattern: patterns.length === 1 ? (patterns[0] as string) : null,
    approvalRequired: any((p) => p.approval.required),
    fields: {
      // The reason field is always offered: an optional justification still helps approvers.
      reason: all((p) => p.requireJustification) ? 'required' : 'optional',
      ticket: all((p) => p.requireTicket) ? 'required' : any((p) => p.requireTicket) || ticket !== '' ? 'optional' : 'hidden',
      code: mode(all((p) => p.requireMfa), any((p) => p.requireMfa)),
      scope: plan.scope === null ? 'required' : 'hidden',
    },
    errors,
  };
}

/** How long an extension form offers when nothing was typed: 30 minutes, or what is left if less. */
export const DEFAULT_EXTENSION_MS = 30 * 60_000;

/**
 * The form for an extension plan (`Pim.planExtension`): a field for each input the policy asks
 * for (reason always offered, as on the activation form), the duration pre-filled with what was
 * typed or with 30 minutes (less when less is left).
 */
export function extensionForm(plan: ExtensionPlan, prefill: ActivationPrefill = {}, errors: ExtensionForm['errors'] = {}): ExtensionForm {
  const p = plan.policy;
  const room = Math.floor(plan.roomMs / 60_000) * 60_000;
  const ticket = prefill.ticket ?? '';
  return {
    role: plan.role.name,
    scope: plan.scope,
    durationText: formatDuration(prefill.durationMs ?? Math.min(DEFAULT_EXTENSION_MS, room)),
    roomMs: room,
    maxActivationMs: p.maxActivationMs,
    until: iso(plan.activation.endsAt),
    reason: prefill.reason ?? '',
    ticket,
    ticketPattern: p.requireTicket && p.ticketPattern ? p.ticketPattern : null,
    approvalRequired: p.approval.required,
    fields: {
      reason: p.requireJustification ? 'required' : 'optional',
      ticket: p.requireTicket ? 'required' : ticket !== '' ? 'optional' : 'hidden',
      code: p.requireMfa ? 'required' : 'hidden',
    },
    errors,
  };
}

/** The deny form for a request. */
export function denyForm(r: RequestView, error: string | null = null): DenyForm {
  return { requestId: r.id, summary: `${r.requester.name}: ${r.role} at ${r.scope} for ${formatDuration(r.durationMs)}`, error };
}
