/**
 * Teams forms: the activation form and the deny-reason form as Adaptive Cards, and the pure
 * readers of their `Action.Execute` data (the button's data merged with the input values).
 * Input values are the user's own text, pre-filled unescaped: inputs do not render markdown.
 */
import { DENY_REASON, DISMISS_REASON, FIELD, REASON_MAX } from '../actions.js';
import { formatDuration, formatUntil, formatWhen } from '../format.js';
import type { ActivationForm, DenyForm, DismissAlertForm, ExtensionForm, RenderContext } from '../model.js';
import { expandTemplate, type AdaptiveCardJson } from './card.js';
import { escapeTeams, escapeTeamsPlain } from './escape.js';
import { ACTIVATION_FORM_TEMPLATE, DENY_FORM_TEMPLATE, DISMISS_ALERT_FORM_TEMPLATE, EXTENSION_FORM_TEMPLATE } from './templates.js';

/** The activation form as an Adaptive Card; submit is `Action.Execute` verb `ACTIVATE_SUBMIT`. */
export function teamsActivationForm(form: ActivationForm, ctx: RenderContext): AdaptiveCardJson {
  const intro = [
    form.scope ? `Activate **${escapeTeams(form.role)}** at ${escapeTeams(form.scope)}.` : `Activate **${escapeTeams(form.role)}**: choose a scope.`,
    form.maxActivationMs ? `At most ${formatDuration(form.maxActivationMs)}.` : null,
    form.approvalRequired ? 'Needs approval: approvers are asked as soon as you submit.' : null,
    form.startAt ? `Starts ${escapeTeams(formatWhen(form.startAt, ctx))}.` : null,
  ].filter((x): x is string => x !== null);
  const err = (k: keyof ActivationForm['errors']): string => (form.errors[k] ? `⚠️ ${escapeTeams(form.errors[k] as string)}` : '');
  const data = {
    title: 'Activate a role',
    intro,
    duration: form.durationText,
    durationHint: `e.g. 30m or 1h${form.maxActivationMs ? ` (at most ${formatDuration(form.maxActivationMs)})` : ''}`,
    scope: form.scope ?? '',
    scopes: form.scopes.map((s) => ({ title: escapeTeamsPlain(s), value: s })),
    reason: form.reason.slice(0, REASON_MAX),
    ticket: form.ticket,
    ticketHint: form.ticketPattern ? `Must match ${escapeTeamsPlain(form.ticketPattern)}` : 'e.g. INC-1234',
    show: {
      scope: form.fields.scope !== 'hidden' && form.scopes.length > 0,
      reason: form.fields.reason !== 'hidden',
      ticket: form.fields.ticket !== 'hidden',
      code: form.fields.code !== 'hidden',
    },
    required: {
      scope: form.fields.scope === 'required',
      reason: form.fields.reason === 'required',
      ticket: form.fields.ticket === 'required',
      code: form.fields.code === 'required',
    },
    errors: { form: err('form'), duration: err('duration'), scope: err('scope'), reason: err('reason'), ticket: err('ticket'), code: err('code') },
    submitTitle: form.approvalRequired ? 'Request' : 'Activate',
    submitData: { role: form.role, scope: form.scope, startAt: form.startAt },
  };
  return expandTemplate(ACTIVATION_FORM_TEMPLATE, data);
}

