/** Approve and deny: first decision wins, never by the requester; what an approval then leads to. */
import { isPimError, PimError } from '../errors.js';
import { noticeKeys } from '../keys.js';
import { checkExtensionLength, checkReason } from '../policy.js';
import type { UnitOfWork } from '../ports.js';
import type { Actor, Assignment, PimRequest } from '../types.js';
import { requestView } from '../views.js';
import {
  alreadyDecided,
  audit,
  auditRefusal,
  findPolicy,
  normaliseId,
  notifyChannels,
  policyFor,
  samePrincipal,
  sendTo,
  startGrant,
  verifyMfa,
  type PimDeps,
} from '../shared/index.js';
import { approvalNeedsMfa, canDecide } from './approvers.js';
import { updateApprovalCards } from './cards.js';

/** Decides a pending request: approved (with the approver's MFA step-up when the policy asks) or denied (a reason required). */
export async function decide(
  deps: PimDeps,
  actor: Actor,
  requestId: string,
  outcome: 'approved' | 'denied',
  reason: string | null,
  mfaCode: string | null = null,
): Promise<PimRequest> {
  const id = normaliseId(requestId);
  const action = outcome === 'approved' ? 'approve' : 'deny';
  return auditRefusal(deps, actor, action, id, { requestId: id }, () =>
    deps.store.transaction(async (uow) => {
      const r = await uow.requests.get(id);
      if (!r) throw new PimError('not_found', { id });
      const now = deps.clock.now();
      checkMayDecide(deps, actor, r, now);
      checkReason(r.role, reason, outcome === 'denied');
      if (outcome === 'approved' && approvalNeedsMfa(deps, r)) {
        // Step-up: the approver proves it is them before Approve counts. Nothing is written
        // before this check, so a refusal keeps only the counted failure.
        if (!mfaCode?.trim()) throw new PimError('mfa_required', { role: r.role, approving: true });
        await verifyMfa(deps, uow, actor, r.role, mfaCode, now, 'approve', r.id);
      }
      const decided = await uow.requests.transition(id, ['pending_approval'], {
        state: outcome,
        decidedBy: actor.principal.id,
        decidedAt: now,
        decisionReason: reason?.trim() || null,
        updatedAt: now,
      });
      if (!decided) {
        const current = await uow.requests.get(id);
        throw alreadyDecided(deps, current ?? r);
      }
      await audit(deps, uow, actor.principal.id, `request.${outcome}`, decided, { reason: decided.decisionReason });
      const policy = policyFor(deps, decided.role, decided.scope);
      await notifyChannels(deps, uow, policy, outcome, noticeKeys.decision(outcome, id), { kind: 'request_decided', request: requestView(deps.directory, decided) });

      let final = decided;
      let endsAt: Date | null = null;
      if (outcome === 'approved') ({ request: final, endsAt } = await afterApproval(deps, uow, decided, now));
      await updateApprovalCards(deps, uow, final, 'decided');
      // The one new message a decision brings the requester (who may be elsewhere by now); their
      // request's own message is updated with the approval card.
      await sendTo(deps, uow, { kind: 'user', principalId: decided.principalId }, noticeKeys.decided(id), { kind: 'request_decided', request: requestView(deps.directory, final, endsAt) });
      return final;
    }),
  );
}

/**
 * The preconditions of a decision, in the order they are checked: still pending, not past its
 * deadline, not the requester's own, and by one of its approvers. Throws the refusal.
 */
export function checkMayDecide(deps: PimDeps, actor: Actor, r: PimRequest, now: Date): void {
  if (r.state !== 'pending_approval') throw alreadyDecided(deps, r);
  // Past its deadline the request has timed out, whether or not the deadline loop has marked it yet.
  if (r.approvalDeadline && r.approvalDeadline.getTime() <= now.getTime()) throw new PimError('already_decided', { id: r.id, state: 'timed_out' });
  if (samePrincipal(r.principalId, actor.principal.id)) throw new PimError('self_approval', { id: r.id });
  if (!canDecide(deps, actor.principal.id, r)) throw new PimError('not_approver', { id: r.id, role: r.role });
}

