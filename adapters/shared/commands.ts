/**
 * Runs a chat command for any platform: parse, call one core method, map the result to a view
 * model. Slack, Teams and the playground only render and deliver what this returns, so a command
 * behaves the same everywhere.
 */
import {
  activationForm,
  activationReply,
  auditRow,
  denyForm,
  extendReply,
  extensionForm,
  roleRow,
  type ActivationForm,
  type ActivationPrefill,
  type ApproveForm,
  type DenyForm,
  type DismissAlertForm,
  type ExtensionForm,
  type Reply,
} from '../../cards/model.js';
import { alertTitle } from '../../cards/content.js';
import { commandHelp, helpEntries, parseCommand, USAGE, type Command, type UserRef } from '../../src/commands/index.js';
import { type ActivateInput, type Actor, type AlertView, assignmentView, type ReviewItemView, type ReviewReviewers, reviewView, type ErrorCode, type ExtendInput, formatDuration, isPimError, parseDuration, type Pim, PimError, type Principal, requestView } from '../../src/core/index.js';

/** What a command leads to: a reply, a form to fill in (activation or extension), or a file to hand over. */
export type CommandOutcome =
  | { type: 'reply'; reply: Reply }
  | { type: 'form'; form: ActivationForm }
  | { type: 'extend_form'; form: ExtensionForm }
  | { type: 'file'; filename: string; content: string; reply: Reply };

export interface RunOptions {
  /** Maps a typed mention to a user reference (Teams `<at>` mentions). */
  mentions?: Readonly<Record<string, UserRef>>;
  /**
   * The answer is seen by the actor only (a Slack ephemeral reply, a Teams personal chat). Only
   * then does `mfa enroll` answer, since its answer holds the new secret.
   */
  privateReply?: boolean;
}

/**
 * Resolves a user typed in a command (e-mail, id, a unique display name or e-mail local part,
 * Slack mention) to a principal id. Nobody found is no_such_user: it names what was typed, and
 * never says that the person typing is unknown.
 */
export function resolveUserRef(pim: Pim, ref: UserRef): string {
  if (ref.kind !== 'slack') return pim.directory.find(ref.id).id;
  try {
    return pim.resolve('slack', ref.id).id;
  } catch (e) {
    if (isPimError(e) && e.code === 'unknown_user') throw new PimError('no_such_user', { user: `@${ref.id}`, example: 'alice@example.com' });
    throw e;
  }
}

const nameOf = (pim: Pim) => (id: string) => pim.directory.get(id)?.name ?? id;

/** Parses and runs one command typed by `actor`. Never throws for bad input: refusals are replies. */
export async function runCommand(pim: Pim, actor: Actor, text: string, options: RunOptions = {}): Promise<CommandOutcome> {
  const parsed = parseCommand(text, { now: pim.now(), isAdmin: pim.isAdmin(actor), isAuditor: pim.isAuditor(actor), mentions: options.mentions });
  if (!parsed.ok) return { type: 'reply', reply: { kind: 'error', message: parsed.error.message, usage: parsed.error.usage } };
  try {
    return await execute(pim, actor, parsed.command, options);
  } catch (e) {
    if (isPimError(e)) return { type: 'reply', reply: { kind: 'error', message: e.message, usage: usageFor(parsed.command, e.code) } };
    throw e;
  }
}

function usageFor(c: Command, code: ErrorCode): string | undefined {
  return code === 'invalid_input' && c.name in USAGE ? USAGE[c.name as keyof typeof USAGE] : undefined;
}

/** What every command handler is given. */
interface CommandContext {
  pim: Pim;
  actor: Actor;
  options: RunOptions;
}

type Handler<N extends Command['name']> = (ctx: CommandContext, c: Extract<Command, { name: N }>) => Promise<CommandOutcome>;
type Handlers = { [N in Command['name']]: Handler<N> };

const reply = (r: Reply): CommandOutcome => ({ type: 'reply', reply: r });

