/** Expiry warnings: an activation's `warnBefore`, a time-bound assignment's 14 days and 1 day. */
import { DAY } from '../duration.js';
import { noticeKeys } from '../keys.js';
import type { AssignmentWarning } from '../ports.js';
import { assignmentView } from '../views.js';
import { sendTo, type PimDeps } from '../shared/index.js';

/** How long before its end a time-bound assignment's holder is warned (Entra PIM: 14 days and 1 day). */
export const ASSIGNMENT_WARNINGS: Readonly<Record<AssignmentWarning, number>> = { '14d': 14 * DAY, '1d': DAY };

/** The roles and scopes whose activations are warned, grouped by how long before their end. */
function warningGroups(deps: PimDeps): Map<number, { role: string; scope: string }[]> {
  const groups = new Map<number, { role: string; scope: string }[]>();
  for (const role of deps.roles) {
    for (const s of role.scopes) {
      if (s.policy.warnBeforeMs <= 0) continue;
      groups.set(s.policy.warnBeforeMs, [...(groups.get(s.policy.warnBeforeMs) ?? []), { role: role.name, scope: s.path }]);
    }
  }
  return groups;
}

/** Warns holders of activations ending within their policy's `warnBefore`; each once per end. */
export async function sendActivationWarnings(deps: PimDeps, batch: number): Promise<number> {
  let sent = 0;
  for (const [warnBeforeMs, only] of warningGroups(deps)) {
    for (;;) {
      const n = await deps.store.transaction(async (uow) => {
        const now = deps.clock.now();
        const due = await uow.assignments.dueForWarning(now, warnBeforeMs, batch, only);
        for (const a of due) {
          if (!a.endsAt || !(await uow.assignments.markWarned(a.id, now))) continue;
          if (a.principalId.startsWith('group:')) continue;
          await sendTo(deps, uow, { kind: 'user', principalId: a.principalId }, noticeKeys.activationWarning(a.id, a.endsAt), {
            kind: 'expiry_warning',
            assignment: assignmentView(deps.directory, a),
            warning: 'activation',
          });
          sent++;
        }
        return due.length;
      });
      if (n < batch) break;
    }
  }
  return sent;
}

/**
 * Warns holders of time-bound assignments (eligible, or active and made by an admin) 14 days
 * and 1 day before the end, each once. The 1-day warning goes first: when both are due (the bot
 * was down), only it is sent and the 14-day one is recorded as superseded.
 */
export async function sendAssignmentWarnings(deps: PimDeps, batch: number): Promise<number> {
  let sent = 0;
  for (const which of ['1d', '14d'] as const) {
    const leadMs = ASSIGNMENT_WARNINGS[which];
    for (;;) {
      const n = await deps.store.transaction(async (uow) => {
        const now = deps.clock.now();
        const due = await uow.assignments.dueForAssignmentWarning(which, leadMs, now, batch);
        const marked = new Set(await uow.assignments.markAssignmentWarned(due.map((a) => a.id), which, now));
        if (which === '1d') await uow.assignments.markAssignmentWarned([...marked], '14d', now);
        for (const a of due) {
          if (!marked.has(a.id) || !a.endsAt || a.principalId.startsWith('group:')) continue;
          if (which === '14d' && a.endsAt.getTime() - now.getTime() <= ASSIGNMENT_WARNINGS['1d']) continue;
          await sendTo(deps, uow, { kind: 'user', principalId: a.principalId }, noticeKeys.assignmentWarning(which, a.id, a.endsAt), {
            kind: 'expiry_warning',
            assignment: assignmentView(deps.directory, a),
            warning: which,
          });
          sent++;
        }
        return due.length;
      });
      if (n < batch) break;
    }
  }
  return sent;
}
