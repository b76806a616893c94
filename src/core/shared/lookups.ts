/** Small reads every feature needs: ids as typed, roles and policies, a principal's current assignments. */
import { PimError } from '../errors.js';
import { findRole, findScope } from '../policy.js';
import type { GrantTarget, UnitOfWork } from '../ports.js';
import type { Assignment, Policy, RequestState, Role } from '../types.js';
import type { PimDeps } from './deps.js';

/** Request states that still hold a principal's role and scope (one open request each, see activate). */
export const OPEN_STATES: RequestState[] = ['pending_approval', 'approved', 'scheduled'];

/** Request ids are shown upper-case; accept them typed any way. */
export function normaliseId(id: string): string {
  return id.trim().replace(/^#/, '').toUpperCase();
}

/** Principal ids compare case-insensitively (e-mail addresses, directory object ids). */
export function samePrincipal(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The policy of a role at a scope; throws unknown_role / unknown_scope. */
export function policyFor(deps: PimDeps, roleName: string, scope: string): Policy {
  return findScope(findRole(deps.roles, roleName), scope).policy;
}

/** The policy of a role at a scope, or undefined when the config no longer has them. */
export function findPolicy(deps: PimDeps, roleName: string, scope: string): Policy | undefined {
  return deps.roles.find((r) => r.name === roleName)?.scopes.find((s) => s.path === scope)?.policy;
}

/** The scope named, or the role's only one; scope_required when it has several and none was named. */
export function pickScope(role: Role, scope: string | undefined): string {
  if (scope) return findScope(role, scope).path;
  if (role.scopes.length === 1) return (role.scopes[0] as { path: string }).path;
  throw new PimError('scope_required', { role: role.name, scopes: role.scopes.map((s) => s.path).join(', ') });
}

/** Current assignments of a principal, directly or through its groups. */
export async function currentAssignmentsOf(deps: PimDeps, uow: UnitOfWork, principalId: string, now: Date): Promise<Assignment[]> {
  const ids = [principalId, ...deps.directory.groupsOf(principalId).map((g) => `group:${g}`)];
  const lists = await Promise.all(ids.map((id) => uow.assignments.find({ principalId: id, currentAt: now })));
  return lists.flat();
}

/** A person as notices name them: id and display name (the id when the directory no longer has them). */
export function person(deps: PimDeps, id: string): { id: string; name: string } {
  return { id, name: deps.directory.get(id)?.name ?? id };
}

/** What a grant provider is told about an assignment. */
export function targetOf(a: Assignment): GrantTarget {
  return { assignmentId: a.id, principalId: a.principalId, role: a.role, scope: a.scope, endsAt: a.endsAt, requestId: a.requestId };
}
