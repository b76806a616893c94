/**
 * Slack modals: the activation form and the deny-reason form, and the pure readers that turn a
 * `view_submission` back into values. Inputs use the ids in `FIELD` / `DENY_REASON` as both
 * `block_id` and `action_id`.
 *
 * Pre-filled input values (`initial_value`) and `private_metadata` hold the user's own text
 * unescaped: they are never parsed as markup, and escaping them would change what the user
 * submits. Everything displayed is escaped.
 */
import { ACTIVATE_VIEW, APPROVE_CODE, APPROVE_VIEW, DENY_REASON, DENY_VIEW, DISMISS_ALERT_VIEW, DISMISS_REASON, EXTEND_VIEW, FIELD, REASON_MAX, type FormField } from '../actions.js';
import { clip, formatDuration, formatUntil, formatWhen } from '../format.js';
import type { ActivationForm, ApproveForm, DenyForm, DismissAlertForm, ExtensionForm, RenderContext } from '../model.js';
import { escapeSlack } from './escape.js';
import { LIMITS, mrkdwn, plain, type SlackBlock, type SlackModalView } from './blocks.js';

const errorBlock = (message: string | undefined | null): SlackBlock[] =>
  message ? [{ type: 'context', elements: [mrkdwn(`⚠️ ${escapeSlack(message)}`, LIMITS.contextText)] }] : [];

