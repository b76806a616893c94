/** Who may decide a request, and the pending requests an approver sees. */
import { isPimError } from '../errors.js';
import type { Actor, PimRequest } from '../types.js';
import { findPolicy, isAdmin, policyFor, samePrincipal, type PimDeps } from '../shared/index.js';

/** Who may decide a request (principal ids), self excluded at decision time. */
export function approversFor(deps: PimDeps, r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): string[] {
  if (r.kind === 'activate' || r.kind === 'extend') {
    const policy = policyFor(deps, r.role, r.scope);
    if (policy.approval.approvers.length > 0) return deps.directory.expand(policy.approval.approvers);
  }
  return deps.directory.adminIds();
}

/** Whether a principal is one of a request's approvers (the requester still may not decide their own). */
export function canDecide(deps: PimDeps, principalId: string, r: Pick<PimRequest, 'kind' | 'role' | 'scope'>): boolean {
  return approversFor(deps, r).some((id) => samePrincipal(id, principalId));
}

/**
 * A request's approvers other than its requester: the people asked to decide it. None when its
 * role or scope has left the config (nobody can decide it any more).
 */
export function otherApprovers(deps: PimDeps, r: Pick<PimRequest, 'kind' | 'role' | 'scope' | 'principalId'>): string[] {
  try {
    return approversFor(deps, r).filter((id) => !samePrincipal(id, r.principalId));
  } catch (e) {
    if (isPimError(e) && (e.code === 'unknown_role' || e.code === 'unknown_scope')) return [];
    throw e;
  }
}

/** Who may see a request's approval card as it is now: its requester, its approvers and the admins. */
export function maySee(deps: PimDeps, actor: Actor, r: Pick<PimRequest, 'kind' | 'role' | 'scope' | 'principalId'>): boolean {
  if (samePrincipal(r.principalId, actor.principal.id) || isAdmin(deps, actor)) return true;
  return otherApprovers(deps, r).some((id) => samePrincipal(id, actor.principal.id));
}

/**
 * Roles and scopes whose approval can dead-end, as sentences for the start's log: nobody can
 * approve them, or one of their eligible members is the only approver (whose own requests then
 * have nobody to decide them). Read from the config and the current eligible assignments.
 */
export async function approvalDeadEnds(deps: PimDeps, now: Date): Promise<string[]> {
  const out: string[] = [];
  for (const role of deps.roles) {
    for (const { path, policy } of role.scopes) {
      if (!policy.approval.required) continue;
      const approvers = approversFor(deps, { kind: 'activate', role: role.name, scope: path });
      const where = `${role.name} at ${path}`;
      if (approvers.length === 0) {
        out.push(`${where} needs approval but has no approvers (and no admins to fall back on): every request will time out`);
        continue;
      }
      if (approvers.length > 1) continue;
      const only = approvers[0] as string;
      const eligible = await deps.store.transaction((uow) => uow.assignments.find({ role: role.name, scope: path, type: 'eligible', currentAt: now }));
      if (deps.directory.expand(eligible.map((a) => a.principalId)).some((id) => samePrincipal(id, only))) {
        out.push(`${where}: ${only} is its only approver and is eligible for it, so nobody can approve ${only}'s own requests; add another approver`);
      }
    }
  }
  return out;
}

/** Whether approving this request asks the approver for an MFA code (`approval.requireMfa`). */
export function approvalNeedsMfa(deps: PimDeps, r: Pick<PimRequest, 'role' | 'scope'>): boolean {
  return findPolicy(deps, r.role, r.scope)?.approval.requireMfa === true;
}

/** Pending requests the actor may decide. */
export async function pendingApprovals(deps: PimDeps, actor: Actor): Promise<PimRequest[]> {
  const pending = await deps.store.transaction((uow) => uow.requests.find({ states: ['pending_approval'] }));
  return pending.filter((r) => r.principalId !== actor.principal.id && canDecide(deps, actor.principal.id, r));
}
