/** Whether an actor may dismiss an alert now: what a Dismiss button asks before it opens its reason form. */
import { PimError } from '../errors.js';
import { subjects } from '../keys.js';
import type { AlertView } from '../notices.js';
import { auditRefusal, person, requireAdmin, type PimDeps } from '../shared/index.js';
import type { Actor } from '../types.js';
import { alertView } from './scan.js';

/**
 * The alert, when the actor (an admin) may dismiss it now: it exists and is open. Otherwise the
 * refusal `dismissAlert` would give (`not_admin`, `auditor_read_only`, `unknown_alert`,
 * `alert_closed`), audited as a refused dismissal, and nothing changes.
 */
export async function dismissable(deps: PimDeps, actor: Actor, id: string): Promise<AlertView> {
  const alertId = id.trim().toUpperCase();
  return auditRefusal(deps, actor, 'alert-dismiss', subjects.alert(alertId), {}, async () => {
    requireAdmin(deps, actor);
    const a = await deps.store.transaction((uow) => uow.alerts.get(alertId));
    if (!a) throw new PimError('unknown_alert', { id: alertId });
    if (a.state !== 'open') throw new PimError('alert_closed', { id: a.id, state: a.state, by: a.dismissedBy ? person(deps, a.dismissedBy).name : undefined });
    return alertView(deps, a);
  });
}
