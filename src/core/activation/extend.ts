/** Adding time: extending an activation within its policy, or asking admins to renew an eligible assignment. */
import { PimError } from '../errors.js';
import { lockKeys, noticeKeys } from '../keys.js';
import { checkExtension, checkReason, extensionRoom, findRole, findScope, missingInputs, RENEW_WINDOW_MS, type MissingInput } from '../policy.js';
import type { UnitOfWork } from '../ports.js';
import type { Actor, Assignment, PimRequest, Policy, Role } from '../types.js';
import { assignmentView, requestView } from '../views.js';
import { announceApprovalRequest, otherApprovers } from '../approval/index.js';
import { answeredInChat, audit, auditRefusal, currentAssignmentsOf, newRequest, notifyChannels, sendTo, verifyMfa, type PimDeps } from '../shared/index.js';
import { findActivation } from './deactivate.js';

export interface ExtendInput {
  role: string;
  /** Which activation, when the role is active at several scopes. */
  scope?: string;
  /** Time to add to the activation's end (or, renewing, to the eligible assignment's). */
  durationMs: number;
  reason?: string | null;
  ticket?: string | null;
  mfaCode?: string | null;
}

/** What extending one activation needs (`Pim.planExtension`). */
export interface ExtensionPlan {
  role: Role;
  scope: string;
  policy: Policy;
  activation: Assignment;
  /** How much longer the activation may run: `maxActivation` counted from its start, less what it has. */
  roomMs: number;
  missing: MissingInput[];
}

export type ExtendResult = { outcome: 'extended'; assignment: Assignment } | { outcome: 'pending_approval'; request: PimRequest; approvers: string[] };

/**
 * Works out what extending the actor's activation of a role needs: which activation, how much
 * longer it may run (the policy's `maxActivation` counts from its start), and which inputs the
 * policy asks for that were not given. Null when the role is not active for the actor (`extend`
 * then asks to renew an eligible assignment that ends soon). Throws unknown_role / scope_required.
 */
export async function planExtension(deps: PimDeps, actor: Actor, input: Omit<ExtendInput, 'durationMs'>): Promise<ExtensionPlan | null> {
  const role = findRole(deps.roles, input.role);
  if (input.scope) findScope(role, input.scope);
  const now = deps.clock.now();
  const activation = await deps.store.transaction((uow) => findActivation(uow, actor.principal.id, role.name, input.scope, now));
  if (!activation) return null;
  const policy = findScope(role, activation.scope).policy;
  return { role, scope: activation.scope, policy, activation, roomMs: extensionRoom(policy, activation, now), missing: missingInputs(policy, input) };
}

/**
 * Adds time. On an active activation: extends it within the policy, asking what activation asks
 * (reason, ticket, MFA code, approval), and never past `maxActivation` from the activation's
 * start. On an eligible assignment ending within 14 days: asks admins to renew it.
 */
export async function extend(deps: PimDeps, actor: Actor, input: ExtendInput): Promise<ExtendResult> {
  return auditRefusal(deps, actor, 'extend', input.role, { role: input.role, scope: input.scope }, async () => {
    const role = findRole(deps.roles, input.role);
    if (input.scope) findScope(role, input.scope);
    const now = deps.clock.now();
    return deps.store.transaction(async (uow) => {
      const activation = await findActivation(uow, actor.principal.id, role.name, input.scope, now);
      if (activation) return extendActivation(deps, uow, actor, role, activation, input, now);
      return requestRenewal(deps, uow, actor, role, input, now);
    });
  });
}

