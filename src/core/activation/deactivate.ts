/** Ending one's own activation early, and finding the activation a command means. */
import { PimError } from '../errors.js';
import { findRole } from '../policy.js';
import type { UnitOfWork } from '../ports.js';
import type { Actor, Assignment } from '../types.js';
import { answeredInChat, auditRefusal, finishAssignment, type PimDeps } from '../shared/index.js';

/** Ends the actor's activation of a role early. */
export async function deactivate(deps: PimDeps, actor: Actor, roleName: string, scope?: string): Promise<Assignment> {
  return auditRefusal(deps, actor, 'deactivate', roleName, { role: roleName, scope }, async () => {
    const role = findRole(deps.roles, roleName);
    const now = deps.clock.now();
    return deps.store.transaction(async (uow) => {
      const target = await findActivation(uow, actor.principal.id, role.name, scope, now);
      if (!target) throw new PimError('not_active', { role: role.name });
      const ended = await uow.assignments.end(target.id, now, 'deactivated');
      if (!ended) throw new PimError('not_active', { role: role.name });
      // Their command's answer says it ended: no DM repeats it.
      await finishAssignment(deps, uow, actor.principal.id, ended, 'deactivated', now, { tellHolder: !answeredInChat(actor) });
      return ended;
    });
  });
}

/** The principal's current activation of a role (at `scope` when given); null when none, scope_required when several. */
export async function findActivation(uow: UnitOfWork, principalId: string, role: string, scope: string | undefined, now: Date): Promise<Assignment | null> {
  const active = (await uow.assignments.find({ principalId, role, type: 'active', currentAt: now })).filter(
    (a) => a.requestId !== null && (!scope || a.scope.toLowerCase() === scope.toLowerCase()),
  );
  if (active.length > 1) throw new PimError('scope_required', { role, scopes: active.map((a) => a.scope).join(', ') });
  return active[0] ?? null;
}
