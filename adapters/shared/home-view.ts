/** The home view model (Slack App Home, Teams personal tab) for one actor, from the core's reads. */
import { roleRow, type HomeView } from '../../cards/model.js';
import { type Actor, type Pim, requestView } from '../../src/core/index.js';

/** The actor's roles, open requests and the approvals waiting for them. Access reviews are not built yet (0). */
export async function homeFor(pim: Pim, actor: Actor): Promise<HomeView> {
  // One read after another: a PGlite database runs one transaction at a time anyway.
  const roles = await pim.myRoles(actor);
  const requests = await pim.myRequests(actor);
  const approvals = await pim.pendingApprovals(actor);
  return {
    user: { id: actor.principal.id, name: actor.principal.name },
    roles: roles.map(roleRow),
    requests: requests.map((r) => requestView(pim.directory, r)),
    approvals: approvals.map((r) => requestView(pim.directory, r)),
    reviewsWaiting: 0,
    isAdmin: pim.isAdmin(actor),
    ...(pim.isAdmin(actor) || pim.isAuditor(actor) ? { openAlerts: await pim.openAlertCount() } : {}),
  };
}
