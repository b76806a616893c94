/**
 * Starting a grant: shared by activation (at once), approval (once approved) and deadlines (a
 * scheduled start that came).
 */
import { PimError } from '../errors.js';
import { noticeKeys, outboxKeys } from '../keys.js';
import type { Notice } from '../notices.js';
import type { GrantTarget, UnitOfWork } from '../ports.js';
import type { Assignment, PimRequest } from '../types.js';
import { assignmentView, requestView } from '../views.js';
import { audit } from './audit.js';
import { newAssignment } from './builders.js';
import type { PimDeps } from './deps.js';
import { policyFor } from './lookups.js';
import { notifyChannels, sendTo } from './outbox.js';

/** What starting a grant led to: the activation made, or (external provider) the grant asked for. */
export type GrantStart = { outcome: 'active'; request: PimRequest; assignment: Assignment } | { outcome: 'granting'; request: PimRequest };

/**
 * Grants an approved activation. With an inline provider the assignment is created now; with
 * an external one the request waits in `approved` until the provider confirms (completeGrant).
 */
export async function startGrant(deps: PimDeps, uow: UnitOfWork, r: PimRequest, now: Date, opts: { tellHolder?: boolean } = {}): Promise<GrantStart> {
  const assignmentId = deps.ids.id();
  const endsAt = new Date(now.getTime() + r.durationMs);
  if (!deps.provider.inline) {
    const pending = (await uow.requests.transition(r.id, ['approved', 'scheduled'], { state: 'approved', assignmentId, updatedAt: now })) ?? r;
    const target: GrantTarget = { assignmentId, principalId: r.principalId, role: r.role, scope: r.scope, endsAt, requestId: r.id };
    await uow.outbox.enqueue(outboxKeys.grant(r.id), { type: 'grant', target });
    await audit(deps, uow, 'system', 'grant.requested', pending, { provider: deps.provider.name, assignmentId });
    return { outcome: 'granting', request: pending };
  }
  const assignment = await createActivation(uow, r, assignmentId, now, endsAt);
  const active = await uow.requests.transition(r.id, ['approved', 'scheduled'], { state: 'active', assignmentId, updatedAt: now });
  if (!active) throw new PimError('already_decided', { id: r.id, state: r.state });
  await announceActivation(deps, uow, active, assignment, opts.tellHolder ?? true);
  return { outcome: 'active', request: active, assignment };
}

/** Inserts the time-bound active assignment an activation request produces. */
export async function createActivation(uow: UnitOfWork, r: PimRequest, assignmentId: string, now: Date, endsAt: Date): Promise<Assignment> {
  const assignment = newAssignment({ id: assignmentId, principalId: r.principalId, role: r.role, scope: r.scope, type: 'active', endsAt, requestId: r.id, createdBy: r.principalId }, now);
  await uow.assignments.insert(assignment);
  return assignment;
}

/**
 * Audits a started activation and tells the policy's `activated` channels, and the holder unless
 * `tellHolder` is false (they already have a message saying so: their command's answer, or the
 * approval's DM).
 */
export async function announceActivation(deps: PimDeps, uow: UnitOfWork, r: PimRequest, a: Assignment, tellHolder = true): Promise<void> {
  await audit(deps, uow, r.principalId, 'activation.started', r, { assignmentId: a.id, endsAt: a.endsAt?.toISOString() ?? null, durationMs: r.durationMs });
  const notice: Notice = { kind: 'activation_started', request: requestView(deps.directory, r, a.endsAt), assignment: assignmentView(deps.directory, a) };
  if (tellHolder) await sendTo(deps, uow, { kind: 'user', principalId: r.principalId }, noticeKeys.activated(r.id), { ...notice, personal: true });
  await notifyChannels(deps, uow, policyFor(deps, r.role, r.scope), 'activated', noticeKeys.activated(r.id), notice);
}
