/** Admin assign and remove. */
import { PimError } from '../errors.js';
import { noticeKeys, outboxKeys } from '../keys.js';
import type { Notice } from '../notices.js';
import { checkAssignmentEnd, checkReason, findRole, findScope } from '../policy.js';
import type { Actor, Assignment, AssignmentType, Principal } from '../types.js';
import { assignmentView } from '../views.js';
import { audit, auditRefusal, finishAssignment, newAssignment, notifyChannels, person, pickScope, requireAdmin, sendTo, targetOf, type PimDeps } from '../shared/index.js';

export interface AssignInput {
  user: string;
  role: string;
  scope?: string;
  type: AssignmentType;
  durationMs?: number;
  until?: Date;
  reason?: string | null;
}

/** Admin: assigns a role eligible or active, permanent or time-bound, within the policy's limits. */
export async function assign(deps: PimDeps, actor: Actor, input: AssignInput): Promise<Assignment> {
  return auditRefusal(deps, actor, 'assign', input.role, { role: input.role, user: input.user }, async () => {
    requireAdmin(deps, actor);
    const principal = deps.directory.find(input.user);
    const role = findRole(deps.roles, input.role);
    const scope = pickScope(role, input.scope);
    const policy = findScope(role, scope).policy;
    const now = deps.clock.now();
    const reason = adminReason('assign', principal, role.name, input.reason);
    const endsAt = input.until ?? (input.durationMs ? new Date(now.getTime() + input.durationMs) : null);
    checkAssignmentEnd(role.name, policy, input.type, now, endsAt);
    return deps.store.transaction(async (uow) => {
      const existing = await uow.assignments.find({ principalId: principal.id, role: role.name, scope, type: input.type, currentAt: now });
      if (existing.some((a) => a.requestId === null)) {
        throw new PimError('already_assigned', { user: principal.name, role: role.name, scope, type: input.type });
      }
      const a = newAssignment({ id: deps.ids.id(), principalId: principal.id, role: role.name, scope, type: input.type, endsAt, requestId: null, createdBy: actor.principal.id }, now);
      await uow.assignments.insert(a);
      await audit(deps, uow, actor.principal.id, 'assignment.created', a, { type: a.type, endsAt: endsAt?.toISOString() ?? null, reason, permanent: endsAt === null });
      if (a.type === 'active' && !deps.provider.inline) {
        await uow.outbox.enqueue(outboxKeys.assignmentGrant(a.id), { type: 'grant', target: targetOf(a) });
      }
      const notice: Notice = { kind: 'assignment_changed', assignment: assignmentView(deps.directory, a), change: 'assigned', by: person(deps, actor.principal.id), reason };
      await sendTo(deps, uow, { kind: 'user', principalId: principal.id }, noticeKeys.assigned(a.id), { ...notice, personal: true });
      await notifyChannels(deps, uow, policy, 'assigned', noticeKeys.assigned(a.id), notice);
      return a;
    });
  });
}

/**
 * Admin: removes a user's assignments of a role (eligible and active) at a scope or all scopes.
 * A reason is required; the user is told it.
 */
export async function remove(deps: PimDeps, actor: Actor, user: string, roleName: string, scope?: string, reasonText?: string | null): Promise<Assignment[]> {
  return auditRefusal(deps, actor, 'remove', roleName, { role: roleName, user }, async () => {
    requireAdmin(deps, actor);
    const principal = deps.directory.find(user);
    const role = findRole(deps.roles, roleName);
    if (scope) findScope(role, scope);
    const reason = adminReason('remove', principal, role.name, reasonText);
    const now = deps.clock.now();
    return deps.store.transaction(async (uow) => {
      const current = (await uow.assignments.find({ principalId: principal.id, role: role.name, currentAt: now })).filter((a) => !scope || a.scope === scope);
      if (current.length === 0) throw new PimError('not_assigned', { user: principal.name, role: role.name, scope });
      const ended: Assignment[] = [];
      for (const a of current) {
        const e = await uow.assignments.end(a.id, now, 'removed');
        if (!e) continue;
        ended.push(e);
        await finishAssignment(deps, uow, actor.principal.id, e, 'removed', now, { reason });
      }
      return ended;
    });
  });
}

/** The reason an admin gives for assign or remove: required (the user is told it), at most 500 characters. */
function adminReason(command: 'assign' | 'remove', user: Principal, role: string, reason: string | null | undefined): string {
  const text = reason?.trim() ?? '';
  if (!text) throw new PimError('reason_required', { role, command, user: user.name });
  checkReason(role, text, true);
  return text;
}
