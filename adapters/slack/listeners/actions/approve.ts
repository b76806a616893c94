/**
 * Approve on an approval card (or the App Home). The decision is the core's: first decision wins,
 * never by the requester, only by an approver. A refused press changes nothing and gets an
 * ephemeral explanation (for a decided request: its current state). Every copy of the card is
 * updated through the outbox, not here. When the role's policy asks approvers for an MFA code
 * (`approval.requireMfa`), the press opens the approve modal instead and the decision is made
 * when it is submitted with the code (views/approve.ts).
 */
import { slackApproveModal } from '../../../../cards/slack/index.js';
import { approveFormFor, decide } from '../../../shared/commands.js';
import { refreshHome } from '../../answer.js';
import type { SlackDeps } from '../../deps.js';
import { withOrigin } from '../../origin.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function approvePressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('requestId' in hint)) return tell(OUTDATED);
    const stepUp = await approveFormFor(deps.pim, actor, hint.requestId);
    if (stepUp.needed && args.body.trigger_id) {
      await to.client.views.open({ trigger_id: args.body.trigger_id, view: withOrigin(slackApproveModal(stepUp.form), to.origin) });
      return;
    }
    // No code needed, or the presser may not decide it: the core refuses (and audits) as it should.
    const result = await decide(deps.pim, actor, hint.requestId, 'approved', null);
    if (!result.ok) return tell({ kind: 'error', message: result.error.message });
    deps.metrics.approvals.inc({ outcome: 'approved' });
    await refreshHome(deps, to);
  });
}
