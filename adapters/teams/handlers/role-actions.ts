/**
 * Role and request card actions: open and submit the activation form, Deactivate, Extend (and the
 * extension form's submit), Cancel. Each is one call into the shared runner; the button's role or
 * request is only a hint.
 */
import { parseHint, type RoleHint } from '../../../cards/actions.js';
import type { Reply } from '../../../cards/model.js';
import { readTeamsActivationSubmission, readTeamsExtensionSubmission, teamsActivationForm, teamsExtensionForm, teamsFallbackText, teamsReply } from '../../../cards/teams/index.js';
import type { Actor } from '../../../src/core/index.js';
import { cancelByButton, deactivateByButton, extendByButton } from '../../shared/role-actions.js';
import { activationFormFor, submitActivation, submitExtension, type CommandOutcome } from '../../shared/commands.js';
import { renderFor, type TeamsDeps } from '../context.js';
import { badRequest, cardOutcome, messageOutcome, type ActionOutcome } from '../outcome.js';

function roleOf(data: unknown): RoleHint | null {
  const hint = parseHint(data);
  return hint && 'role' in hint ? hint : null;
}

function requestIdOf(data: unknown): string | null {
  const hint = parseHint(data);
  return hint && 'requestId' in hint ? hint.requestId : null;
}

function replyOutcome(deps: TeamsDeps, reply: Reply): ActionOutcome {
  const ctx = renderFor(deps);
  return cardOutcome(teamsReply(reply, ctx), teamsFallbackText(reply, ctx), reply);
}

function commandOutcome(deps: TeamsDeps, o: Exclude<CommandOutcome, { type: 'file' }>): ActionOutcome {
  if (o.type === 'form') return cardOutcome(teamsActivationForm(o.form, renderFor(deps)));
  if (o.type === 'extend_form') return cardOutcome(teamsExtensionForm(o.form, renderFor(deps)));
  return replyOutcome(deps, o.reply);
}

/** Activate (roles list, App Home): answers with the activation form for the role. */
export async function openActivationForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const hint = roleOf(data);
  if (!hint) return badRequest('This Activate button does not name a role.');
  return commandOutcome(deps, await activationFormFor(deps.pim, actor, hint.role, hint.scope));
}

/** The activation form's submit: activates, or shows the form again with each field's problem. */
export async function submitActivationForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const s = readTeamsActivationSubmission(data);
  if (!s) return badRequest('This activation form does not name a role.');
  const result = await submitActivation(deps.pim, actor, {
    role: s.role,
    scope: s.scope,
    duration: s.durationText,
    reason: s.reason,
    ticket: s.ticket,
    code: s.code,
    startAt: s.startAt,
  });
  if (result.ok) return replyOutcome(deps, result.reply);
  if (result.form) return cardOutcome(teamsActivationForm(result.form, renderFor(deps)));
  return messageOutcome(Object.values(result.errors).find((m): m is string => typeof m === 'string') ?? 'That activation was refused.');
}

export async function deactivate(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const hint = roleOf(data);
  if (!hint) return badRequest('This Deactivate button does not name a role.');
  return replyOutcome(deps, await deactivateByButton(deps.pim, actor, hint.role, hint.scope));
}

/** Extend: adds 30 minutes, or answers with the extension form when the policy asks for more. */
export async function extend(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const hint = roleOf(data);
  if (!hint) return badRequest('This Extend button does not name a role.');
  return commandOutcome(deps, await extendByButton(deps.pim, actor, hint.role, hint.scope));
}

/** The extension form's submit: extends (or asks the approvers), or shows the form again with each field's problem. */
export async function submitExtensionForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const s = readTeamsExtensionSubmission(data);
  if (!s) return badRequest('This extension form does not name a role.');
  const result = await submitExtension(deps.pim, actor, { role: s.role, scope: s.scope, duration: s.durationText, reason: s.reason, ticket: s.ticket, code: s.code });
  if (result.ok) return replyOutcome(deps, result.reply);
  if (result.form) return cardOutcome(teamsExtensionForm(result.form, renderFor(deps)));
  return messageOutcome(Object.values(result.errors).find((m): m is string => typeof m === 'string') ?? 'That extension was refused.');
}

export async function cancel(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = requestIdOf(data);
  if (!id) return badRequest('This Cancel button does not name a request.');
  return replyOutcome(deps, await cancelByButton(deps.pim, actor, id));
}