/** `help`: the one list of commands (src/commands/help.ts), or how to use one. */
const helpCommands = {
  help: async ({ pim, actor }, c) => {
    if (c.topic) return reply({ kind: 'text', text: commandHelp(c.topic) });
    return reply({ kind: 'help', isAdmin: pim.isAdmin(actor), lines: helpEntries(pim.isAdmin(actor), pim.isAuditor(actor)) });
  },
} satisfies Partial<Handlers>;

/** What the actor holds and waits for. */
const readCommands = {
  roles: async ({ pim, actor }) => reply({ kind: 'roles', roles: (await pim.myRoles(actor)).map(roleRow) }),
  status: async ({ pim, actor }) => {
    const roles = await pim.myRoles(actor);
    const requests = await pim.myRequests(actor);
    const active = roles.flatMap((r) => (r.active ? [assignmentView(pim.directory, r.active)] : []));
    return reply({ kind: 'status', active, requests: requests.map((r) => requestView(pim.directory, r)) });
  },
  requests: async ({ pim, actor }) => reply({ kind: 'requests', requests: (await pim.myRequests(actor)).map((r) => requestView(pim.directory, r)) }),
  approvals: async ({ pim, actor }) => reply({ kind: 'approvals', requests: (await pim.pendingApprovals(actor)).map((r) => requestView(pim.directory, r)) }),
} satisfies Partial<Handlers>;

/** Activation: activate, deactivate, extend, cancel. */
const activationCommands = {
  activate: ({ pim, actor }, c) => activateOrForm(pim, actor, c),
  deactivate: async ({ pim, actor }, c) => {
    const a = await pim.deactivate(actor, c.role, c.scope);
    return reply({ kind: 'deactivated', role: a.role, scope: a.scope });
  },
  extend: ({ pim, actor }, c) => extendOrForm(pim, actor, c),
  cancel: async ({ pim, actor }, c) => reply({ kind: 'canceled', request: requestView(pim.directory, await pim.cancel(actor, c.requestId)) }),
} satisfies Partial<Handlers>;

/** Approval: approve and deny. */
const approvalCommands = {
  approve: async ({ pim, actor }, c) => {
    const r = await pim.approve(actor, c.requestId, c.reason ?? null, { mfaCode: c.mfaCode ?? null });
    return reply({ kind: 'decided', outcome: 'approved', request: requestView(pim.directory, r) });
  },
  deny: async ({ pim, actor }, c) => reply({ kind: 'decided', outcome: 'denied', request: requestView(pim.directory, await pim.deny(actor, c.requestId, c.reason)) }),
} satisfies Partial<Handlers>;

/** Admin: assign and remove. */
const adminCommands = {
  assign: async ({ pim, actor }, c) => {
    const a = await pim.assign(actor, {
      user: resolveUserRef(pim, c.user),
      role: c.role,
      scope: c.scope,
      type: c.type,
      durationMs: c.durationMs,
      until: c.until,
      reason: c.reason ?? null,
    });
    return reply({ kind: 'assigned', assignment: assignmentView(pim.directory, a) });
  },
  remove: async ({ pim, actor }, c) => {
    const ended = await pim.remove(actor, resolveUserRef(pim, c.user), c.role, c.scope, c.reason ?? null);
    return reply({ kind: 'removed', assignments: ended.map((a) => assignmentView(pim.directory, a)) });
  },
} satisfies Partial<Handlers>;

/** MFA enrolment: answered only where the actor alone sees it. */
const mfaCommands = {
  mfa: async ({ pim, actor, options }) => {
    if (!options.privateReply) {
      return reply({ kind: 'error', message: 'Send `mfa enroll` in your personal chat with pimbot: its answer holds your new authenticator key, which only you may see.' });
    }
    const e = await pim.enrollMfa(actor, actor.principal.id);
    return reply({ kind: 'mfa_enrolled', account: actor.principal.id, secret: e.secret, uri: e.uri });
  },
} satisfies Partial<Handlers>;

/** How many events `audit` shows in chat; the rest are counted, for `--since` or `--csv`. */
const AUDIT_PAGE = 25;