/**
 * The request `requestId` when the actor may decide it now (what a Deny or Approve form is opened
 * for); throws the refusal `decide` would give. Nothing is written.
 */
export async function decidable(deps: PimDeps, actor: Actor, requestId: string): Promise<PimRequest> {
  const id = normaliseId(requestId);
  const r = await deps.store.transaction((uow) => uow.requests.get(id));
  if (!r) throw new PimError('not_found', { id });
  checkMayDecide(deps, actor, r, deps.clock.now());
  return r;
}

/** What an approval leads to, by request kind, and the end of the assignment it made or moved (if any). */
async function afterApproval(deps: PimDeps, uow: UnitOfWork, r: PimRequest, now: Date): Promise<{ request: PimRequest; endsAt: Date | null }> {
  if (r.kind === 'activate') {
    if (r.startAt && r.startAt.getTime() > now.getTime()) {
      const s = await uow.requests.transition(r.id, ['approved'], { state: 'scheduled', updatedAt: now });
      return { request: s ?? r, endsAt: null };
    }
    // The decision's DM says it is active: the holder is not told twice.
    const res = await startGrant(deps, uow, r, now, { tellHolder: false });
    return { request: res.request, endsAt: res.outcome === 'active' ? res.assignment.endsAt : null };
  }
  // extend / renew: move the end of the target assignment.
  const target = r.targetAssignmentId ? await uow.assignments.get(r.targetAssignmentId) : null;
  const ended = !target || target.endedAt !== null || (r.kind === 'extend' && target.endsAt !== null && target.endsAt.getTime() <= now.getTime());
  if (!target || ended) {
    const failed = await uow.requests.transition(r.id, ['approved'], { state: 'failed', failureReason: 'The assignment ended before the request was approved.', updatedAt: now });
    return { request: failed ?? r, endsAt: null };
  }
  if (r.kind === 'extend') {
    // The activation's whole length is checked again: its end may have moved since the request.
    const refusal = extensionRefusal(deps, r, target, now);
    if (refusal) {
      const failed = await uow.requests.transition(r.id, ['approved'], { state: 'failed', failureReason: refusal, updatedAt: now });
      if (failed) await audit(deps, uow, 'system', 'extension.failed', failed, { assignmentId: target.id, reason: refusal });
      return { request: failed ?? r, endsAt: null };
    }
  }
  const base = target.endsAt && target.endsAt.getTime() > now.getTime() ? target.endsAt : now;
  const updated = await uow.assignments.setEnd(target.id, new Date(base.getTime() + r.durationMs));
  const done = await uow.requests.transition(r.id, ['approved'], { state: 'completed', assignmentId: target.id, updatedAt: now });
  if (updated) {
    await audit(deps, uow, r.decidedBy ?? 'system', r.kind === 'extend' ? 'activation.extended' : 'assignment.renewed', done ?? r, {
      assignmentId: target.id,
      endsAt: updated.endsAt?.toISOString() ?? null,
    });
  }
  // The decision's DM says the new end: no separate "extended" or "renewed" message.
  return { request: done ?? r, endsAt: updated?.endsAt ?? null };
}

/** Why an approved extension cannot be made now (past the policy's maximum from the activation's start), or null. */
function extensionRefusal(deps: PimDeps, r: PimRequest, target: Assignment, now: Date): string | null {
  const policy = findPolicy(deps, r.role, r.scope);
  if (!policy) return `${r.role} at ${r.scope} is no longer in the configuration.`;
  try {
    checkExtensionLength(r.role, policy, target, r.durationMs, now);
    return null;
  } catch (e) {
    if (isPimError(e)) return e.message;
    throw e;
  }
}
