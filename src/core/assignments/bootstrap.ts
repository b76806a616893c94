/** `bootstrap.assignments` from the config: applied once, to an empty database. */
import { lockKeys } from '../keys.js';
import { findRole } from '../policy.js';
import type { AssignmentType } from '../types.js';
import { audit, newAssignment, pickScope, type PimDeps } from '../shared/index.js';

export interface BootstrapItem {
  principal: string;
  role: string;
  scope?: string;
  type: AssignmentType;
  endsAt: Date | null;
}

/** Applies `bootstrap.assignments` once, to a database that has none. Returns how many were made. */
export async function bootstrap(deps: PimDeps, items: BootstrapItem[]): Promise<number> {
  const now = deps.clock.now();
  return deps.store.transaction(async (uow) => {
    // Replicas starting together on an empty database: the second waits here, then counts the
    // first one's assignments (a new statement sees what committed meanwhile) and applies nothing.
    await uow.locks.lock(lockKeys.bootstrap);
    if ((await uow.assignments.count()) > 0) return 0;
    for (const item of items) {
      const principal = item.principal.startsWith('group:') ? item.principal : deps.directory.require(item.principal).id;
      const role = findRole(deps.roles, item.role);
      const scope = pickScope(role, item.scope);
      const a = newAssignment({ id: deps.ids.id(), principalId: principal, role: role.name, scope, type: item.type, endsAt: item.endsAt, requestId: null, createdBy: 'bootstrap' }, now);
      await uow.assignments.insert(a);
      await audit(deps, uow, 'bootstrap', 'assignment.created', a, { type: a.type, endsAt: a.endsAt?.toISOString() ?? null, source: 'bootstrap' });
    }
    return items.length;
  });
}