/** The audit trail, as a list or a CSV file. */
const auditCommands = {
  audit: async ({ pim, actor }, c) => {
    const since = c.sinceMs ? new Date(pim.now().getTime() - c.sinceMs) : undefined;
    const filter = { user: c.user ? resolveUserRef(pim, c.user) : undefined, role: c.role, since };
    if (c.csv) {
      const rows = (await pim.auditLog(actor, { ...filter, limit: 10_000 })).map((e) => auditRow(e, nameOf(pim)));
      const content = auditCsv(rows);
      return { type: 'file', filename: `pim-audit-${pim.now().toISOString().slice(0, 10)}.csv`, content, reply: { kind: 'text', text: `Audit export: ${rows.length} events.` } };
    }
    const page = await pim.auditPage(actor, { ...filter, limit: AUDIT_PAGE });
    return reply({ kind: 'audit', rows: page.events.map((e) => auditRow(e, nameOf(pim))), older: page.total - page.events.length });
  },
  'audit-verify': async ({ pim, actor }) => reply({ kind: 'audit_verified', result: await pim.verifyAudit(actor) }),
} satisfies Partial<Handlers>;

/** Security alerts: the open ones (admins and auditors), and an admin's dismissal. */
const alertCommands = {
  alerts: async ({ pim, actor }) => reply({ kind: 'alerts', alerts: await pim.alerts(actor), outsideChecked: pim.checksOutsideGrants }),
  'alert-show': async ({ pim, actor }, c) => reply({ kind: 'alert_items', ...(await pim.alertItems(actor, c.alertId)) }),
  'alert-dismiss': async ({ pim, actor }, c) => reply({ kind: 'alert_dismissed', alert: await pim.dismissAlert(actor, c.alertId, c.reason) }),
} satisfies Partial<Handlers>;

/** Access reviews: start, stop, apply and results (admins; results also auditors), and what waits for the caller. */
const reviewCommands = {
  reviews: async ({ pim, actor }) => {
    const pending = await pim.pendingReviews(actor);
    return reply({ kind: 'reviews', reviews: pending.map((p) => ({ review: reviewView(p.review), items: pim.reviewItemViews(p.items) })) });
  },
  'review-start': async ({ pim, actor }, c) => {
    const reviewers: ReviewReviewers =
      c.reviewers.kind === 'users' ? { kind: 'principals', ids: c.reviewers.users.map((u) => (u.kind === 'id' && u.id.startsWith('group:') ? u.id : resolveUserRef(pim, u))) } : c.reviewers;
    const { review, items } = await pim.startReview(actor, { role: c.role, scope: c.scope, reviewers, durationDays: c.durationDays, name: c.title, ...(c.requireReason ? { settings: { requireReason: true } } : {}) });
    const reviewerCount = new Set(items.flatMap((i) => i.reviewers.map((id) => id.toLowerCase()))).size;
    return reply({ kind: 'review_started', review: reviewView(review), items: items.length, reviewers: reviewerCount, fallback: items.filter((i) => i.fallback).length });
  },
  'review-decide': async ({ pim, actor }, c) => {
    const principalId = c.user ? resolveUserRef(pim, c.user) : actor.principal.id;
    const done = await pim.decideReviewFor(actor, c.reviewId, { principalId, role: c.role, scope: c.scope }, c.decision, c.reason ?? null);
    const [item] = pim.reviewItemViews([done.item]);
    if (!item) throw new PimError('unknown_review', { id: c.reviewId });
    return reply({ kind: 'review_decided', review: reviewView(done.review), item });
  },
  'review-stop': async ({ pim, actor }, c) => {
    const review = await pim.stopReview(actor, c.reviewId);
    const { items } = await pim.reviewResults(actor, review.id);
    return reply({ kind: 'review_ended', summary: pim.reviewSummary(review, items), stage: review.state === 'applied' ? 'applied' : 'ended' });
  },
  'review-apply': async ({ pim, actor }, c) => {
    const review = await pim.applyReview(actor, c.reviewId);
    const { items } = await pim.reviewResults(actor, review.id);
    return reply({ kind: 'review_ended', summary: pim.reviewSummary(review, items), stage: 'applied' });
  },
  'review-results': async ({ pim, actor }, c) => {
    const { review, items } = await pim.reviewResults(actor, c.reviewId);
    const views = pim.reviewItemViews(items);
    const summary = pim.reviewSummary(review, items);
    if (c.csv) {
      return { type: 'file', filename: `pim-review-${review.id}.csv`, content: reviewCsv(views), reply: { kind: 'text', text: `Access review ${review.id} export: ${views.length} items.` } };
    }
    return reply({ kind: 'review_results', summary, items: views });
  },
} satisfies Partial<Handlers>;

