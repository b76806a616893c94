/**
 * Security alert card actions: Dismiss (answers with the dismissal-reason form, for an admin while
 * the alert is open) and the form's submit (dismisses, answers with the alert card as it is now).
 * Anyone else is told why not, the refusal audited by the core, and the card stays as it is. The
 * alert is re-read on the server; the button's alert id is only a hint.
 */
import { parseHint } from '../../../cards/actions.js';
import { readTeamsDismissAlertSubmission, teamsDismissAlertForm } from '../../../cards/teams/index.js';
import type { Actor } from '../../../src/core/index.js';
import { dismissAlertFormFor, dismissAlertFrom } from '../../shared/commands.js';
import { alertItemsByButton, reviewFromAlertByButton } from '../../shared/role-actions.js';
import { renderFor, type TeamsDeps } from '../context.js';
import { badRequest, cardOutcome, messageOutcome, postOutcome, type ActionOutcome } from '../outcome.js';
import { noticeCard } from '../render.js';

/** Dismiss: the dismissal-reason form, or the sentence that says why not. */
export async function openDismissAlertForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const hint = parseHint(data);
  if (!hint || !('alertId' in hint)) return badRequest('This Dismiss button does not name an alert.');
  const form = await dismissAlertFormFor(deps.pim, actor, hint.alertId);
  return form.ok ? cardOutcome(teamsDismissAlertForm(form.form)) : messageOutcome(form.message);
}

/** The dismissal form's submit: dismisses with the reason given, or shows the form again with what is wrong. */
export async function submitDismissAlertForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const s = readTeamsDismissAlertSubmission(data);
  if (!s) return badRequest('This dismissal form does not name an alert.');
  const form = await dismissAlertFormFor(deps.pim, actor, s.alertId);
  if (!form.ok) return messageOutcome(form.message);
  if (!s.reason) return cardOutcome(teamsDismissAlertForm({ ...form.form, error: 'Give a reason for the dismissal: the security channel sees it.' }));
  const result = await dismissAlertFrom(deps.pim, actor, s.alertId, s.reason);
  if (result.ok) return cardOutcome(noticeCard(deps.pim, { kind: 'security_alert', alert: result.alert }, renderFor(deps)));
  if (result.error.code === 'reason_required' || result.error.code === 'reason_too_long') {
    return cardOutcome(teamsDismissAlertForm({ ...form.form, error: result.error.message }));
  }
  return messageOutcome(result.error.message);
}

function alertIdOf(data: unknown): string | null {
  const hint = parseHint(data);
  return hint && 'alertId' in hint ? hint.alertId : null;
}

/** Affected items: the alert card stays; the list is posted below it in the conversation. */
export async function alertItems(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = alertIdOf(data);
  if (!id) return badRequest('This button does not name an alert.');
  const reply = await alertItemsByButton(deps.pim, actor, id);
  if (reply.kind !== 'alert_items') return messageOutcome(reply.kind === 'error' ? reply.message : 'That was refused.');
  return postOutcome(`The ${reply.items.length === 1 ? 'assignment' : `${reply.items.length} assignments`} alert ${reply.alert.id} is about are listed below.`, reply);
}

/** Start a review: the alert card stays; what was started is posted below it. */
export async function alertReview(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = alertIdOf(data);
  if (!id) return badRequest('This button does not name an alert.');
  const reply = await reviewFromAlertByButton(deps.pim, actor, id);
  if (reply.kind !== 'review_started') return messageOutcome(reply.kind === 'error' ? reply.message : 'That was refused.');
  return postOutcome(`Access review ${reply.review.id} started; its reviewers have their cards.`, reply);
}