function textInput(
  id: string,
  label: string,
  opts: { optional: boolean; initial?: string; placeholder?: string; hint?: string; multiline?: boolean; maxLength?: number },
): SlackBlock {
  const initial = opts.initial ? (opts.maxLength ? opts.initial.slice(0, opts.maxLength) : opts.initial) : '';
  return {
    type: 'input',
    block_id: id,
    optional: opts.optional,
    label: plain(label, LIMITS.inputLabel),
    ...(opts.hint ? { hint: plain(opts.hint, LIMITS.inputHint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      ...(opts.multiline ? { multiline: true } : {}),
      ...(opts.maxLength ? { max_length: opts.maxLength } : {}),
      ...(initial ? { initial_value: initial } : {}),
      ...(opts.placeholder ? { placeholder: plain(opts.placeholder, LIMITS.placeholder) } : {}),
    },
  };
}

/** What the activation modal carries in `private_metadata`. */
export interface ActivationMetadata {
  role: string;
  scope: string | null;
  /** The scope options, in order: a select option's value is its index here. */
  scopes?: string[];
  startAt: string | null;
  prefill?: { duration: string; reason: string; ticket: string };
}

/**
 * The metadata JSON, within Slack's 3000 characters: the pre-fill goes first (the inputs hold it
 * anyway), then the scope list (the handler then maps the chosen index through `planActivation`).
 */
function activationMetadata(form: ActivationForm, scopes: string[]): string {
  const full: ActivationMetadata = {
    role: form.role,
    scope: form.scope,
    scopes,
    startAt: form.startAt,
    prefill: { duration: form.durationText, reason: form.reason, ticket: form.ticket },
  };
  const candidates: ActivationMetadata[] = [full, { ...full, prefill: undefined }, { role: form.role, scope: form.scope, startAt: form.startAt }];
  for (const m of candidates) {
    const json = JSON.stringify(m);
    if (json.length <= LIMITS.privateMetadata) return json;
  }
  return JSON.stringify({ role: form.role.slice(0, 1000), scope: null, startAt: null });
}

/** The activation form as a modal, for `views.open` with the command's `trigger_id`. */
export function slackActivationModal(form: ActivationForm, ctx: RenderContext): SlackModalView {
  const scopes = form.scopes.slice(0, LIMITS.selectOptions);
  const where = form.scope ? ` at \`${escapeSlack(form.scope)}\`` : '';
  const facts = [
    form.maxActivationMs ? `At most ${formatDuration(form.maxActivationMs)}.` : null,
    form.approvalRequired ? 'Needs approval: approvers are asked as soon as you submit.' : null,
    form.startAt ? `Starts ${formatWhen(form.startAt, ctx)}.` : null,
  ].filter((x): x is string => x !== null);
  const blocks: SlackBlock[] = [
    { type: 'section', text: mrkdwn(`Activate *${escapeSlack(form.role)}*${where}`, LIMITS.sectionText) },
    ...(facts.length ? [{ type: 'context', elements: [mrkdwn(escapeSlack(facts.join(' ')), LIMITS.contextText)] }] : []),
    ...errorBlock(form.errors.form),
    textInput(FIELD.duration, 'Duration', {
      optional: false,
      initial: form.durationText,
      placeholder: 'e.g. 1h',
      hint: `Like 30m, 1h or 1h30m${form.maxActivationMs ? `; at most ${formatDuration(form.maxActivationMs)}` : ''}.`,
      maxLength: 40,
    }),
    ...errorBlock(form.errors.duration),
  ];
  if (form.fields.scope !== 'hidden' && scopes.length > 0) {
    const options = scopes.map((s, k) => ({ text: plain(s, LIMITS.optionText), value: String(k) }));
    const chosen = form.scope ? scopes.indexOf(form.scope) : -1;
    blocks.push(
      {
        type: 'input',
        block_id: FIELD.scope,
        optional: form.fields.scope !== 'required',
        label: plain('Scope', LIMITS.inputLabel),
        element: {
          type: 'static_select',
          action_id: FIELD.scope,
          placeholder: plain('Choose a scope', LIMITS.placeholder),
          options,
          ...(chosen >= 0 ? { initial_option: options[chosen] } : {}),
        },
      },
      ...errorBlock(form.errors.scope),
    );
  }
  if (form.fields.reason !== 'hidden') {
    blocks.push(
      textInput(FIELD.reason, 'Reason', {
        optional: form.fields.reason !== 'required',
        initial: form.reason,
        placeholder: 'What do you need it for?',
        multiline: true,
        maxLength: REASON_MAX,
      }),
      ...errorBlock(form.errors.reason),
    );
  }
  if (form.fields.ticket !== 'hidden') {
    blocks.push(
      textInput(FIELD.ticket, 'Ticket', {
        optional: form.fields.ticket !== 'required',
        initial: form.ticket,
        placeholder: 'e.g. INC-1234',
        ...(form.ticketPattern ? { hint: `Must match ${form.ticketPattern}` } : {}),
        maxLength: 200,
      }),
      ...errorBlock(form.errors.ticket),
    );
  }
  if (form.fields.code !== 'hidden') {
    blocks.push(
      textInput(FIELD.code, 'MFA code', { optional: form.fields.code !== 'required', placeholder: '123456', hint: 'The current code from your authenticator app.', maxLength: 10 }),
      ...errorBlock(form.errors.code),
    );
  }
  return {
    type: 'modal',
    callback_id: ACTIVATE_VIEW,
    title: plain('Activate a role', LIMITS.viewTitle),
    submit: plain(form.approvalRequired ? 'Request' : 'Activate', LIMITS.viewButton),
    close: plain('Cancel', LIMITS.viewButton),
    private_metadata: activationMetadata(form, scopes),
    blocks: blocks.slice(0, LIMITS.viewBlocks),
  };
}

/**
 * The extension form as a modal: the duration and what the role's policy asks for (reason,
 * ticket, MFA code). Its metadata names the role and scope of the activation.
 */
export function slackExtensionModal(form: ExtensionForm, ctx: RenderContext): SlackModalView {
  const facts = [
    `Active ${formatUntil(form.until, ctx)}.`,
    `At most ${formatDuration(form.roomMs)} more: ${form.role} runs at most ${formatDuration(form.maxActivationMs)} in all, counted from when it started.`,
    form.approvalRequired ? 'Needs approval: approvers are asked as soon as you submit.' : null,
  ].filter((x): x is string => x !== null);
  const blocks: SlackBlock[] = [
    { type: 'section', text: mrkdwn(`Extend *${escapeSlack(form.role)}* at \`${escapeSlack(form.scope)}\``, LIMITS.sectionText) },
    { type: 'context', elements: [mrkdwn(escapeSlack(facts.join(' ')), LIMITS.contextText)] },
    ...errorBlock(form.errors.form),
    textInput(FIELD.duration, 'Add', {
      optional: false,
      initial: form.durationText,
      placeholder: 'e.g. 30m',
      hint: `Like 15m, 30m or 1h; at most ${formatDuration(form.roomMs)}.`,
      maxLength: 40,
    }),
    ...errorBlock(form.errors.duration),
  ];
  if (form.fields.reason !== 'hidden') {
    blocks.push(
      textInput(FIELD.reason, 'Reason', { optional: form.fields.reason !== 'required', initial: form.reason, placeholder: 'Why do you need more time?', multiline: true, maxLength: REASON_MAX }),
      ...errorBlock(form.errors.reason),
    );
  }
  if (form.fields.ticket !== 'hidden') {
    blocks.push(
      textInput(FIELD.ticket, 'Ticket', {
        optional: form.fields.ticket !== 'required',
        initial: form.ticket,
        placeholder: 'e.g. INC-1234',
        ...(form.ticketPattern ? { hint: `Must match ${form.ticketPattern}` } : {}),
        maxLength: 200,
      }),
      ...errorBlock(form.errors.ticket),
    );
  }
  if (form.fields.code !== 'hidden') {
    blocks.push(
      textInput(FIELD.code, 'MFA code', { optional: form.fields.code !== 'required', placeholder: '123456', hint: 'The current code from your authenticator app.', maxLength: 10 }),
      ...errorBlock(form.errors.code),
    );
  }
  const meta = { role: form.role, scope: form.scope };
  const json = JSON.stringify(meta);
  return {
    type: 'modal',
    callback_id: EXTEND_VIEW,
    title: plain('Extend a role', LIMITS.viewTitle),
    submit: plain(form.approvalRequired ? 'Request' : 'Extend', LIMITS.viewButton),
    close: plain('Cancel', LIMITS.viewButton),
    private_metadata: json.length <= LIMITS.privateMetadata ? json : JSON.stringify({ role: form.role.slice(0, 1000), scope: null }),
    blocks: blocks.slice(0, LIMITS.viewBlocks),
  };
}

/** The deny-reason modal, opened from an approval card's Deny button. */
export function slackDenyModal(form: DenyForm): SlackModalView {
  return {
    type: 'modal',
    callback_id: DENY_VIEW,
    title: plain('Deny request', LIMITS.viewTitle),
    submit: plain('Deny', LIMITS.viewButton),
    close: plain('Cancel', LIMITS.viewButton),
    private_metadata: JSON.stringify({ requestId: clip(form.requestId, 200) }),
    blocks: [
      { type: 'section', text: mrkdwn(`Deny request \`${escapeSlack(form.requestId)}\`\n${escapeSlack(form.summary)}`, LIMITS.sectionText) },
      ...errorBlock(form.error),
      textInput(DENY_REASON, 'Reason', { optional: false, placeholder: 'Why is it denied? The requester sees this.', multiline: true, maxLength: REASON_MAX }),
    ],
  };
}

/** The dismissal-reason modal of a security alert, opened from its Dismiss button (admins). */
export function slackDismissAlertModal(form: DismissAlertForm): SlackModalView {
  return {
    type: 'modal',
    callback_id: DISMISS_ALERT_VIEW,
    title: plain('Dismiss alert', LIMITS.viewTitle),
    submit: plain('Dismiss', LIMITS.viewButton),
    close: plain('Cancel', LIMITS.viewButton),
    private_metadata: JSON.stringify({ alertId: clip(form.alertId, 200) }),
    blocks: [
      { type: 'section', text: mrkdwn(`Dismiss alert \`${escapeSlack(form.alertId)}\`\n${escapeSlack(form.summary)}`, LIMITS.sectionText) },
      ...errorBlock(form.error),
      textInput(DISMISS_REASON, 'Reason', { optional: false, placeholder: 'Why is it dismissed? The security channel sees this.', multiline: true, maxLength: REASON_MAX }),
    ],
  };
}

/** The approve modal of a request whose policy asks approvers for an MFA code, opened from its Approve button. */
export function slackApproveModal(form: ApproveForm): SlackModalView {
  return {
    type: 'modal',
    callback_id: APPROVE_VIEW,
    title: plain('Approve request', LIMITS.viewTitle),
    submit: plain('Approve', LIMITS.viewButton),
    close: plain('Cancel', LIMITS.viewButton),
    private_metadata: JSON.stringify({ requestId: clip(form.requestId, 200) }),
    blocks: [
      { type: 'section', text: mrkdwn(`Approve request \`${escapeSlack(form.requestId)}\`\n${escapeSlack(form.summary)}`, LIMITS.sectionText) },
      ...errorBlock(form.error),
      textInput(APPROVE_CODE, 'MFA code', { optional: false, placeholder: 'The 6-digit code from your authenticator app', hint: 'Approving this role needs a code from your authenticator app.', maxLength: 10 }),
    ],
  };
}

/**
 * Errors for `ack({ response_action: 'errors', errors })` after a refused submit: keyed by the
 * input's block id, escaped. `form`-level errors have no block; show them by updating the view.
 */
export function slackViewErrors(errors: Partial<Record<FormField | 'form', string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (field === 'form' || !message) continue;
    out[FIELD[field as FormField]] = clip(escapeSlack(message), 500);
  }
  return out;
}

/** The parts of a Slack `view_submission` payload the readers use. */
export interface SubmittedView {
  private_metadata?: string;
  state?: { values?: Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null } | undefined>> };
}

