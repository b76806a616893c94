/**
 * What each message says, once for both platforms: a view model becomes `Content` (lines of
 * styled spans, facts, list items, buttons), which the Slack and Teams renderers turn into
 * Block Kit and Adaptive Cards. Text here is raw; renderers escape every span and fact.
 */
import {
  ACTIVATE_OPEN,
  APPROVE,
  CANCEL,
  DEACTIVATE,
  DENY,
  ALERT_ITEMS,
  ALERT_REVIEW,
  DISMISS_ALERT,
  EXTEND,
  type ActionHint,
  type ButtonAction,
} from './actions.js';
import { clip, formatDay, formatDayTime, formatDuration, formatRelative, formatTime, formatUntil, formatWhen, joinAnd, oneLine, plural, STATE_WORDS } from './format.js';
import { pendingReviewsContent, reviewRequestContent, reviewResultsContent, reviewStartedContent, reviewSummaryContent } from './reviews.js';
import type { AlertView, AssignmentView, DigestView, ExpiryWarningKind, HelpLine, HomeView, Notice, RenderContext, Reply, RequestView, RoleRow } from './model.js';
import { reviewable, type AuditVerification } from '../src/core/index.js';

/** A run of text with one style. */
export interface Span {
  text: string;
  style?: 'bold' | 'code' | 'italic';
}
/** One line of styled text. */
export type Line = Span[];

export interface Fact {
  label: string;
  value: string;
}

export interface Button {
  label: string;
  action: ButtonAction;
  hint: ActionHint;
  style?: 'primary' | 'danger';
}

/** A one-line text field inside a message. `id` names it for the press that reads it. */
export interface TextInput {
  id: string;
  label: string;
  placeholder?: string;
  maxLength: number;
}

export type Block =
  | { type: 'header'; text: string }
  | { type: 'text'; lines: Line[] }
  | { type: 'facts'; facts: Fact[] }
  /** A list entry with its own buttons, and a text field their press carries (a review's reason). */
  | { type: 'item'; lines: Line[]; buttons: Button[]; input?: TextInput }
  /** Small print. */
  | { type: 'note'; lines: Line[] }
  | { type: 'divider' };

export interface Content {
  /** One-line plain summary (notification text, fallback). Raw: renderers escape it. */
  summary: string;
  blocks: Block[];
  /** Buttons for the message as a whole (Slack: a final actions block; Teams: card actions). */
  buttons: Button[];
}

/** How many entries of a list a message shows before `…and N more`. */
export const LIST_MAX = { roles: 40, requests: 20, approvals: 20, active: 20, audit: 100, removed: 20, help: 30 } as const;
/** User text longer than this is clipped before rendering (a form's reason holds 500). */
const USER_TEXT_MAX = 1000;

const t = (text: string): Span => ({ text });
const b = (text: string): Span => ({ text: oneLine(clip(text, 200)), style: 'bold' });
const c = (text: string): Span => ({ text: oneLine(clip(text, 300)), style: 'code' });
const i = (text: string): Span => ({ text: oneLine(text), style: 'italic' });
const user = (text: string | null | undefined): string => clip((text ?? '').trim(), USER_TEXT_MAX);

/**
 * A sentence of the bot's own (an error, a plain reply) as spans: what it quotes in backticks
 * (commands, ids, values) becomes code, which Slack shows as code and Teams as plain text, so
 * no surface shows a literal backtick.
 */
