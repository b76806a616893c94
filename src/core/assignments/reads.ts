/** What a person holds and has asked for. */
import type { Actor, Assignment, PimRequest, Policy } from '../types.js';
import { currentAssignmentsOf, normaliseId, OPEN_STATES, type PimDeps } from '../shared/index.js';

export interface RoleStatus {
  role: string;
  scope: string;
  policy: Policy;
  eligible: Assignment | null;
  active: Assignment | null;
  pending: PimRequest | null;
}

/** The actor's roles: each eligible or active role/scope with its state. */
export async function myRoles(deps: PimDeps, actor: Actor): Promise<RoleStatus[]> {
  const now = deps.clock.now();
  return deps.store.transaction(async (uow) => {
    const mine = await currentAssignmentsOf(deps, uow, actor.principal.id, now);
    const open = await uow.requests.find({ principalId: actor.principal.id, states: OPEN_STATES });
    const byKey = new Map<string, RoleStatus>();
    for (const a of mine) {
      const role = deps.roles.find((r) => r.name === a.role);
      const scope = role?.scopes.find((s) => s.path === a.scope);
      if (!role || !scope) continue;
      const key = `${a.role}\u0000${a.scope}`;
      const entry = byKey.get(key) ?? { role: a.role, scope: a.scope, policy: scope.policy, eligible: null, active: null, pending: null };
      if (a.type === 'eligible') entry.eligible = entry.eligible ?? a;
      else entry.active = entry.active ?? a;
      byKey.set(key, entry);
    }
    for (const r of open) {
      const entry = byKey.get(`${r.role}\u0000${r.scope}`);
      if (entry && r.kind === 'activate') entry.pending = r;
    }
    return [...byKey.values()].sort((a, b) => a.role.localeCompare(b.role) || a.scope.localeCompare(b.scope));
  });
}

/** The actor's open requests. */
export async function myRequests(deps: PimDeps, actor: Actor): Promise<PimRequest[]> {
  return deps.store.transaction((uow) => uow.requests.find({ principalId: actor.principal.id, states: OPEN_STATES }));
}

/** A request by its id, typed any way (`r-h2z5wtw`, `#R-H2Z5WTW`). */
export async function getRequest(deps: PimDeps, id: string): Promise<PimRequest | null> {
  return deps.store.transaction((uow) => uow.requests.get(normaliseId(id)));
}