export interface ActivationSubmission {
  role: string;
  /** The scope chosen (or fixed); null when none was, or when the index could not be mapped (see `scopeIndex`). */
  scope: string | null;
  /** The chosen option's index, for when the metadata had no room for the scope list. */
  scopeIndex: number | null;
  durationText: string;
  reason: string;
  ticket: string;
  code: string;
  startAt: string | null;
}

const parseJson = (s: string | undefined): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(s ?? '');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Reads the activation modal's submission; null when the metadata is not ours. Values are untrusted input. */
export function readActivationSubmission(view: SubmittedView): ActivationSubmission | null {
  const meta = parseJson(view.private_metadata);
  if (!meta || typeof meta.role !== 'string') return null;
  const values = view.state?.values ?? {};
  const value = (id: string): string => (values[id]?.[id]?.value ?? '').trim();
  const picked = values[FIELD.scope]?.[FIELD.scope]?.selected_option?.value;
  const scopeIndex = picked !== undefined && /^\d+$/.test(picked) ? Number(picked) : null;
  const scopes = Array.isArray(meta.scopes) ? meta.scopes.filter((s): s is string => typeof s === 'string') : null;
  const chosen = scopeIndex !== null && scopes ? (scopes[scopeIndex] ?? null) : null;
  return {
    role: meta.role,
    scope: chosen ?? (typeof meta.scope === 'string' ? meta.scope : null),
    scopeIndex,
    durationText: value(FIELD.duration),
    reason: value(FIELD.reason),
    ticket: value(FIELD.ticket),
    code: value(FIELD.code),
    startAt: str(meta.startAt) || null,
  };
}