const rich = (s: string): Line => s.split(/`([^`\n]+)`/).map((part, k) => (k % 2 === 1 ? { text: part, style: 'code' as const } : t(part))).filter((x) => x.text !== '');
const unquoted = (s: string): string => s.replace(/`([^`\n]+)`/g, '$1');

const text = (...lines: Line[]): Block => ({ type: 'text', lines });
const note = (...lines: Line[]): Block => ({ type: 'note', lines });
const facts = (list: (Fact | null)[]): Block | null => {
  const f = list.filter((x): x is Fact => x !== null && x.value.trim() !== '');
  return f.length ? { type: 'facts', facts: f } : null;
};
const fact = (label: string, value: string | null | undefined): Fact | null => (value && value.trim() ? { label, value: user(value) } : null);
const more = (shown: number, total: number, noun: string): Block | null =>
  total > shown ? note([t(`…and ${total - shown} more ${noun}.`)]) : null;
/** The given blocks (or buttons) without the ones left out (null). */
function compact(xs: (Block | null)[]): Block[];
function compact<T>(xs: (T | null)[]): T[];
function compact<T>(xs: (T | null)[]): T[] {
  return xs.filter((x): x is T => x !== null);
}

const requestHint = (id: string): ActionHint => ({ requestId: id });

/** Said at once when nobody but the requester could approve a request: it can only time out. */
const noOtherApprover = (requestId: string | null): Block =>
  text([
    t('⚠️ Nobody else can approve this: you are its only approver, so it will time out. Cancel it with '),
    c(`cancel ${requestId ?? '<request-id>'}`),
    t(' and ask a PIM admin to add another approver.'),
  ]);
const roleHint = (role: string, scope: string | null): ActionHint => ({ role, scope });

// ---------------------------------------------------------------- requests

const dur = (ms: number): string => formatDuration(ms);

/** `Alice asks to activate Owner at /subscriptions/prod for 1h`. */
function requestHeadline(r: RequestView, ctx: RenderContext): Line {
  const who = b(r.requester.name);
  const where = [t(' at '), c(r.scope)];
  const line: Line =
    r.kind === 'extend'
      ? [who, t(' asks to extend '), b(r.role), ...where, t(' by '), b(dur(r.durationMs))]
      : r.kind === 'renew'
        ? [who, t(' asks to renew eligibility for '), b(r.role), ...where, t(' for '), b(dur(r.durationMs))]
        : r.kind === 'assign'
          ? [who, t(' asks to be assigned '), b(r.role), ...where]
          : [who, t(' asks to activate '), b(r.role), ...where, t(' for '), b(dur(r.durationMs))];
  if (r.startAt) line.push(t(`, starting ${formatWhen(r.startAt, ctx)}`));
  return line;
}

function requestSummary(r: RequestView): string {
  const what = r.kind === 'extend' ? `extend ${r.role} by ${dur(r.durationMs)}` : r.kind === 'renew' ? `renew ${r.role}` : `${r.role} for ${dur(r.durationMs)}`;
  return `${r.requester.name}: ${what} at ${r.scope} (request ${r.id})`;
}

const APPROVED_STATES = new Set(['approved', 'scheduled', 'active', 'expired', 'deactivated', 'revoked', 'completed']);

/** The decided outcome of a request, for a card that no longer takes a decision. */
function outcomeLine(r: RequestView, ctx: RenderContext): Line {
  const at = (d: string | null): Span[] => (d ? [t(` at ${formatTime(d, ctx)}`)] : []);
  const by = r.decidedBy ? [t(' by '), b(r.decidedBy.name), ...at(r.decidedAt)] : [];
  switch (r.state) {
    case 'denied':
      return [t('❌ Denied'), ...by];
    case 'timed_out':
      // With its day: a time-out card is read later, often on another day.
      return [t('⌛ Timed out'), ...(r.approvalDeadline ? [t(` on ${formatDayTime(r.approvalDeadline, ctx)}`)] : []), t(' without a decision')];
    case 'canceled':
      return [t('🚫 Canceled before a decision')];
    case 'failed':
      if (r.kind === 'extend' || r.kind === 'renew') return [t('⚠️ Approved'), ...by, t(', but it could not be made')];
      return r.decidedBy ? [t('⚠️ Approved'), ...by, t(', but the grant failed')] : [t('⚠️ The grant failed')];
    case 'pending_approval':
      return [t('⏳ Waiting for a decision')];
    default:
      return APPROVED_STATES.has(r.state) ? [t('✅ Approved'), ...by] : [t(`Request is ${STATE_WORDS[r.state] ?? r.state}`)];
  }
}

/** Where an approved request stands now (active, scheduled, ended), for the requester's own message; null before or without a grant. */
function requestNow(r: RequestView, ctx: RenderContext): Line | null {
  switch (r.state) {
    case 'active':
      return [t('🟢 Active'), ...(r.endsAt ? [t(` ${formatUntil(r.endsAt, ctx)}`)] : [])];
    case 'approved':
      return r.kind === 'activate' ? [t('⏳ Being granted')] : null;
    case 'scheduled':
      return [t(`🕒 Starts ${r.startAt ? formatWhen(r.startAt, ctx) : 'later'}`)];
    case 'completed':
      return r.kind === 'extend' ? [t('➕ Extended'), ...(r.endsAt ? [t(`; active ${formatUntil(r.endsAt, ctx)}`)] : [])] : r.kind === 'renew' ? [t('✅ Renewed')] : null;
    case 'expired':
      return [t('⏹ Ended: it expired')];
    case 'deactivated':
      return [t('⏹ Ended: you deactivated it')];
    case 'revoked':
      return [t('⏹ Ended: it was revoked')];
    default:
      return null;
  }
}

function requestFacts(r: RequestView, ctx: RenderContext, opts: { deadline: boolean }): Block | null {
  return facts([
    fact('Reason', r.reason),
    fact('Ticket', r.ticket),
    fact('Request', r.id),
    fact('Requested', formatTime(r.createdAt, ctx)),
    opts.deadline && r.approvalDeadline ? fact('Respond by', formatWhen(r.approvalDeadline, ctx)) : null,
  ]);
}

function approvalRequest(r: RequestView, ctx: RenderContext): Content {
  const pending = r.state === 'pending_approval';
  const blocks = compact([
    { type: 'header', text: r.kind === 'renew' ? 'Renewal request' : r.kind === 'extend' ? 'Extension request' : 'Approval request' },
    text([t('🔐 '), ...requestHeadline(r, ctx)]),
    requestFacts(r, ctx, { deadline: pending }),
    pending ? null : text(outcomeLine(r, ctx)),
    !pending && r.decisionReason ? facts([fact('Decision reason', r.decisionReason)]) : null,
    r.state === 'failed' && r.kind !== 'activate' ? facts([fact('Detail', r.failureReason)]) : null,
  ]);
  const said = oneLine(outcomeLine(r, ctx).map((s) => s.text).join('')).replace(/^[^\p{L}]+/u, '');
  const outcome = pending ? 'waiting for a decision' : said.charAt(0).toLowerCase() + said.slice(1);
  return {
    summary: `${requestSummary(r)}: ${outcome}`,
    blocks,
    buttons: pending
      ? [
          { label: 'Approve', action: APPROVE, hint: requestHint(r.id), style: 'primary' },
          { label: 'Deny', action: DENY, hint: requestHint(r.id), style: 'danger' },
        ]
      : [],
  };
}

// ---------------------------------------------------------------- notices

const PLATFORM_NAMES: Readonly<Record<string, string>> = { slack: 'Slack', teams: 'Microsoft Teams', playground: 'the playground', cli: 'the CLI', system: 'pimbot' };

function roleAt(role: string, scope: string): Span[] {
  return [b(role), t(' at '), c(scope)];
}

/** What a notice says. */
export function noticeContent(n: Notice, ctx: RenderContext): Content {
  switch (n.kind) {
    case 'approval_request':
      return approvalRequest(n.request, ctx);
    case 'request_pending': {
      const r = n.request;
      if (r.state !== 'pending_approval') {
        // The same message once decided, active, ended or closed: what became of it, no Cancel button.
        const now = requestNow(r, ctx);
        const decision = r.decidedBy || !APPROVED_STATES.has(r.state) ? outcomeLine(r, ctx) : null;
        const said = oneLine((now ?? decision ?? []).map((s) => s.text).join('')).replace(/^[^\p{L}]+/u, '');
        return {
          summary: `Your request ${r.id} for ${r.role} at ${r.scope}: ${said.charAt(0).toLowerCase()}${said.slice(1)}`,
          blocks: compact([
            text([t('Your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(` (${dur(r.durationMs)})`)]),
            decision ? text(decision) : null,
            now ? text(now) : null,
            r.decisionReason ? facts([fact('Decision reason', r.decisionReason)]) : null,
          ]),
          buttons: [],
        };
      }
      return {
        summary: `Your request ${r.id} for ${r.role} at ${r.scope} is waiting for approval`,
        blocks: compact([
          text([t('⏳ Your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(` (${dur(r.durationMs)}) is waiting for approval.`)]),
          r.approvalDeadline ? note([t(`Approvers have until ${formatWhen(r.approvalDeadline, ctx)}; you will hear as soon as someone decides.`)]) : null,
        ]),
        buttons: [{ label: 'Cancel request', action: CANCEL, hint: requestHint(r.id) }],
      };
    }
    case 'request_decided': {
      const r = n.request;
      const who = r.decidedBy?.name ?? 'An approver';
      if (r.state === 'denied') {
        return {
          summary: `${who} denied your request ${r.id} for ${r.role} at ${r.scope}`,
          blocks: compact([
            text([t('❌ '), b(who), t(' denied your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t('.')]),
            facts([fact('Reason', r.decisionReason)]),
          ]),
          buttons: [],
        };
      }
      if (r.state === 'failed') {
        return {
          summary: `${who} approved your request ${r.id} for ${r.role} at ${r.scope}, but it could not be made`,
          blocks: compact([
            text([t('⚠️ '), b(who), t(' approved your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(', but it could not be made.')]),
            facts([fact('Detail', r.failureReason), fact('Reason', r.decisionReason)]),
          ]),
          buttons: [],
        };
      }
      const then: Line | null =
        r.state === 'active' && r.endsAt
          ? [t(`It is active ${formatUntil(r.endsAt, ctx)}.`)]
          : r.state === 'scheduled' && r.startAt
            ? [t(`It starts ${formatWhen(r.startAt, ctx)}.`)]
            : r.state === 'approved'
              ? [t('It is being granted; you will get a message when it is active.')]
              : r.state === 'completed' && r.endsAt
                ? [t(r.kind === 'renew' ? `You are eligible ${formatUntil(r.endsAt, ctx)}.` : `It is extended by ${dur(r.durationMs)}; it is active ${formatUntil(r.endsAt, ctx)}.`)]
                : null;
      return {
        summary: `${who} approved your request ${r.id} for ${r.role} at ${r.scope}`,
        blocks: compact([
          text([t('✅ '), b(who), t(' approved your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t('.')]),
          then ? text(then) : null,
          facts([fact('Reason', r.decisionReason)]),
        ]),
        buttons: [],
      };
    }
    case 'request_closed': {
      const r = n.request;
      const head: Line =
        r.state === 'timed_out'
          ? [t('⌛ Your request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(` timed out${r.approvalDeadline ? ` on ${formatDayTime(r.approvalDeadline, ctx)}` : ''} without a decision.`)]
          : r.state === 'canceled'
            ? [t('🚫 Request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(' was canceled.')]
            : r.state === 'failed'
              ? [t('⚠️ Request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(' failed: the role could not be granted.')]
              : [t('Request '), c(r.id), t(' for '), ...roleAt(r.role, r.scope), t(` is ${STATE_WORDS[r.state] ?? r.state}.`)];
      const next: Line | null =
        r.state === 'timed_out' ? [t('Ask again with '), c(`activate ${r.role}`), t(', or ask an approver directly.')] : r.state === 'failed' ? [t('Try again, or tell a PIM admin if it keeps failing.')] : null;
      return {
        summary: `Request ${r.id} for ${r.role} at ${r.scope} ${STATE_WORDS[r.state] ?? r.state}`,
        blocks: compact([text(head), facts([fact('Detail', r.failureReason ?? r.decisionReason)]), next ? note(next) : null]),
        buttons: [],
      };
    }
    case 'activation_started': {
      const a = n.assignment;
      const r = n.request;
      if (n.personal) {
        return {
          summary: `Your ${a.role} at ${a.scope} is active ${formatUntil(a.endsAt, ctx)}`,
          blocks: compact([
            text([t('🟢 Your '), ...roleAt(a.role, a.scope), t(` is active ${formatUntil(a.endsAt, ctx)}.`)]),
            facts([fact('Reason', r.reason), fact('Ticket', r.ticket), fact('Approved by', r.decidedBy?.name), fact('Request', r.id)]),
          ]),
          buttons: [],
        };
      }
      return {
        summary: `${a.principal.name} activated ${a.role} at ${a.scope} ${formatUntil(a.endsAt, ctx)}`,
        blocks: compact([
          text([t('🟢 '), b(a.principal.name), t(' activated '), ...roleAt(a.role, a.scope), t(` ${formatUntil(a.endsAt, ctx)}.`)]),
          facts([fact('Reason', r.reason), fact('Ticket', r.ticket), fact('Approved by', r.decidedBy?.name), fact('Request', r.id)]),
        ]),
        buttons: [],
      };
    }
    case 'activation_scheduled': {
      const r = n.request;
      const when = r.startAt ? formatWhen(r.startAt, ctx) : 'soon';
      return {
        summary: `${r.role} at ${r.scope} is scheduled to start ${when}`,
        blocks: compact([
          text([t('🕒 '), ...roleAt(r.role, r.scope), t(` is scheduled to start ${when} for ${dur(r.durationMs)}.`)]),
          facts([fact('Request', r.id), fact('Reason', r.reason)]),
        ]),
        buttons: [{ label: 'Cancel', action: CANCEL, hint: requestHint(r.id) }],
      };
    }
    case 'activation_ended': {
      const a = n.assignment;
      const how = { expired: 'expired', deactivated: 'was deactivated', revoked: 'was revoked', removed: 'was removed' }[n.reason];
      const whose: Line = n.personal ? [t('⏹ Your ')] : [t('⏹ '), b(a.principal.name), t('’s ')];
      // An activation ended but its eligibility did not: activate again. Only a time-bound
      // assignment that ended needs an admin.
      const again = (a.requestId && (n.reason === 'expired' || n.reason === 'deactivated')) || n.stillEligible;
      return {
        summary: `${n.personal ? 'Your' : `${a.principal.name}'s`} ${a.role} at ${a.scope} ${how}`,
        blocks: compact([
          text([...whose, ...roleAt(a.role, a.scope), t(` ${how}`), ...(n.removedBy ? [t(' by '), b(n.removedBy.name)] : []), t('.')]),
          n.removalReason ? facts([fact('Reason', n.removalReason)]) : null,
          again
            ? note([t('Activate it again with '), c(`activate ${a.role}`), t(' when you need it.')])
            : !a.requestId && n.reason === 'expired'
              ? note([t('Ask a PIM admin to assign it again if you still need it.')])
              : null,
        ]),
        buttons: [],
      };
    }
    case 'expiry_warning':
      return expiryWarning(n.assignment, n.warning, ctx);
    case 'activation_extended': {
      const a = n.assignment;
      const r = n.request;
      return {
        summary: `${a.role} at ${a.scope} extended ${formatUntil(a.endsAt, ctx)}`,
        blocks: compact([
          text([t('➕ '), ...roleAt(a.role, a.scope), t(` was extended by ${dur(r.durationMs)}; it is active ${formatUntil(a.endsAt, ctx)}.`)]),
          facts([fact('Reason', r.reason), fact('Approved by', r.decidedBy?.name), fact('Request', r.id)]),
        ]),
        buttons: [],
      };
    }
    case 'assignment_changed': {
      const a = n.assignment;
      const type = a.type === 'eligible' ? 'eligible' : 'active';
      // The holder's copy speaks to them; the channel's names them.
      const whose: Line = n.personal ? [t('your')] : [b(a.principal.name), t('’s')];
      const whom: Line = n.personal ? [t('you')] : [b(a.principal.name)];
      // Their own decision (a self-review's Remove) comes back to them as theirs.
      const who: Line = n.personal && n.by.id === a.principal.id ? [t('You')] : [b(n.by.name)];
      const line: Line =
        n.change === 'removed'
          ? [t('🗑 '), ...who, t(' removed '), ...whose, t(` ${type} assignment of `), ...roleAt(a.role, a.scope), t('.')]
          : n.change === 'renewed'
            ? [t('🔁 '), b(n.by.name), t(' renewed '), ...whose, t(` ${type} assignment of `), ...roleAt(a.role, a.scope), t(` ${formatUntil(a.endsAt, ctx)}.`)]
            : a.type === 'eligible'
              ? [t('➕ '), b(n.by.name), t(' made '), ...whom, t(' eligible for '), ...roleAt(a.role, a.scope), t(` ${formatUntil(a.endsAt, ctx)}.`)]
              : [t('➕ '), b(n.by.name), t(' gave '), ...whom, t(' the active role '), ...roleAt(a.role, a.scope), t(` ${formatUntil(a.endsAt, ctx)}.`)];
      const summary = n.personal
        ? { assigned: a.type === 'eligible' ? `${n.by.name} made you eligible for ${a.role} at ${a.scope}` : `${n.by.name} gave you ${a.role} at ${a.scope} (active)`, removed: `${n.by.id === a.principal.id ? 'You' : n.by.name} removed your ${type} ${a.role} at ${a.scope}`, renewed: `${n.by.name} renewed your ${type} ${a.role} at ${a.scope}` }[n.change]
        : `${n.by.name} ${n.change} ${a.role} at ${a.scope} (${type}) for ${a.principal.name}`;
      return {
        summary,
        blocks: compact([
          text(line),
          n.reason ? facts([fact('Reason', n.reason)]) : null,
          n.personal && n.change === 'assigned' && a.type === 'eligible' ? note([t('Activate it when you need it with '), c(`activate ${a.role}`), t('.')]) : null,
        ]),
        buttons: [],
      };
    }
    case 'digest':
      return digestContent(n.digest, ctx);
    case 'mfa_locked': {
      const what = n.role ? `${n.during} ${n.role}` : n.during;
      const on = PLATFORM_NAMES[n.platform] ?? n.platform;
      return {
        summary: `MFA locked for ${n.principal.name} until ${formatTime(n.until, ctx)} after ${plural(n.failures, 'wrong code')}`,
        blocks: compact([
          text([t('🔒 MFA is locked for '), b(n.principal.name), t(` until ${formatWhen(n.until, ctx)}: ${plural(n.failures, 'wrong code')} within ${dur(n.windowMs)}.`)]),
          facts([fact('Codes given to', what), fact('From', on), fact('Principal', n.principal.id)]),
          note([t(`No code is accepted until then, not even the right one. If ${n.principal.name} did not type them, someone may be guessing their codes: check their chat account.`)]),
        ]),
        buttons: [],
      };
    }
    case 'security_alert':
      return alertContent(n.alert, ctx);
    case 'audit_head':
      return {
        summary: `Audit chain head for ${n.day}: event #${n.seq}`,
        blocks: compact([
          text([t('🔗 Audit chain head for '), b(n.day), t(`: event `), c(`#${n.seq}`), t(` as of ${formatTime(n.at, ctx)}.`)]),
          facts([{ label: 'SHA-256', value: n.hash }]),
          note([t('Kept here so a rewrite of the whole audit table is still caught: event '), c(`#${n.seq}`), t(' must keep this hash, and '), c('audit verify'), t(' must pass.')]),
        ]),
        buttons: [],
      };
    case 'review_request':
      return reviewRequestContent(n, ctx);
    case 'review_summary':
      return reviewSummaryContent(n.summary, n.stage);
    case 'text':
      return { summary: n.text, blocks: [text([t(clip(n.text, 2500))])], buttons: [] };
  }
}

const SEVERITY_MARK: Readonly<Record<AlertView['severity'], string>> = { low: '🔵 Low', medium: '🟡 Medium', high: '🟠 High', critical: '🔴 Critical' };

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** What an alert is, why it matters and what to do, per rule (after Entra PIM's alert texts). */
/** An alert's one-line title (`Owner can be activated without MFA`), as its card shows it. */
export function alertTitle(a: AlertView): string {
  return alertWords(a).title;
}

function alertWords(a: AlertView): { title: string; what: Line; why: string; todo: Line } {
  const f = a.facts;
  const who = a.principal?.name ?? a.principal?.id ?? 'someone';
  const role = a.role ?? 'a role';
  switch (a.rule) {
    case 'too_many_critical_holders':
      return {
        title: `Too many holders of ${role}`,
        what: [b(role), t(` has ${plural(num(f.assignments), 'assignment')}, ${num(f.percent)} % of all ${num(f.total)} (the limits are ${num(f.maxHolders)} and ${num(f.maxPercent)} %).`)],
        why: `${role} is among the most privileged roles: each holder whose account is taken over gives an attacker all of it.`,
        todo: [t('Remove the assignments that are not needed, or give less privileged roles; '), c(`review start ${role} --reviewers approvers`), t(' asks the approvers.')],
      };
    case 'frequent_activations':
      return {
        title: `${role} activated too often`,
        what: [b(who), t(` activated `), b(role), t(` ${plural(num(f.activations), 'time')} within ${dur(num(f.windowMs))} (the limit is ${num(f.threshold)}).`)],
        why: 'Activating the same role again and again can mean its maximum duration is too short for the work, or a script working around PIM.',
        todo: [t(`Ask ${who} why; if the work needs longer, raise the role's maxActivation rather than let it be re-activated.`)],
      };
    case 'unused_eligible':
      return {
        title: `${role} not used for ${num(f.days)} days`,
        what: [b(who), t(' is eligible for '), ...roleAt(role, a.scope ?? '/'), t(` and has not activated it in ${num(f.days)} days.`)],
        why: 'Privileges nobody uses only add to what an attacker can take, and unused accounts are watched less.',
        todo: [t('Start an access review of the role, or remove the assignment if it is not needed.')],
      };
    case 'no_mfa':
      return {
        title: `${role} can be activated without MFA`,
        what: [b(role), t(` can be activated without an MFA code at ${joinAnd(strings(f.scopes))}.`)],
        why: 'Without MFA, whoever takes over a chat account can activate the role.',
        todo: [t('Set '), c('requireMfa: true'), t(` in ${role}'s policy in pim.config.yaml.`)],
      };
    case 'permanent_active':
      return {
        title: `Permanent active assignment of ${role}`,
        what: [b(who), t(' holds '), ...roleAt(role, a.scope ?? '/'), t(` permanently, assigned by ${String(f.assignedBy ?? 'an admin')}; the policy does not allow permanent active assignments.`)],
        why: 'Standing access is what PIM exists to remove: it is always there to be misused.',
        todo: [t('Remove it and make the person eligible instead: '), c(`remove ${a.principal?.id ?? '<user>'} ${role} --reason "…"`), t('.')],
      };
    case 'break_glass':
      return {
        title: `Break-glass account ${who} has ${role}`,
        what: [t('The emergency-access account '), b(who), t(f.activation ? ' activated ' : ' was given '), ...roleAt(role, a.scope ?? '/'), t('.')],
        why: 'Break-glass accounts are for emergencies only; any use outside one may be an attack.',
        todo: [t('Confirm with the people who hold its credentials that there is an emergency; if not, revoke it and rotate them.')],
      };
    case 'outside_pim':
      return {
        title: `${role} assigned outside PIM`,
        what: [b(a.principal?.name ?? String(f.identity ?? 'someone')), t(' holds '), ...roleAt(role, a.scope ?? '/'), t(` on the target system (as ${String(f.identity ?? '?')}), and PIM did not grant it.`)],
        why: 'A grant made outside PIM is not time-bound, approved or audited here, and may be an attacker giving themselves access.',
        todo: [t('Find out who made it; remove it on the target, and make the person eligible in PIM if they need the role.')],
      };
    case 'channel_failing':
      return {
        title: `Messages to #${a.channel ?? 'a channel'} fail`,
        what: [t(`pimbot cannot post to the ${a.channel ?? ''} channel: ${String(f.error ?? 'it refuses')}.`)],
        why: 'Notices and alerts meant for that channel are not seen by anyone.',
        todo: [t('Invite the bot to the channel, or correct its id under channels in pim.config.yaml.')],
      };
  }
}

/** A security alert card: what, who, since when, why it matters, what to do; Dismiss while open. */
function alertContent(a: AlertView, ctx: RenderContext): Content {
  const w = alertWords(a);
  const state: Line | null =
    a.state === 'dismissed'
      ? [t('Dismissed by '), b(a.dismissedBy?.name ?? 'an admin'), t(a.dismissedAt ? ` ${formatWhen(a.dismissedAt, ctx)}` : ''), t('.')]
      : a.state === 'resolved'
        ? [t('✅ Resolved'), t(a.resolvedAt ? ` ${formatWhen(a.resolvedAt, ctx)}` : ''), t(': the condition no longer holds.')]
        : null;
  return {
    summary: `${a.state === 'open' ? '' : `[${a.state}] `}${SEVERITY_MARK[a.severity].replace(/^\S+ /, '')} alert ${a.id}: ${w.title}`,
    blocks: compact([
      text([t(`${SEVERITY_MARK[a.severity]} · alert `), c(a.id), t(' · '), b(w.title)]),
      text(w.what),
      facts([fact('Since', formatWhen(a.since ?? a.openedAt, ctx)), fact('Why it matters', w.why)]),
      a.state === 'open' ? note([t('What to do: '), ...w.todo]) : null,
      state ? text(state) : null,
      a.dismissReason ? facts([fact('Dismissal reason', a.dismissReason)]) : null,
      a.state === 'open' ? note([t('Admins: '), c(`alert dismiss ${a.id} --reason "…"`), t(' dismisses it; '), c(`alert ${a.id}`), t(' lists what it is about.')]) : null,
    ]),
    buttons: compact<Button>([
      a.state === 'open' ? { label: 'Dismiss', action: DISMISS_ALERT, hint: { alertId: a.id } } : null,
      reviewable(a) ? { label: 'Start a review', action: ALERT_REVIEW, hint: { alertId: a.id }, style: 'primary' } : null,
      a.state === 'open' && a.role ? { label: 'Affected items', action: ALERT_ITEMS, hint: { alertId: a.id } } : null,
    ]),
  };
}

/** `alert <id>`: the alert in a line, and the assignments of its role it is about now. */
function alertItemsContent(a: AlertView, items: AssignmentView[], ctx: RenderContext): Content {
  const shown = items.slice(0, 30);
  const where = a.scope ? ` at ${a.scope}` : '';
  return {
    summary: `Alert ${a.id}: ${plural(items.length, 'affected assignment')}`,
    blocks: compact([
      text([t(`${SEVERITY_MARK[a.severity]} · alert `), c(a.id), t(' · '), b(alertWords(a).title), t(a.state === 'open' ? '' : ` (${a.state})`)]),
      a.role
        ? shown.length
          ? text(...shown.map((x): Line => [b(x.principal.name), t(` · ${x.type}${x.requestId ? ' (activated)' : ''} · `), c(x.scope), t(` · ${x.endsAt ? formatUntil(x.endsAt, ctx) : 'permanently'}`)]))
          : text([t(`Nobody holds ${a.role}${where} any more.`)])
        : text([t('This alert is not about who holds a role.')]),
      more(shown.length, items.length, 'assignments'),
      reviewable(a) ? note([t('Review who still needs it: the alert card’s Start a review, or '), c(`review start ${a.role ?? '<role>'} --reviewers ${a.rule === 'unused_eligible' ? 'self' : 'approvers'}`), t('.')]) : null,
    ]),
    buttons: reviewable(a) ? [{ label: 'Start a review', action: ALERT_REVIEW, hint: { alertId: a.id }, style: 'primary' }] : [],
  };
}

/**
 * An expiry warning. An activation offers Extend, an eligible assignment Renew; an active
 * assignment an admin made can only be renewed by an admin, so it offers no button. The 14-day
 * and 1-day warnings of a time-bound assignment say which one they are.
 */
function expiryWarning(a: AssignmentView, warning: ExpiryWarningKind | undefined, ctx: RenderContext): Content {
  const ends = a.endsAt ? formatWhen(a.endsAt, ctx) : 'soon';
  const what = a.type === 'eligible' ? 'eligible' : a.requestId ? 'activation' : 'assigned';
  const lead = warning === '14d' ? '14-day notice' : warning === '1d' ? 'Last notice: it ends within a day' : null;
  const icon = warning === '14d' ? '📅 ' : '⏰ ';
  const head: Line =
    what === 'eligible'
      ? [t(`${icon}Your eligibility for `), ...roleAt(a.role, a.scope), t(` ends ${ends}.`)]
      : what === 'activation'
        ? [t(icon), ...roleAt(a.role, a.scope), t(` ends ${ends}.`)]
        : [t(`${icon}Your active assignment of `), ...roleAt(a.role, a.scope), t(` ends ${ends}.`)];
  const next: Line =
    what === 'activation'
      ? [t('Need more time? Extend it, or use '), c(`extend ${a.role} 30m`), t('.')]
      : what === 'eligible'
        ? [t('Ask for a renewal with '), c(`extend ${a.role} 90d --reason "…"`), t('.')]
        : [t('Ask a PIM admin to renew it if you still need it.')];
  const summary =
    what === 'activation'
      ? `${a.role} at ${a.scope} ends ${ends}`
      : what === 'eligible'
        ? `Your eligibility for ${a.role} at ${a.scope} ends ${ends}`
        : `Your active assignment of ${a.role} at ${a.scope} ends ${ends}`;
  return {
    summary: lead ? `${warning === '14d' ? '14-day notice' : 'Last notice'}: ${summary}` : summary,
    blocks: compact([text(head), note(lead ? [t(`${lead}. `), ...next] : next)]),
    buttons:
      what === 'activation'
        ? [{ label: 'Extend', action: EXTEND, hint: roleHint(a.role, a.scope), style: 'primary' }]
        : what === 'eligible'
          ? [{ label: 'Renew', action: EXTEND, hint: roleHint(a.role, a.scope), style: 'primary' }]
          : [],
  };
}

/** How many entries of each digest list a message shows. */
export const DIGEST_SHOWN = { roles: 10, users: 5, permanent: 10, ending: 10 } as const;

const bullet = (...spans: Span[]): Line => [t('• '), ...spans];

/** A digest section: a bold title, then bullet lines (or a note when there are none). */
function digestSection(title: string, lines: Line[], total: number, noun: string, empty: string): Block[] {
  return compact([
    text([b(title)]),
    lines.length ? text(...lines) : note([t(empty)]),
    more(lines.length, total, noun),
  ]);
}

/**
 * The weekly digest. Access reviews and security alerts are not built yet; their counts arrive
 * as null and the card says they are not tracked rather than showing a made-up zero.
 */
function digestContent(d: DigestView, ctx: RenderContext): Content {
  const notTracked = 'not tracked yet';
  const pending = d.pendingRequests.total > 0 && d.pendingRequests.oldest ? `${d.pendingRequests.total} (oldest from ${formatTime(d.pendingRequests.oldest, ctx)})` : String(d.pendingRequests.total);
  const a = d.assignments;
  const byRole = d.activations.byRole.slice(0, DIGEST_SHOWN.roles).map((r) => bullet(b(r.role), t(` — ${r.count}`)));
  const users = d.activations.topUsers.slice(0, DIGEST_SHOWN.users).map((u) => bullet(b(u.user.name), t(` — ${plural(u.count, 'activation')}`)));
  const permanent = d.madePermanent.items.slice(0, DIGEST_SHOWN.permanent).map((x) => bullet(b(x.principal.name), t(': '), ...roleAt(x.role, x.scope), t(` (${x.type})`)));
  const ending = d.endingSoon.items
    .slice(0, DIGEST_SHOWN.ending)
    .map((x) => bullet(b(x.principal.name), t(': '), ...roleAt(x.role, x.scope), t(` (${x.type}) ends ${x.endsAt ? formatWhen(x.endsAt, ctx) : 'soon'}`)));
  const notBuilt = [d.pendingReviews === null ? 'access reviews' : null, d.openAlerts === null ? 'security alerts' : null].filter((x): x is string => x !== null);
  return {
    summary: `PIM weekly digest ${d.week}: ${plural(d.activations.total, 'activation')}, ${plural(d.pendingRequests.total, 'pending request')}, ${plural(d.endingSoon.total, 'assignment')} ending in 7 days`,
    blocks: compact([
      { type: 'header', text: `PIM weekly digest · ${d.week}` },
      note([t(`The week from ${formatDay(d.from, ctx)} to ${formatDay(d.to, ctx)}, ${formatTime(d.to, ctx)}.`)]),
      facts([
        { label: 'Activations this week', value: String(d.activations.total) },
        { label: 'Made permanent this week', value: String(d.madePermanent.total) },
        { label: 'Eligible assignments', value: String(a.eligible) },
        { label: 'Active assignments', value: `${a.active} (${plural(a.activations, 'activation')})` },
        { label: 'Permanent assignments', value: String(a.permanent) },
        { label: 'Ending in 7 days', value: String(d.endingSoon.total) },
        { label: 'Pending requests', value: pending },
        { label: 'Pending reviews', value: d.pendingReviews === null ? notTracked : String(d.pendingReviews) },
        { label: 'Open alerts', value: d.openAlerts === null ? notTracked : String(d.openAlerts) },
      ]),
      { type: 'divider' },
      ...digestSection('Activations by role', byRole, d.activations.byRole.length, 'roles', 'No activations this week.'),
      ...(users.length ? digestSection('Top users', users, users.length, 'users', '') : []),
      ...digestSection('Made permanent', permanent, d.madePermanent.total, 'assignments', 'No permanent assignments were made this week.'),
      ...digestSection('Ending in the next 7 days', ending, d.endingSoon.total, 'assignments', 'No eligible or assigned roles end in the next 7 days.'),
      notBuilt.length ? note([t(`Pending reviews and open alerts: ${joinAnd(notBuilt)} ${notBuilt.length > 1 ? 'are' : 'is'} not built in this version, so there is nothing to count yet.`)]) : null,
    ]),
    buttons: [],
  };
}

// ---------------------------------------------------------------- replies

const helpLine = (l: HelpLine): Line => [c(l.usage), t(` — ${l.text}`)];

function policyLine(row: RoleRow): Line {
  const p = row.policy;
  const needs = [p.approval ? 'approval' : null, p.reason ? 'a reason' : null, p.ticket ? 'a ticket' : null, p.mfa ? 'MFA' : null].filter((x): x is string => x !== null);
  return [i(`max ${dur(p.maxActivationMs)}${needs.length ? `; needs ${joinAnd(needs)}` : ''}`)];
}

function roleStateLine(row: RoleRow, ctx: RenderContext): Line {
  if (row.active) return [t(`🟢 Active ${formatUntil(row.active.until, ctx)}`)];
  if (row.pendingRequestId) return [t('⏳ Request '), c(row.pendingRequestId), t(' is open')];
  if (row.eligible) return [t(row.eligible.until ? `Eligible until ${formatTime(row.eligible.until, ctx)}` : 'Eligible (permanent)')];
  return [t('Not eligible')];
}

/** A role as a list entry, with the one button that fits its state. */
export function roleItem(row: RoleRow, ctx: RenderContext): Block {
  const button: Button | null =
    row.active && row.active.requestId
      ? { label: 'Deactivate', action: DEACTIVATE, hint: roleHint(row.role, row.scope) }
      : row.pendingRequestId
        ? { label: 'Cancel request', action: CANCEL, hint: requestHint(row.pendingRequestId) }
        : row.eligible && !row.active
          ? { label: 'Activate', action: ACTIVATE_OPEN, hint: roleHint(row.role, row.scope), style: 'primary' }
          : null;
  return { type: 'item', lines: [roleAt(row.role, row.scope), roleStateLine(row, ctx), policyLine(row)], buttons: button ? [button] : [] };
}

function activeItem(a: AssignmentView, ctx: RenderContext): Block {
  return {
    type: 'item',
    lines: [roleAt(a.role, a.scope), [t(`🟢 Active ${formatUntil(a.endsAt, ctx)}`)]],
    buttons: a.requestId ? [{ label: 'Deactivate', action: DEACTIVATE, hint: roleHint(a.role, a.scope) }] : [],
  };
}

/** One of the user's own requests, with Cancel while it can still be canceled. */
export function ownRequestItem(r: RequestView, ctx: RenderContext): Block {
  const state: Line =
    r.state === 'pending_approval' && r.approvalDeadline
      ? [t(`⏳ Waiting for approval, deadline ${formatWhen(r.approvalDeadline, ctx)}`)]
      : r.state === 'scheduled' && r.startAt
        ? [t(`🕒 Starts ${formatWhen(r.startAt, ctx)}`)]
        : [t(STATE_WORDS[r.state] ?? r.state)];
  const kind = r.kind === 'activate' ? '' : `${r.kind} `;
  return {
    type: 'item',
    lines: [[c(r.id), t(` ${kind}`), ...roleAt(r.role, r.scope), t(` for ${dur(r.durationMs)}`)], state],
    buttons: r.state === 'pending_approval' || r.state === 'scheduled' ? [{ label: 'Cancel', action: CANCEL, hint: requestHint(r.id) }] : [],
  };
}

/** A request waiting for the reader's decision, with Approve and Deny. */
export function approvalItem(r: RequestView, ctx: RenderContext): Block {
  const details = [r.reason ? `Reason: ${oneLine(clip(r.reason, 300))}` : null, r.ticket ? `Ticket: ${oneLine(r.ticket)}` : null, r.approvalDeadline ? `respond ${formatRelative(r.approvalDeadline, ctx)}` : null].filter(
    (x): x is string => x !== null,
  );
  return {
    type: 'item',
    lines: [[c(r.id), t(' '), ...requestHeadline(r, ctx)], ...(details.length ? [[t(details.join(' · '))]] : [])],
    buttons: [
      { label: 'Approve', action: APPROVE, hint: requestHint(r.id), style: 'primary' },
      { label: 'Deny', action: DENY, hint: requestHint(r.id), style: 'danger' },
    ],
  };
}

function list<T>(items: T[], max: number, noun: string, render: (x: T) => Block): Block[] {
  return compact([...items.slice(0, max).map(render), more(Math.min(items.length, max), items.length, noun)]);
}

/** What a command's answer says. */
export function replyContent(r: Reply, ctx: RenderContext): Content {
  switch (r.kind) {
    case 'help': {
      const lines = r.lines;
      return {
        summary: 'pimbot commands',
        blocks: compact([
          { type: 'header', text: 'pimbot commands' },
          text(...lines.slice(0, LIST_MAX.help).map(helpLine)),
          more(Math.min(lines.length, LIST_MAX.help), lines.length, 'commands'),
          note([t('Durations: '), c('30m'), t(', '), c('1h'), t(', '), c('1h30m'), t(', '), c('2d'), t('. Role names match in any case.')]),
        ]),
        buttons: [],
      };
    }
    case 'roles':
      return {
        summary: r.roles.length ? `You have ${plural(r.roles.length, 'role')}` : 'You are not eligible for any role',
        blocks: r.roles.length
          ? [{ type: 'header', text: 'Your roles' }, ...list(r.roles, LIST_MAX.roles, 'roles', (row) => roleItem(row, ctx))]
          : [text([t('You are not eligible for any role yet. Ask a PIM admin to make you eligible.')])],
        buttons: [],
      };
    case 'status':
      return {
        summary: `${plural(r.active.length, 'active role')}, ${plural(r.requests.length, 'open request')}`,
        blocks: compact([
          { type: 'header', text: 'Your status' },
          text([b('Active now')]),
          ...(r.active.length ? list(r.active, LIST_MAX.active, 'active roles', (a) => activeItem(a, ctx)) : [note([t('Nothing is active.')])]),
          { type: 'divider' },
          text([b('Open requests')]),
          ...(r.requests.length ? list(r.requests, LIST_MAX.requests, 'requests', (q) => ownRequestItem(q, ctx)) : [note([t('No open requests.')])]),
        ]),
        buttons: [],
      };
    case 'activation': {
      const where = roleAt(r.role, r.scope);
      switch (r.outcome) {
        case 'active':
          return {
            summary: `${r.role} at ${r.scope} is active ${formatUntil(r.until, ctx)}`,
            blocks: [text([t('🟢 '), ...where, t(` is active ${formatUntil(r.until, ctx)}.`)]), note([t('Request '), c(r.requestId), t('. End it early with '), c(`deactivate ${r.role}`), t('.')])],
            buttons: [],
          };
        case 'granting':
          return {
            summary: `Granting ${r.role} at ${r.scope}`,
            blocks: [text([t('⏳ Granting '), ...where, t(` for ${dur(r.durationMs)}…`)]), note([t('Request '), c(r.requestId), t('. You will get a message when it is active.')])],
            buttons: [],
          };
        case 'pending_approval':
          return {
            summary: `Request ${r.requestId} for ${r.role} at ${r.scope} is waiting for approval`,
            blocks: compact([
              text([t('⏳ Request '), c(r.requestId), t(' for '), ...where, t(` (${dur(r.durationMs)}) is waiting for approval.`)]),
              r.approvers.length ? note([t(`Approvers: ${clip(joinAnd(r.approvers.slice(0, 10)), 500)}${r.approvers.length > 10 ? ` and ${r.approvers.length - 10} more` : ''}.`)]) : noOtherApprover(r.requestId),
            ]),
            buttons: [{ label: 'Cancel request', action: CANCEL, hint: requestHint(r.requestId) }],
          };
        case 'scheduled':
          return {
            summary: `${r.role} at ${r.scope} is scheduled`,
            blocks: [text([t('🕒 '), ...where, t(` starts ${r.startAt ? formatWhen(r.startAt, ctx) : 'later'} for ${dur(r.durationMs)}.`)]), note([t('Request '), c(r.requestId), t('.')])],
            buttons: [{ label: 'Cancel', action: CANCEL, hint: requestHint(r.requestId) }],
          };
      }
      break;
    }
    case 'deactivated':
      return { summary: `${r.role} at ${r.scope} is deactivated`, blocks: [text([t('⏹ '), ...roleAt(r.role, r.scope), t(' is deactivated.')])], buttons: [] };
    case 'extended': {
      const where = roleAt(r.role, r.scope);
      if (r.outcome === 'extended') {
        return {
          summary: `${r.role} at ${r.scope} is extended ${formatUntil(r.until, ctx)}`,
          blocks: [text([t('➕ '), ...where, t(` is extended by ${dur(r.durationMs)}; it is active ${formatUntil(r.until, ctx)}.`)])],
          buttons: [],
        };
      }
      const what = r.requestKind === 'renew' ? 'Renewal' : 'Extension';
      return {
        summary: `${what} request ${r.requestId ?? ''} for ${r.role} at ${r.scope} is waiting for approval`,
        blocks: compact([
          text([t(`⏳ ${what} request `), c(r.requestId ?? '?'), t(' for '), ...where, t(` (${dur(r.durationMs)}) is waiting for approval.`)]),
          r.approvers.length ? note([t(`Approvers: ${clip(joinAnd(r.approvers.slice(0, 10)), 500)}${r.approvers.length > 10 ? ` and ${r.approvers.length - 10} more` : ''}.`)]) : noOtherApprover(r.requestId),
        ]),
        buttons: r.requestId ? [{ label: 'Cancel request', action: CANCEL, hint: requestHint(r.requestId) }] : [],
      };
    }
    case 'requests':
      return {
        summary: r.requests.length ? `You have ${plural(r.requests.length, 'open request')}` : 'You have no open requests',
        blocks: r.requests.length
          ? [{ type: 'header', text: 'Your open requests' }, ...list(r.requests, LIST_MAX.requests, 'requests', (q) => ownRequestItem(q, ctx))]
          : [text([t('You have no open requests.')])],
        buttons: [],
      };
    case 'approvals':
      return {
        summary: r.requests.length ? `${plural(r.requests.length, 'request')} waiting for your decision` : 'Nothing is waiting for your approval',
        blocks: r.requests.length
          ? [{ type: 'header', text: 'Waiting for your decision' }, ...list(r.requests, LIST_MAX.approvals, 'requests', (q) => approvalItem(q, ctx))]
          : [text([t('Nothing is waiting for your approval.')])],
        buttons: [],
      };
    case 'canceled':
      return {
        summary: `Request ${r.request.id} is canceled`,
        blocks: [text([t('🚫 Request '), c(r.request.id), t(' for '), ...roleAt(r.request.role, r.request.scope), t(' is canceled.')])],
        buttons: [],
      };
    case 'decided': {
      const q = r.request;
      const verb = r.outcome === 'approved' ? 'approved' : 'denied';
      return {
        summary: `You ${verb} request ${q.id}`,
        blocks: compact([
          text([t(r.outcome === 'approved' ? '✅ ' : '❌ '), t(`You ${verb} request `), c(q.id), t(': '), ...requestHeadline(q, ctx), t('.')]),
          facts([fact('Reason', q.decisionReason)]),
        ]),
        buttons: [],
      };
    }
    case 'assigned': {
      const a = r.assignment;
      const how = a.type === 'eligible' ? 'is now eligible for' : 'now holds the active role';
      return {
        summary: `${a.principal.name} ${how} ${a.role} at ${a.scope}`,
        blocks: [text([t('✅ '), b(a.principal.name), t(` ${how} `), ...roleAt(a.role, a.scope), t(` ${formatUntil(a.endsAt, ctx)}.`)])],
        buttons: [],
      };
    }
    case 'removed': {
      const first = r.assignments[0];
      if (!first) return { summary: 'Nothing was removed', blocks: [text([t('Nothing was removed.')])], buttons: [] };
      return {
        summary: `Removed ${plural(r.assignments.length, 'assignment')} of ${first.role} from ${first.principal.name}`,
        blocks: compact([
          text([t('🗑 Removed from '), b(first.principal.name), t(':')]),
          ...list(r.assignments, LIST_MAX.removed, 'assignments', (a) => ({ type: 'text', lines: [[t('• '), ...roleAt(a.role, a.scope), t(` (${a.type})`)]] })),
        ]),
        buttons: [],
      };
    }
    case 'alerts': {
      const shown = r.alerts.slice(0, 20);
      return {
        summary: r.alerts.length ? `${plural(r.alerts.length, 'open security alert')}` : 'No open security alerts',
        blocks: compact([
          { type: 'header', text: 'Security alerts' },
          ...(shown.length
            ? [text(...shown.map((a): Line => [t(`${SEVERITY_MARK[a.severity]} · `), c(a.id), t(' · '), b(alertWords(a).title), t(` · since ${formatDay(a.since ?? a.openedAt, ctx)}`)]))]
            : [text([t('No open security alerts.')])]),
          more(shown.length, r.alerts.length, 'alerts'),
          shown.length ? note([t('Dismiss one (admins) with '), c('alert dismiss <alert-id> --reason "…"'), t('.')]) : null,
          r.outsideChecked === false ? note([t('Roles assigned outside PIM are not checked: the grant provider is '), c('record'), t(', which grants nothing outside pimbot, so there is no target to compare with.')]) : null,
        ]),
        buttons: [],
      };
    }
    case 'alert_dismissed':
      return {
        summary: `Alert ${r.alert.id} dismissed`,
        blocks: compact([text([t('Alert '), c(r.alert.id), t(' ('), b(alertWords(r.alert).title), t(') is dismissed; its card in the security channel says so.')]), facts([fact('Reason', r.alert.dismissReason)])]),
        buttons: [],
      };
    case 'alert_items':
      return alertItemsContent(r.alert, r.items, ctx);
    case 'reviews':
      return pendingReviewsContent(r.reviews, ctx);
    case 'review_started':
      return reviewStartedContent(r.review, r.items, r.reviewers, r.fallback, ctx);
    case 'review_ended':
      return reviewSummaryContent(r.summary, r.stage);
    case 'review_results':
      return reviewResultsContent(r.summary, r.items);
    case 'review_decided': {
      const it = r.item;
      const word = it.decision === 'remove' ? 'Remove' : 'Keep';
      return {
        summary: `${word}: ${it.principal.name} · ${it.role} at ${it.scope}`,
        blocks: compact([text([t(`${word} recorded for `), b(it.principal.name), t(' · '), ...roleAt(it.role, it.scope), t(` in ${r.review.name}. You can change it until ${formatWhen(r.review.endsAt, ctx)}.`)])]),
        buttons: [],
      };
    }
    case 'audit': {
      const rows = r.rows.slice(0, LIST_MAX.audit);
      const older = (r.older ?? 0) + r.rows.length - rows.length;
      const chunks: Block[] = [];
      for (let k = 0; k < rows.length; k += 10) {
        chunks.push(
          text(
            ...rows.slice(k, k + 10).map((row): Line => [
              c(`#${row.seq}`),
              t(` ${formatTime(row.at, ctx)} · `),
              b(row.actor),
              t(' · '),
              c(row.action),
              t(` · ${oneLine(row.subject)}${row.summary ? ` · ${oneLine(clip(row.summary, 200))}` : ''}`),
            ]),
          ),
        );
      }
      return {
        summary: `Audit trail: ${plural(r.rows.length, 'event')}${older ? `, ${older}${''} older left out` : ''}`,
        blocks: compact([
          { type: 'header', text: 'Audit trail' },
          ...(rows.length ? chunks : [text([t('No events match.')])]),
          older > 0 ? note([t(`${plural(older, 'older row')}: use `), c('--since'), t(' or '), c('--csv'), t('.')]) : null,
        ]),
        buttons: [],
      };
    }
    case 'audit_verified':
      return auditVerifiedContent(r.result);
    case 'mfa_enrolled':
      return {
        summary: 'Your authenticator is set up: add the key to your app (shown once)',
        blocks: compact([
          { type: 'header', text: 'Your authenticator for pimbot' },
          text([t('Add this account to your authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …): type the key, or open the link on your phone.')]),
          facts([
            { label: 'Account', value: r.account },
            { label: 'Key', value: r.secret.replace(/(.{4})/g, '$1 ').trim() },
            { label: 'Link', value: r.uri },
          ]),
          note([t('This is shown once and only to you; pimbot keeps the key encrypted and never shows it again. Then use the 6-digit code your app shows, e.g. '), c('activate <role> --code 123456'), t('.')]),
        ]),
        buttons: [],
      };
    case 'error':
      return {
        summary: oneLine(clip(unquoted(r.message), 300)),
        blocks: compact([text(rich(`⚠️ ${clip(r.message, 2000)}`)), r.usage ? note([t('Usage: '), c(r.usage)]) : null]),
        buttons: [],
      };
    case 'text':
      return { summary: unquoted(r.text), blocks: [text(...clip(r.text, 2500).split('\n').map(rich))], buttons: [] };
  }
}

/** Caps for the App Home, whose 100 blocks hold several lists. */
const HOME_MAX = { roles: 30, requests: 10, approvals: 15 } as const;

/** What the App Home shows. */
export function homeContent(h: HomeView, ctx: RenderContext): Content {
  return {
    summary: `PIM for ${h.user.name}`,
    blocks: compact([
      { type: 'header', text: 'Privileged access' },
      note([t('Updated '), t(formatTime(ctx.now, ctx)), t('. Type '), c('/pim help'), t(' for every command.')]),
      { type: 'divider' },
      text([b('Your roles')]),
      ...(h.roles.length
        ? list(h.roles, HOME_MAX.roles, 'roles', (row) => roleItem(row, ctx))
        : [note([t('You are not eligible for any role yet. Ask a PIM admin to make you eligible.')])]),
      { type: 'divider' },
      text([b('Your open requests')]),
      ...(h.requests.length ? list(h.requests, HOME_MAX.requests, 'requests', (q) => ownRequestItem(q, ctx)) : [note([t('No open requests.')])]),
      { type: 'divider' },
      text([b('Waiting for your approval')]),
      ...(h.approvals.length ? list(h.approvals, HOME_MAX.approvals, 'requests', (q) => approvalItem(q, ctx)) : [note([t('Nothing is waiting for you.')])]),
      { type: 'divider' },
      text([b('Access reviews')]),
      note([t(h.reviewsWaiting ? `${plural(h.reviewsWaiting, 'review item')} waiting for you. Type ` : 'No review items are waiting for you. Type '), c('/pim reviews'), t(h.reviewsWaiting ? ' to answer them.' : ' to check.')]),
      ...(h.openAlerts === undefined
        ? []
        : [
            { type: 'divider' } as Block,
            text([b('Security alerts')]),
            note([t(h.openAlerts ? `⚠️ ${plural(h.openAlerts, 'open security alert')}. Type ` : 'No open security alerts. Type '), c('/pim alerts'), t(h.openAlerts ? ' to see them.' : ' to check.')]),
          ]),
    ]),
    buttons: [],
  };
}

/** What each break in the audit chain means, for the row `seq` it names. */
const CHAIN_PROBLEM: Record<Extract<AuditVerification, { ok: false }>['problem'], (seq: number) => string> = {
  altered: (seq) => `event #${seq} was altered: its content no longer matches its hash.`,
  missing: (seq) => `event #${seq} is missing: it was deleted.`,
  broken_link: (seq) => `event #${seq} does not link to event #${seq - 1}: an earlier event was rewritten with a new hash.`,
  bad_checkpoint: (seq) => `the retention checkpoint (pruned through event #${seq}) is not the one an audit.pruned event recorded: events may have been deleted and the checkpoint forged.`,
};

/** `audit verify`: the chain is whole (how many events, from where), or the first row that is not. */
function auditVerifiedContent(v: AuditVerification): Content {
  if (!v.ok) {
    return {
      summary: `Audit chain BROKEN at event #${v.seq}`,
      blocks: compact([
        { type: 'header', text: 'Audit chain broken' },
        text([b(`Broken at event #${v.seq}`), t(`: ${CHAIN_PROBLEM[v.problem](v.seq)}`)]),
        note([t('Nothing after this point can be trusted until it is explained. Compare with the daily audit head posted in the security channel, and tell your security team.')]),
      ]),
      buttons: [],
    };
  }
  return {
    summary: `Audit chain OK: ${plural(v.count, 'event')}`,
    blocks: compact([
      text([b('Audit chain OK'), t(`: ${plural(v.count, 'event')}, each unaltered and linked to the one before.`)]),
      v.prunedThrough !== undefined ? note([t(`Events up to #${v.prunedThrough} were pruned by retention; the chain is checked from their checkpoint.`)]) : null,
    ]),
    buttons: [],
  };
}
