/**
 * Deny on an approval card (or the App Home): opens the deny-reason modal for a presser who may
 * decide the request; anyone else gets the reason why not, ephemerally. The decision itself is
 * made when the modal is submitted (views/deny.ts).
 */
import { slackDenyModal } from '../../../../cards/slack/index.js';
import { denyFormFor } from '../../../shared/commands.js';
import type { SlackDeps } from '../../deps.js';
import { withOrigin } from '../../origin.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function denyPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('requestId' in hint) || !args.body.trigger_id) return tell(OUTDATED);
    const form = await denyFormFor(deps.pim, actor, hint.requestId);
    if (!form.ok) return tell({ kind: 'error', message: form.message });
    await to.client.views.open({ trigger_id: args.body.trigger_id, view: withOrigin(slackDenyModal(form.form), to.origin) });
  });
}