async function extendActivation(deps: PimDeps, uow: UnitOfWork, actor: Actor, role: Role, found: Assignment, input: ExtendInput, now: Date): Promise<ExtendResult> {
  const policy = findScope(role, found.scope).policy;
  // The lock activate takes: concurrent extensions of one activation queue here, and each
  // re-reads the end the one before it committed.
  await uow.locks.lock(lockKeys.activation(actor.principal.id, role.name, found.scope));
  const a = await uow.assignments.get(found.id);
  if (!a || a.endedAt || (a.endsAt && a.endsAt.getTime() <= now.getTime())) throw new PimError('not_active', { role: role.name });
  checkExtension(role.name, policy, a, input, now);
  const open = (await uow.requests.find({ principalId: actor.principal.id, role: role.name, states: ['pending_approval'] })).find(
    (r) => r.kind === 'extend' && r.targetAssignmentId === a.id,
  );
  if (open) {
    throw new PimError('invalid_input', {
      message: `You already have extension request ${open.id} for ${role.name} waiting for approval. Cancel it with \`cancel ${open.id}\` or wait for it.`,
    });
  }
  if (policy.requireMfa) await verifyMfa(deps, uow, actor, role.name, input.mfaCode, now, 'extend');
  const reason = input.reason ?? null;
  const ticket = input.ticket?.trim() || null;
  const checks = { reason: reason?.trim() || null, ticket, mfa: policy.requireMfa ? 'verified' : 'not_required' };
  const request = (state: 'completed' | 'pending_approval', approvalTimeoutMs?: number): PimRequest =>
    newRequest({ id: deps.ids.requestId(), kind: 'extend', principalId: actor.principal.id, role: role.name, scope: a.scope, durationMs: input.durationMs, reason, ticket, state, approvalTimeoutMs, targetAssignmentId: a.id }, now);
  if (!policy.approval.required) {
    const newEnd = new Date((a.endsAt ?? now).getTime() + input.durationMs);
    const updated = await uow.assignments.setEnd(a.id, newEnd);
    if (!updated) throw new PimError('not_active', { role: role.name });
    const req = request('completed');
    await uow.requests.insert(req);
    await audit(deps, uow, actor.principal.id, 'activation.extended', req, { assignmentId: a.id, endsAt: newEnd.toISOString(), durationMs: input.durationMs, ...checks });
    if (!answeredInChat(actor)) {
      await sendTo(deps, uow, { kind: 'user', principalId: actor.principal.id }, noticeKeys.extended(req.id), {
        kind: 'activation_extended',
        assignment: assignmentView(deps.directory, updated),
        request: requestView(deps.directory, req, updated.endsAt),
      });
    }
    return { outcome: 'extended', assignment: updated };
  }
  const req = request('pending_approval', policy.approval.timeoutMs);
  await uow.requests.insert(req);
  await audit(deps, uow, actor.principal.id, 'request.created', req, { kind: 'extend', durationMs: input.durationMs, assignmentId: a.id, ...checks });
  const approvers = otherApprovers(deps, req);
  await announceApprovalRequest(deps, uow, req, approvers, answeredInChat(actor));
  await notifyChannels(deps, uow, policy, 'requested', noticeKeys.requested(req.id), { kind: 'approval_request', request: requestView(deps.directory, req) });
  return { outcome: 'pending_approval', request: req, approvers };
}

/** `extend` of a role that is not active: renewal of an eligible assignment ending within 14 days, decided by the admins. */
async function requestRenewal(deps: PimDeps, uow: UnitOfWork, actor: Actor, role: Role, input: ExtendInput, now: Date): Promise<ExtendResult> {
  const mine = await currentAssignmentsOf(deps, uow, actor.principal.id, now);
  const eligible = mine.filter(
    (a) => a.role === role.name && a.type === 'eligible' && a.principalId === actor.principal.id && a.endsAt && (!input.scope || a.scope.toLowerCase() === input.scope.toLowerCase()),
  );
  const soonest = eligible.sort((x, y) => (x.endsAt as Date).getTime() - (y.endsAt as Date).getTime())[0];
  if (!soonest) throw new PimError('not_active', { role: role.name });
  if ((soonest.endsAt as Date).getTime() - now.getTime() > RENEW_WINDOW_MS) {
    throw new PimError('renew_too_early', { role: role.name, until: (soonest.endsAt as Date).toISOString() });
  }
  checkReason(role.name, input.reason, true);
  const req = newRequest(
    {
      id: deps.ids.requestId(),
      kind: 'renew',
      principalId: actor.principal.id,
      role: role.name,
      scope: soonest.scope,
      durationMs: input.durationMs,
      reason: input.reason,
      ticket: null,
      state: 'pending_approval',
      approvalTimeoutMs: findScope(role, soonest.scope).policy.approval.timeoutMs,
      targetAssignmentId: soonest.id,
    },
    now,
  );
  await uow.requests.insert(req);
  await audit(deps, uow, actor.principal.id, 'request.created', req, { kind: 'renew', durationMs: input.durationMs });
  const approvers = otherApprovers(deps, req);
  await announceApprovalRequest(deps, uow, req, approvers, answeredInChat(actor));
  return { outcome: 'pending_approval', request: req, approvers };
}