/** One handler per command, by family; a command without one fails to compile. */
const HANDLERS: Handlers = {
  ...helpCommands,
  ...readCommands,
  ...activationCommands,
  ...approvalCommands,
  ...adminCommands,
  ...mfaCommands,
  ...auditCommands,
  ...alertCommands,
  ...reviewCommands,
};

function execute(pim: Pim, actor: Actor, c: Command, options: RunOptions = {}): Promise<CommandOutcome> {
  const handler = HANDLERS[c.name] as (ctx: CommandContext, c: Command) => Promise<CommandOutcome>;
  return handler({ pim, actor, options }, c);
}

async function activateOrForm(pim: Pim, actor: Actor, c: Extract<Command, { name: 'activate' }>): Promise<CommandOutcome> {
  const input: ActivateInput = { role: c.role, scope: c.scope, durationMs: c.durationMs, reason: c.reason, ticket: c.ticket, startAt: c.startAt, mfaCode: c.mfaCode };
  const plan = await pim.planActivation(actor, input);
  if (plan.missing.length > 0) {
    const prefill: ActivationPrefill = { durationMs: c.durationMs, reason: c.reason, ticket: c.ticket, startAt: c.startAt };
    return { type: 'form', form: activationForm(plan, prefill) };
  }
  const result = await pim.activate(actor, input);
  return { type: 'reply', reply: activationReply(result, nameOf(pim)) };
}

/**
 * `extend`: when the activation's policy needs something the command did not give (reason,
 * ticket, MFA code), the extension form, pre-filled; otherwise the extension itself. A duration
 * past what the policy allows is refused at once rather than offered in a form.
 */
async function extendOrForm(pim: Pim, actor: Actor, c: Extract<Command, { name: 'extend' }>): Promise<CommandOutcome> {
  const input: ExtendInput = { role: c.role, scope: c.scope, durationMs: c.durationMs, reason: c.reason, ticket: c.ticket, mfaCode: c.mfaCode };
  const plan = await pim.planExtension(actor, input);
  if (plan && plan.missing.length > 0 && c.durationMs <= plan.roomMs) {
    return { type: 'extend_form', form: extensionForm(plan, { durationMs: c.durationMs, reason: c.reason, ticket: c.ticket }) };
  }
  const result = await pim.extend(actor, input);
  return { type: 'reply', reply: extendReply(result, c.durationMs, nameOf(pim)) };
}

/** What a submitted extension form holds (Slack view state, Teams Action.Execute data). */
export interface ExtensionSubmit {
  role: string;
  scope?: string | null;
  duration?: string | null;
  reason?: string | null;
  ticket?: string | null;
  code?: string | null;
}

/**
 * Submits an extension form. A refusal tied to a field comes back as that field's error (shown
 * inline), anything else as a form-level error; `form` is null when the role is no longer active.
 */
export async function submitExtension(
  pim: Pim,
  actor: Actor,
  s: ExtensionSubmit,
): Promise<{ ok: true; reply: Reply } | { ok: false; errors: ExtensionForm['errors']; form: ExtensionForm | null }> {
  const durationText = s.duration?.trim() ?? '';
  const durationMs = parseDuration(durationText);
  const input = { role: s.role, scope: s.scope?.trim() || undefined, reason: s.reason ?? null, ticket: s.ticket ?? null, mfaCode: s.code ?? null };
  const refill = async (errors: ExtensionForm['errors']) => {
    try {
      const plan = await pim.planExtension(actor, input);
      return plan ? extensionForm(plan, { durationMs: durationMs ?? undefined, reason: input.reason, ticket: input.ticket }, errors) : null;
    } catch {
      return null;
    }
  };
  if (durationMs === null) {
    const errors = { duration: durationText ? `"${durationText.slice(0, 40)}" is not a duration. Use 15m, 30m or 1h.` : 'Say how much time to add, e.g. 30m.' };
    return { ok: false, errors, form: await refill(errors) };
  }
  try {
    // Only an activation is extended from the form: a renewal is asked for with the command.
    if (!(await pim.planExtension(actor, input))) throw new PimError('not_active', { role: s.role });
    const result = await pim.extend(actor, { ...input, durationMs });
    return { ok: true, reply: extendReply(result, durationMs, nameOf(pim)) };
  } catch (e) {
    if (!isPimError(e)) throw e;
    const field = FIELD_OF[e.code] ?? 'form';
    const errors = { [field === 'scope' ? 'form' : field]: e.message };
    return { ok: false, errors, form: await refill(errors) };
  }
}

