/** What an external grant provider reports back (through the dispatcher): granted, refused, or a revoke that failed. */
import { noticeKeys, outboxKeys, subjects } from '../keys.js';
import type { GrantTarget } from '../ports.js';
import type { PimRequest } from '../types.js';
import { requestView } from '../views.js';
import { announceActivation, appendAudit, audit, createActivation, sendTo, type PimDeps } from '../shared/index.js';

/** Called by the dispatcher when an external provider confirmed a grant. */
export async function completeGrant(deps: PimDeps, requestId: string): Promise<PimRequest | null> {
  const now = deps.clock.now();
  return deps.store.transaction(async (uow) => {
    const r = await uow.requests.get(requestId);
    if (!r || r.state !== 'approved' || !r.assignmentId) return null;
    const end = new Date(now.getTime() + r.durationMs);
    const active = await uow.requests.transition(r.id, ['approved'], { state: 'active', updatedAt: now });
    if (!active) return null;
    const a = await createActivation(uow, active, r.assignmentId, now, end);
    await announceActivation(deps, uow, active, a);
    return active;
  });
}

/** Called by the dispatcher when an external provider finally refused a grant. */
export async function failGrant(deps: PimDeps, requestId: string, reason: string): Promise<PimRequest | null> {
  const now = deps.clock.now();
  return deps.store.transaction(async (uow) => {
    const failed = await uow.requests.transition(requestId, ['approved'], { state: 'failed', failureReason: reason.slice(0, 500), updatedAt: now });
    if (!failed) return null;
    await audit(deps, uow, 'system', 'grant.failed', failed, { reason: failed.failureReason });
    if (failed.assignmentId) {
      // A grant given up on may still have happened (a webhook that applied it, then timed
      // out): a queued revoke, retried like any delivery, makes sure no access outlives the
      // failed request. Revoking is idempotent by assignment id.
      await uow.outbox.enqueue(outboxKeys.revoke(failed.assignmentId), {
        type: 'revoke',
        target: { assignmentId: failed.assignmentId, principalId: failed.principalId, role: failed.role, scope: failed.scope, endsAt: null, requestId: failed.id },
      });
    }
    await sendTo(deps, uow, { kind: 'user', principalId: failed.principalId }, noticeKeys.failed(failed.id), { kind: 'request_closed', request: requestView(deps.directory, failed) });
    return failed;
  });
}

/** Records a revoke the provider could not carry out after every retry. */
export async function revokeFailed(deps: PimDeps, target: GrantTarget, reason: string): Promise<void> {
  await deps.store.transaction((uow) =>
    appendAudit(uow, { at: deps.clock.now(), actor: 'system', action: 'revoke.failed', subject: subjects.assignment(target.assignmentId), details: { ...target, endsAt: target.endsAt?.toISOString() ?? null, reason } }),
  );
}