/** The extension form as an Adaptive Card; submit is `Action.Execute` verb `EXTEND_SUBMIT`. */
export function teamsExtensionForm(form: ExtensionForm, ctx: RenderContext): AdaptiveCardJson {
  const intro = [
    `Extend **${escapeTeams(form.role)}** at ${escapeTeams(form.scope)}, active ${escapeTeams(formatUntil(form.until, ctx))}.`,
    `At most ${formatDuration(form.roomMs)} more: ${escapeTeams(form.role)} runs at most ${formatDuration(form.maxActivationMs)} in all, counted from when it started.`,
    form.approvalRequired ? 'Needs approval: approvers are asked as soon as you submit.' : null,
  ].filter((x): x is string => x !== null);
  const err = (k: keyof ExtensionForm['errors']): string => (form.errors[k] ? `⚠️ ${escapeTeams(form.errors[k] as string)}` : '');
  return expandTemplate(EXTENSION_FORM_TEMPLATE, {
    title: 'Extend a role',
    intro,
    duration: form.durationText,
    durationHint: `e.g. 15m or 30m (at most ${formatDuration(form.roomMs)})`,
    scope: form.scope,
    scopes: [],
    reason: form.reason.slice(0, REASON_MAX),
    ticket: form.ticket,
    ticketHint: form.ticketPattern ? `Must match ${escapeTeamsPlain(form.ticketPattern)}` : 'e.g. INC-1234',
    show: { scope: false, reason: form.fields.reason !== 'hidden', ticket: form.fields.ticket !== 'hidden', code: form.fields.code !== 'hidden' },
    required: { scope: false, reason: form.fields.reason === 'required', ticket: form.fields.ticket === 'required', code: form.fields.code === 'required' },
    errors: { form: err('form'), duration: err('duration'), scope: '', reason: err('reason'), ticket: err('ticket'), code: err('code') },
    submitTitle: form.approvalRequired ? 'Request' : 'Extend',
    submitData: { role: form.role, scope: form.scope },
  });
}

/** The deny-reason form as an Adaptive Card; submit is `Action.Execute` verb `DENY_SUBMIT`. */
export function teamsDenyForm(form: DenyForm): AdaptiveCardJson {
  return expandTemplate(DENY_FORM_TEMPLATE, {
    title: `Deny request ${escapeTeams(form.requestId)}`,
    summary: escapeTeams(form.summary),
    error: form.error ? `⚠️ ${escapeTeams(form.error)}` : '',
    submitData: { requestId: form.requestId },
  });
}

/** The dismissal-reason form of a security alert as an Adaptive Card; submit is `Action.Execute` verb `DISMISS_ALERT_SUBMIT`. */
export function teamsDismissAlertForm(form: DismissAlertForm): AdaptiveCardJson {
  return expandTemplate(DISMISS_ALERT_FORM_TEMPLATE, {
    title: `Dismiss alert ${escapeTeams(form.alertId)}`,
    summary: escapeTeams(form.summary),
    error: form.error ? `⚠️ ${escapeTeams(form.error)}` : '',
    submitData: { alertId: form.alertId },
  });
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

export interface TeamsActivationSubmission {
  role: string;
  scope: string | null;
  durationText: string;
  reason: string;
  ticket: string;
  code: string;
  startAt: string | null;
}

/** Reads the activation form's `Action.Execute` data; null when it is not ours. Values are untrusted input. */
export function readTeamsActivationSubmission(data: unknown): TeamsActivationSubmission | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.role !== 'string' || d.role === '') return null;
  return {
    role: d.role,
    scope: str(d[FIELD.scope]) || str(d.scope) || null,
    durationText: str(d[FIELD.duration]),
    reason: str(d[FIELD.reason]),
    ticket: str(d[FIELD.ticket]),
    code: str(d[FIELD.code]),
    startAt: str(d.startAt) || null,
  };
}

export interface TeamsExtensionSubmission {
  role: string;
  scope: string | null;
  durationText: string;
  reason: string;
  ticket: string;
  code: string;
}

/** Reads the extension form's `Action.Execute` data; null when it is not ours. Values are untrusted input. */
export function readTeamsExtensionSubmission(data: unknown): TeamsExtensionSubmission | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.role !== 'string' || d.role === '') return null;
  return {
    role: d.role,
    scope: str(d.scope) || null,
    durationText: str(d[FIELD.duration]),
    reason: str(d[FIELD.reason]),
    ticket: str(d[FIELD.ticket]),
    code: str(d[FIELD.code]),
  };
}

/** Reads the deny form's `Action.Execute` data; null when it is not ours. */
export function readTeamsDenySubmission(data: unknown): { requestId: string; reason: string } | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.requestId !== 'string' || d.requestId === '') return null;
  return { requestId: d.requestId, reason: str(d[DENY_REASON]) };
}

/** Reads the dismissal form's `Action.Execute` data; null when it is not ours. */
export function readTeamsDismissAlertSubmission(data: unknown): { alertId: string; reason: string } | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.alertId !== 'string' || d.alertId === '') return null;
  return { alertId: d.alertId, reason: str(d[DISMISS_REASON]) };
}
