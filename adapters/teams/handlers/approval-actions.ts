/**
 * Approval card actions: Approve, Deny (opens the reason form), the deny form's submit, and the
 * card's refresh. The request is re-read on the server; the button's request id is only a hint.
 */
import { APPROVE_CODE, parseHint } from '../../../cards/actions.js';
import { teamsDenyForm, readTeamsDenySubmission, type AdaptiveCardJson } from '../../../cards/teams/index.js';
import { type Actor, PimError, type PimRequest, requestView } from '../../../src/core/index.js';
import { decide, denyFormFor } from '../../shared/commands.js';
import { renderFor, type TeamsDeps } from '../context.js';
import { badRequest, cardOutcome, messageOutcome, type ActionOutcome } from '../outcome.js';
import { noticeCard } from '../render.js';

function requestIdOf(data: unknown): string | null {
  const hint = parseHint(data);
  return hint && 'requestId' in hint ? hint.requestId : null;
}

/** The approval card as the request is now (decided: who and when, no buttons). */
export async function currentApprovalCard(deps: TeamsDeps, r: PimRequest): Promise<AdaptiveCardJson> {
  const notice = await deps.pim.currentNotice({ kind: 'approval_request', request: requestView(deps.pim.directory, r) });
  return noticeCard(deps.pim, notice, renderFor(deps));
}

/**
 * A refused decision: on a request that is no longer pending, the card as it is now (it shows
 * who decided); otherwise the sentence that says why.
 */
async function refusal(deps: TeamsDeps, requestId: string, message: string): Promise<ActionOutcome> {
  const r = await deps.pim.getRequest(requestId);
  if (r && r.state !== 'pending_approval') return cardOutcome(await currentApprovalCard(deps, r));
  return messageOutcome(message);
}

async function decidedCard(deps: TeamsDeps, requestId: string): Promise<ActionOutcome> {
  const r = await deps.pim.getRequest(requestId);
  if (!r) return messageOutcome(new PimError('not_found', { id: requestId }).message);
  return cardOutcome(await currentApprovalCard(deps, r));
}

/** The approver's MFA code the card sent with Approve (its code input), if any. */
function approveCodeOf(data: unknown): string | null {
  const v = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[APPROVE_CODE] : undefined;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/**
 * Approve: decides the request and answers with the updated approval card. When the policy asks
 * approvers for an MFA code, the card's code input comes with the press; without a valid one the
 * press is refused (audited) and the card stays as it is.
 */
export async function approve(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = requestIdOf(data);
  if (!id) return badRequest('This Approve button does not name a request.');
  const result = await decide(deps.pim, actor, id, 'approved', null, approveCodeOf(data));
  if (!result.ok) return refusal(deps, id, result.error.message);
  return decidedCard(deps, id);
}

/** Deny: answers with the deny-reason form, for someone who may decide the request. */
export async function openDenyForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = requestIdOf(data);
  if (!id) return badRequest('This Deny button does not name a request.');
  const form = await denyFormFor(deps.pim, actor, id);
  return form.ok ? cardOutcome(teamsDenyForm(form.form)) : refusal(deps, id, form.message);
}

/** The deny form's submit: denies with the reason given, or shows the form again with what is wrong. */
export async function submitDenyForm(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const s = readTeamsDenySubmission(data);
  if (!s) return badRequest('This deny form does not name a request.');
  const form = await denyFormFor(deps.pim, actor, s.requestId);
  if (!form.ok) return refusal(deps, s.requestId, form.message);
  if (!s.reason) return cardOutcome(teamsDenyForm({ ...form.form, error: 'Give a reason for the denial: the requester sees it.' }));
  const result = await decide(deps.pim, actor, s.requestId, 'denied', s.reason);
  if (result.ok) return decidedCard(deps, s.requestId);
  if (result.error.code === 'reason_required' || result.error.code === 'reason_too_long') {
    return cardOutcome(teamsDenyForm({ ...form.form, error: result.error.message }));
  }
  return refusal(deps, s.requestId, result.error.message);
}

/** Refresh: the approval card as it is now, for the requester, its approvers and admins. */
export async function refresh(deps: TeamsDeps, actor: Actor, data: unknown): Promise<ActionOutcome> {
  const id = requestIdOf(data);
  if (!id) return badRequest('This card does not name a request.');
  const r = await deps.pim.getRequest(id);
  if (!r) return { kind: 'error', status: 404, code: 'NotFound', message: new PimError('not_found', { id }).message };
  if (!deps.pim.maySee(actor, r)) return { kind: 'error', status: 403, code: 'Forbidden', message: new PimError('not_approver', { id, role: r.role }).message };
  return cardOutcome(await currentApprovalCard(deps, r));
}
