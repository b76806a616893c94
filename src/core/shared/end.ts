/** Ending an assignment: shared by deactivation, admin removal and expiry. */
import { noticeKeys, outboxKeys, subjects, type EndReason } from '../keys.js';
import type { Notice } from '../notices.js';
import type { UnitOfWork } from '../ports.js';
import type { Assignment, PimRequest } from '../types.js';
import { assignmentView, requestView } from '../views.js';
import { audit } from './audit.js';
import type { PimDeps } from './deps.js';
import { currentAssignmentsOf, findPolicy, person, targetOf } from './lookups.js';
import { notifyChannels, sendTo } from './outbox.js';

/**
 * What an expiry batch reads once for all its rows, so ending a thousand assignments is two
 * queries rather than two thousand: the batch's requests (as they are after the batch moved
 * them) and the current assignments of its holders and their groups.
 */
export interface EndPrefetch {
  requests: ReadonlyMap<string, PimRequest>;
  /** Current assignments by principal id (people and `group:<id>`). */
  current: ReadonlyMap<string, readonly Assignment[]>;
}

/** Reads what `finishAssignment` needs for a batch of ended assignments, after the batch's requests moved. */
export async function prefetchEnds(deps: PimDeps, uow: UnitOfWork, ended: readonly Assignment[], now: Date): Promise<EndPrefetch> {
  const requestIds = ended.flatMap((a) => (a.requestId ? [a.requestId] : []));
  const principals = new Set<string>();
  for (const a of ended) {
    if (a.principalId.startsWith('group:')) continue;
    principals.add(a.principalId);
    for (const g of deps.directory.groupsOf(a.principalId)) principals.add(`group:${g}`);
  }
  const [requests, current] = await Promise.all([
    requestIds.length ? uow.requests.find({ ids: requestIds }) : Promise.resolve([]),
    principals.size ? uow.assignments.find({ principalIds: [...principals], currentAt: now }) : Promise.resolve([]),
  ]);
  const byPrincipal = new Map<string, Assignment[]>();
  for (const a of current) byPrincipal.set(a.principalId, [...(byPrincipal.get(a.principalId) ?? []), a]);
  return { requests: new Map(requests.map((r) => [r.id, r])), current: byPrincipal };
}

async function currentOf(deps: PimDeps, uow: UnitOfWork, principalId: string, now: Date, prefetch?: EndPrefetch): Promise<readonly Assignment[]> {
  if (!prefetch) return currentAssignmentsOf(deps, uow, principalId, now);
  return [principalId, ...deps.directory.groupsOf(principalId).map((g) => `group:${g}`)].flatMap((id) => prefetch.current.get(id) ?? []);
}

/** Updates the requester's message about the request an activation came from (`pending:<id>`) to say it ended. */
async function updateRequestMessage(deps: PimDeps, uow: UnitOfWork, requestId: string, prefetch?: EndPrefetch): Promise<void> {
  const r = prefetch ? (prefetch.requests.get(requestId) ?? null) : await uow.requests.get(requestId);
  if (!r) return;
  const notice: Notice = { kind: 'request_pending', request: requestView(deps.directory, r) };
  for (const platform of deps.platforms()) {
    await uow.outbox.enqueue(outboxKeys.pendingUpdate(r.id, 'ended', platform), { type: 'update', platform, subject: subjects.pending(r.id), notice });
  }
}

/** Common end of an assignment: request state, provider revoke, audit, notices. */
export async function finishAssignment(
  deps: PimDeps,
  uow: UnitOfWork,
  by: string,
  a: Assignment,
  reason: EndReason,
  now: Date,
  opts: { requestDone?: boolean; reason?: string; tellHolder?: boolean; prefetch?: EndPrefetch } = {},
): Promise<void> {
  if (a.requestId && !opts.requestDone) {
    await uow.requests.transition(a.requestId, ['active'], { state: reason === 'removed' ? 'revoked' : reason, updatedAt: now });
  }
  if (a.type === 'active' && !deps.provider.inline) {
    await uow.outbox.enqueue(outboxKeys.revoke(a.id), { type: 'revoke', target: targetOf(a) });
  }
  const why = opts.reason ? { reason: opts.reason } : {};
  await audit(deps, uow, by, a.type === 'active' && a.requestId ? `activation.${reason}` : `assignment.${reason}`, a, { endedAt: a.endedAt?.toISOString() ?? now.toISOString(), ...why });
  if (a.requestId) await updateRequestMessage(deps, uow, a.requestId, opts.prefetch);
  if (a.principalId.startsWith('group:')) return;
  const view = assignmentView(deps.directory, a);
  const notice: Notice =
    a.requestId || reason !== 'removed'
      ? { kind: 'activation_ended', assignment: view, reason: reason === 'removed' ? 'revoked' : reason, ...(opts.reason ? { removedBy: person(deps, by), removalReason: opts.reason } : {}) }
      : { kind: 'assignment_changed', assignment: view, change: 'removed', by: person(deps, by), ...why };
  if (opts.tellHolder ?? true) {
    const stillEligible =
      notice.kind === 'activation_ended' && a.type === 'active' && (await currentOf(deps, uow, a.principalId, now, opts.prefetch)).some((e) => e.type === 'eligible' && e.role === a.role && e.scope === a.scope);
    const personal: Notice = notice.kind === 'activation_ended' ? { ...notice, personal: true, ...(stillEligible ? { stillEligible } : {}) } : { ...notice, personal: true };
    await sendTo(deps, uow, { kind: 'user', principalId: a.principalId }, noticeKeys.ended(a.id), personal);
  }
  const policy = findPolicy(deps, a.role, a.scope);
  if (policy) await notifyChannels(deps, uow, policy, reason === 'removed' ? 'removed' : reason, noticeKeys.ended(a.id), notice);
}