/** Opens the activation form for a role (a button on App Home or an expiry warning). */
export async function activationFormFor(pim: Pim, actor: Actor, role: string, scope: string | null): Promise<Extract<CommandOutcome, { type: 'form' | 'reply' }>> {
  try {
    const plan = await pim.planActivation(actor, { role, scope: scope ?? undefined });
    return { type: 'form', form: activationForm(plan, {}) };
  } catch (e) {
    if (isPimError(e)) return { type: 'reply', reply: { kind: 'error', message: e.message } };
    throw e;
  }
}

/** What a submitted activation form holds (Slack view state, Teams Action.Execute data). */
export interface ActivationSubmit {
  role: string;
  scope?: string | null;
  duration?: string | null;
  reason?: string | null;
  ticket?: string | null;
  code?: string | null;
  startAt?: string | null;
}

const FIELD_OF: Partial<Record<ErrorCode, keyof ActivationForm['errors']>> = {
  duration_too_short: 'duration',
  duration_too_long: 'duration',
  extension_too_long: 'duration',
  reason_required: 'reason',
  reason_too_long: 'reason',
  ticket_required: 'ticket',
  ticket_invalid: 'ticket',
  mfa_required: 'code',
  mfa_invalid: 'code',
  mfa_reused: 'code',
  mfa_not_enrolled: 'code',
  scope_required: 'scope',
  unknown_scope: 'scope',
};

/**
 * Submits an activation form. A refusal tied to a field comes back as that field's error (shown
 * inline); anything else as a form-level error.
 */
export async function submitActivation(
  pim: Pim,
  actor: Actor,
  s: ActivationSubmit,
): Promise<{ ok: true; reply: Reply } | { ok: false; errors: ActivationForm['errors']; form: ActivationForm | null }> {
  const durationText = s.duration?.trim() ?? '';
  const durationMs = durationText ? parseDuration(durationText) : undefined;
  const input: ActivateInput = {
    role: s.role,
    scope: s.scope?.trim() || undefined,
    durationMs: durationMs ?? undefined,
    reason: s.reason ?? null,
    ticket: s.ticket ?? null,
    mfaCode: s.code ?? null,
    startAt: s.startAt ? new Date(s.startAt) : null,
  };
  const refill = async (errors: ActivationForm['errors']) => {
    try {
      const plan = await pim.planActivation(actor, input);
      return activationForm(plan, { durationMs: input.durationMs, reason: input.reason, ticket: input.ticket, startAt: input.startAt }, errors);
    } catch {
      return null;
    }
  };
  if (durationText && durationMs === null) {
    const errors = { duration: `"${durationText.slice(0, 40)}" is not a duration. Use 30m, 1h or 1h30m.` };
    return { ok: false, errors, form: await refill(errors) };
  }
  try {
    const result = await pim.activate(actor, input);
    return { ok: true, reply: activationReply(result, nameOf(pim)) };
  } catch (e) {
    if (!isPimError(e)) throw e;
    const field = FIELD_OF[e.code] ?? 'form';
    const errors = { [field]: e.message };
    return { ok: false, errors, form: await refill(errors) };
  }
}

