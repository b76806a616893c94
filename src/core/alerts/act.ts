/**
 * What an alert card's buttons lead to: the items it is about (the assignments of its role, or the
 * one person's), and the access review of its role an admin can start from it.
 */
import { PimError } from '../errors.js';
import { subjects } from '../keys.js';
import type { AlertView, AssignmentView } from '../notices.js';
import { auditRefusal, requireAdmin, requireAuditReader, type PimDeps } from '../shared/index.js';
import type { Actor, Alert, AlertRule, ReviewReviewers } from '../types.js';
import { assignmentView } from '../views.js';
import { alertView } from './scan.js';

/**
 * The rules whose answer is a review of who holds the role, and who reviews: people not using a
 * role say themselves whether they still need it (Entra's advice for "redundant assignment");
 * too many holders, or standing access, is for the role's approvers to judge.
 */
const REVIEWERS: Partial<Record<AlertRule, ReviewReviewers>> = {
  unused_eligible: { kind: 'self' },
  too_many_critical_holders: { kind: 'approvers' },
  permanent_active: { kind: 'approvers' },
};

/** Whether an alert's card offers "Start a review". */
export function reviewable(a: Pick<AlertView, 'rule' | 'role' | 'state'>): boolean {
  return a.state === 'open' && a.role !== null && REVIEWERS[a.rule] !== undefined;
}

/** The rules about one person's assignment: their items are that person's, not every holder's. */
const ABOUT_ONE: ReadonlySet<AlertRule> = new Set(['frequent_activations', 'unused_eligible', 'permanent_active', 'break_glass', 'outside_pim']);

async function getAlert(deps: PimDeps, id: string): Promise<Alert> {
  const a = await deps.store.transaction((uow) => uow.alerts.get(id));
  if (!a) throw new PimError('unknown_alert', { id });
  return a;
}

/** An alert and what it is about now (admins and auditors): the current assignments of its role at its scope. */
export async function alertItems(deps: PimDeps, actor: Actor, id: string): Promise<{ alert: AlertView; items: AssignmentView[] }> {
  const alertId = id.trim().toUpperCase();
  return auditRefusal(deps, actor, 'alerts', subjects.alert(alertId), {}, async () => {
    requireAuditReader(deps, actor);
    const { a, held } = await deps.store.transaction(async (uow) => {
      const found = await uow.alerts.get(alertId);
      if (!found) throw new PimError('unknown_alert', { id: alertId });
      const a = alertView(deps, found);
      return { a, held: a.role ? await uow.assignments.find({ role: a.role, currentAt: deps.clock.now() }) : [] };
    });
    if (!a.role) return { alert: a, items: [] };
    const one = ABOUT_ONE.has(a.rule) ? (a.principal?.id ?? null) : null;
    const items = held
      .filter((x) => (a.scope === null || x.scope === a.scope) && (one === null || x.principalId === one))
      .sort((x, y) => x.principalId.localeCompare(y.principalId) || x.type.localeCompare(y.type) || x.scope.localeCompare(y.scope));
    return { alert: a, items: items.map((x) => assignmentView(deps.directory, x)) };
  });
}

/**
 * An admin's "Start a review" on an open alert: what to review (the alert's role and scope) and
 * by whom. The review itself is started by the access-review feature (Pim.reviewFromAlert).
 */
export async function reviewTarget(deps: PimDeps, actor: Actor, id: string): Promise<{ alert: AlertView; role: string; scope: string | null; reviewers: ReviewReviewers }> {
  const alertId = id.trim().toUpperCase();
  return auditRefusal(deps, actor, 'review-start', subjects.alert(alertId), { alert: alertId }, async () => {
    requireAdmin(deps, actor);
    const a = alertView(deps, await getAlert(deps, alertId));
    const reviewers = REVIEWERS[a.rule];
    if (!a.role || !reviewers) {
      throw new PimError('invalid_input', { message: `Alert ${a.id} is not about who holds a role, so there is nothing to review. Start one with review start <role>.` });
    }
    if (a.state !== 'open') throw new PimError('alert_closed', { id: a.id, state: a.state, by: a.dismissedBy?.name });
    return { alert: a, role: a.role, scope: a.scope, reviewers };
  });
}