export interface ExtensionSubmission {
  role: string;
  /** The activation's scope; null when the metadata had no room for it (the core then asks). */
  scope: string | null;
  durationText: string;
  reason: string;
  ticket: string;
  code: string;
}

/** Reads the extension modal's submission; null when the metadata is not ours. Values are untrusted input. */
export function readExtensionSubmission(view: SubmittedView): ExtensionSubmission | null {
  const meta = parseJson(view.private_metadata);
  if (!meta || typeof meta.role !== 'string') return null;
  const values = view.state?.values ?? {};
  const value = (id: string): string => (values[id]?.[id]?.value ?? '').trim();
  return {
    role: meta.role,
    scope: str(meta.scope) || null,
    durationText: value(FIELD.duration),
    reason: value(FIELD.reason),
    ticket: value(FIELD.ticket),
    code: value(FIELD.code),
  };
}

/** Reads the approve modal's submission; null when the metadata is not ours. */
export function readApproveSubmission(view: SubmittedView): { requestId: string; code: string } | null {
  const meta = parseJson(view.private_metadata);
  if (!meta || typeof meta.requestId !== 'string') return null;
  return { requestId: meta.requestId, code: (view.state?.values?.[APPROVE_CODE]?.[APPROVE_CODE]?.value ?? '').trim() };
}

/** Reads the deny modal's submission; null when the metadata is not ours. */
export function readDenySubmission(view: SubmittedView): { requestId: string; reason: string } | null {
  const meta = parseJson(view.private_metadata);
  if (!meta || typeof meta.requestId !== 'string') return null;
  return { requestId: meta.requestId, reason: (view.state?.values?.[DENY_REASON]?.[DENY_REASON]?.value ?? '').trim() };
}

/** Reads the dismissal modal's submission; null when it is not ours. */
export function readDismissAlertSubmission(view: SubmittedView): { alertId: string; reason: string } | null {
  const meta = parseJson(view.private_metadata);
  if (!meta || typeof meta.alertId !== 'string') return null;
  return { alertId: meta.alertId, reason: (view.state?.values?.[DISMISS_REASON]?.[DISMISS_REASON]?.value ?? '').trim() };
}