/** Decides a request from a button or form; refusals come back as error replies. `mfaCode`: the approver's code, when the policy asks for one. */
export async function decide(
  pim: Pim,
  actor: Actor,
  requestId: string,
  outcome: 'approved' | 'denied',
  reason: string | null,
  mfaCode: string | null = null,
): Promise<{ ok: true; reply: Reply } | { ok: false; error: PimError }> {
  try {
    const r = outcome === 'approved' ? await pim.approve(actor, requestId, reason, { mfaCode }) : await pim.deny(actor, requestId, reason ?? '');
    return { ok: true, reply: { kind: 'decided', outcome, request: requestView(pim.directory, r) } };
  } catch (e) {
    if (isPimError(e)) return { ok: false, error: e };
    throw e;
  }
}

/** The deny form for a request the actor may decide; an error reply when they may not. */
export async function denyFormFor(pim: Pim, actor: Actor, requestId: string): Promise<{ ok: true; form: DenyForm } | { ok: false; message: string }> {
  try {
    const r = await pim.decidable(actor, requestId);
    return { ok: true, form: denyForm(requestView(pim.directory, r)) };
  } catch (e) {
    if (isPimError(e)) return { ok: false, message: e.message };
    throw e;
  }
}

/**
 * The dismissal form of an alert, when the actor may dismiss it now (an admin, the alert open);
 * otherwise the sentence that says why, the refusal audited by the core.
 */
export async function dismissAlertFormFor(pim: Pim, actor: Actor, alertId: string): Promise<{ ok: true; form: DismissAlertForm } | { ok: false; message: string }> {
  try {
    const a = await pim.dismissable(actor, alertId);
    return { ok: true, form: { alertId: a.id, summary: alertTitle(a), error: null } };
  } catch (e) {
    if (isPimError(e)) return { ok: false, message: e.message };
    throw e;
  }
}

/** Dismisses an alert for a form's submit: the dismissed alert, or the refusal's code and sentence. */
export async function dismissAlertFrom(pim: Pim, actor: Actor, alertId: string, reason: string): Promise<{ ok: true; alert: AlertView } | { ok: false; error: { code: ErrorCode; message: string } }> {
  try {
    return { ok: true, alert: await pim.dismissAlert(actor, alertId, reason) };
  } catch (e) {
    if (isPimError(e)) return { ok: false, error: { code: e.code, message: e.message } };
    throw e;
  }
}

/**
 * The approve form when approving `requestId` asks the approver for an MFA code
 * (`approval.requireMfa`) and the actor may decide it; `needed: false` when Approve needs no code
 * (or the actor may not decide it: the decision itself then says why, audited).
 */
export async function approveFormFor(pim: Pim, actor: Actor, requestId: string): Promise<{ needed: true; form: ApproveForm } | { needed: false }> {
  const r = await pim.getRequest(requestId);
  if (!r || !pim.approvalNeedsMfa(r)) return { needed: false };
  const form = await denyFormFor(pim, actor, requestId);
  return form.ok ? { needed: true, form: form.form } : { needed: false };
}

/** Audit rows as CSV, guarded against spreadsheet formula injection. */
export function auditCsv(rows: { seq: number; at: string; actor: string; action: string; subject: string; summary: string }[]): string {
  const cell = (v: string | number): string => {
    let s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ['seq,at,actor,action,subject,details', ...rows.map((r) => [r.seq, r.at, r.actor, r.action, r.subject, r.summary].map(cell).join(','))];
  return `${lines.join('\n')}\n`;
}

/** Every item of a review as CSV: person, role, decision, reviewer, reason, time, what was applied. */
export function reviewCsv(items: ReviewItemView[]): string {
  const cell = (v: string | number | null): string => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const head = 'item,principal,role,scope,type,since,ends,last_activation,activations,recommendation,recommendation_reason,decision,decided_by,decided_at,reason,applied';
  const rows = items.map((i) =>
    [i.id, i.principal.id, i.role, i.scope, i.type, i.since, i.endsAt, i.lastActivationAt, i.activations, i.recommendation, i.recommendationReason, i.decision, i.decidedBy?.id ?? null, i.decidedAt, i.reason, i.applied].map(cell).join(','),
  );
  return `${[head, ...rows].join('\n')}\n`;
}

/** A principal as an actor on a platform. */
export function actorOf(principal: Principal, platform: Actor['platform']): Actor {
  return { principal, platform };
}

export { formatDuration };
