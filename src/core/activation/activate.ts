/** Activating an eligible role (plan, activate) and cancelling a request. */
import { PimError } from '../errors.js';
import { lockKeys, noticeKeys } from '../keys.js';
import { checkActivation, defaultDuration, findRole, findScope, missingInputs, type MissingInput } from '../policy.js';
import type { Actor, Assignment, PimRequest, Policy, Role } from '../types.js';
import { requestView } from '../views.js';
import { announceApprovalRequest, otherApprovers, updateApprovalCards } from '../approval/index.js';
import {
  alreadyDecided,
  answeredInChat,
  audit,
  auditRefusal,
  currentAssignmentsOf,
  isAdmin,
  newRequest,
  normaliseId,
  notifyChannels,
  OPEN_STATES,
  startGrant,
  verifyMfa,
  type PimDeps,
} from '../shared/index.js';

export interface ActivateInput {
  role: string;
  scope?: string;
  durationMs?: number;
  reason?: string | null;
  ticket?: string | null;
  startAt?: Date | null;
  mfaCode?: string | null;
}

export interface ActivationPlan {
  role: Role;
  /** Scopes the actor is eligible for in this role. */
  eligibleScopes: string[];
  scope: string | null;
  policy: Policy | null;
  missing: MissingInput[];
  durationMs: number;
}

export type ActivateResult =
  | { outcome: 'active'; request: PimRequest; assignment: Assignment }
  | { outcome: 'granting'; request: PimRequest }
  | { outcome: 'pending_approval'; request: PimRequest; approvers: string[] }
  | { outcome: 'scheduled'; request: PimRequest };

/**
 * Works out what an activation needs before it is made: which scopes the actor is eligible for
 * and which inputs the policy asks for that were not given. Throws unknown_role / not_eligible.
 */
export async function planActivation(deps: PimDeps, actor: Actor, input: ActivateInput): Promise<ActivationPlan> {
  const now = deps.clock.now();
  const role = findRole(deps.roles, input.role);
  const eligibleScopes = await deps.store.transaction(async (uow) => {
    const mine = await currentAssignmentsOf(deps, uow, actor.principal.id, now);
    return [...new Set(mine.filter((a) => a.role === role.name && a.type === 'eligible').map((a) => a.scope))];
  });
  if (input.scope) findScope(role, input.scope);
  if (eligibleScopes.length === 0) throw new PimError('not_eligible', { role: role.name, scope: input.scope });
  let scope: string | null = null;
  if (input.scope) {
    scope = eligibleScopes.find((s) => s.toLowerCase() === input.scope?.toLowerCase()) ?? null;
    if (!scope) throw new PimError('not_eligible', { role: role.name, scope: input.scope });
  } else if (eligibleScopes.length === 1) {
    scope = eligibleScopes[0] as string;
  }
  const policy = scope ? findScope(role, scope).policy : null;
  const missing: MissingInput[] = policy ? missingInputs(policy, input) : ['scope'];
  return { role, eligibleScopes, scope, policy, missing, durationMs: input.durationMs ?? (policy ? defaultDuration(policy) : 0) };
}

/** Activates an eligible role: at once, at a scheduled time, or after approval. */
export async function activate(deps: PimDeps, actor: Actor, input: ActivateInput): Promise<ActivateResult> {
  return auditRefusal(deps, actor, 'activate', input.role, { role: input.role, scope: input.scope }, async () => {
    const plan = await planActivation(deps, actor, input);
    if (!plan.scope || !plan.policy) {
      throw new PimError('scope_required', { role: plan.role.name, scopes: plan.eligibleScopes.join(', ') });
    }
    const { role, scope, policy } = { role: plan.role, scope: plan.scope, policy: plan.policy };
    const now = deps.clock.now();
    const durationMs = plan.durationMs;
    checkActivation(role.name, policy, { ...input, durationMs }, now);
    const startAt = input.startAt && input.startAt.getTime() > now.getTime() ? input.startAt : null;

    return deps.store.transaction(async (uow) => {
      // One open activation or request per principal, role and scope: concurrent activations
      // queue on this lock, and each reads what the one before it committed.
      await uow.locks.lock(lockKeys.activation(actor.principal.id, role.name, scope));
      // Read the clock again once the lock is held: the activation committed before it may have
      // started after `now` was read, and would not be current at `now`.
      const active = await uow.assignments.find({ principalId: actor.principal.id, role: role.name, scope, type: 'active', currentAt: deps.clock.now() });
      if (active.length > 0) {
        throw new PimError('already_active', { role: role.name, until: active[0]?.endsAt?.toISOString() ?? null });
      }
      const open = await uow.requests.find({ principalId: actor.principal.id, role: role.name, states: OPEN_STATES });
      const dup = open.find((r) => r.scope === scope && r.kind === 'activate');
      if (dup) {
        throw new PimError('invalid_input', {
          message: `You already have request ${dup.id} for ${role.name} (${dup.state.replace('_', ' ')}). Cancel it with \`cancel ${dup.id}\` or wait for it.`,
        });
      }
      if (policy.requireMfa) await verifyMfa(deps, uow, actor, role.name, input.mfaCode, now);
      const request = newRequest(
        {
          id: deps.ids.requestId(),
          kind: 'activate',
          principalId: actor.principal.id,
          role: role.name,
          scope,
          durationMs,
          reason: input.reason,
          ticket: input.ticket,
          startAt,
          state: policy.approval.required ? 'pending_approval' : startAt ? 'scheduled' : 'approved',
          approvalTimeoutMs: policy.approval.timeoutMs,
        },
        now,
      );
      await uow.requests.insert(request);
      await audit(deps, uow, actor.principal.id, 'request.created', request, {
        kind: 'activate',
        durationMs,
        reason: request.reason,
        ticket: request.ticket,
        startAt: startAt?.toISOString() ?? null,
        mfa: policy.requireMfa ? 'verified' : 'not_required',
      });

      if (request.state === 'pending_approval') {
        const approvers = otherApprovers(deps, request);
        await announceApprovalRequest(deps, uow, request, approvers, answeredInChat(actor));
        await notifyChannels(deps, uow, policy, 'requested', noticeKeys.requested(request.id), { kind: 'approval_request', request: requestView(deps.directory, request) });
        return { outcome: 'pending_approval', request, approvers };
      }
      if (request.state === 'scheduled') {
        await audit(deps, uow, actor.principal.id, 'request.scheduled', request, { startAt: startAt?.toISOString() });
        return { outcome: 'scheduled', request };
      }
      return startGrant(deps, uow, request, now, { tellHolder: !answeredInChat(actor) });
    });
  });
}

/** Cancels the actor's own pending or scheduled request (an admin may cancel anyone's). */
export async function cancel(deps: PimDeps, actor: Actor, requestId: string): Promise<PimRequest> {
  const id = normaliseId(requestId);
  return auditRefusal(deps, actor, 'cancel', id, { requestId: id }, () =>
    deps.store.transaction(async (uow) => {
      const r = await uow.requests.get(id);
      if (!r) throw new PimError('not_found', { id });
      if (r.principalId !== actor.principal.id && !isAdmin(deps, actor)) throw new PimError('not_requester', { id });
      const now = deps.clock.now();
      const updated = await uow.requests.transition(id, ['pending_approval', 'scheduled'], { state: 'canceled', updatedAt: now });
      if (!updated) throw alreadyDecided(deps, r);
      await audit(deps, uow, actor.principal.id, 'request.canceled', updated, {});
      await updateApprovalCards(deps, uow, updated, 'canceled');
      return updated;
    }),
  );
}
