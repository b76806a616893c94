/** The home view model (Slack App Home, Teams personal tab) for one actor, from the core's reads. */
import { roleRow, type HomeView } from '../../cards/model.js';
import { type Actor, type Pim, requestView } from '../../src/core/index.js';

/** The actor's roles, open requests, the approvals and the access-review items waiting for them. */
export async function homeFor(pim: Pim, actor: Actor): Promise<HomeView> {
  // One read after another: a PGlite database runs one transaction at a time anyway.
  const roles = await pim.myRoles(actor);
  const requests = await pim.myRequests(actor);
  const approvals = await pim.pendingApprovals(actor);
  const reviews = await pim.pendingReviews(actor);
  return {
    user: { id: actor.principal.id, name: actor.principal.name },
    roles: roles.map(roleRow),
    requests: requests.map((r) => requestView(pim.directory, r)),
    approvals: approvals.map((r) => requestView(pim.directory, r)),
    reviewsWaiting: reviews.reduce((n, r) => n + r.items.filter((i) => i.decision === null).length, 0),
    isAdmin: pim.isAdmin(actor),
    ...(pim.isAdmin(actor) || pim.isAuditor(actor) ? { openAlerts: await pim.openAlertCount() } : {}),
  };
}
