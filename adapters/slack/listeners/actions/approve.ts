/**
 * Approve on an approval card (or the App Home). The decision is the core's: first decision wins,
 * never by the requester, only by an approver. A refused press changes nothing and gets an
 * ephemeral explanation (for a decided request: its current state). Every copy of the card is
 * updated through the outbox, not here.
 */
import { decide } from '../../../shared/commands.js';
import { refreshHome } from '../../answer.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function approvePressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('requestId' in hint)) return tell(OUTDATED);
    const result = await decide(deps.pim, actor, hint.requestId, 'approved', null);
    if (!result.ok) return tell({ kind: 'error', message: result.error.message });
    deps.metrics.approvals.inc({ outcome: 'approved' });
    await refreshHome(deps, to);
  });
}
