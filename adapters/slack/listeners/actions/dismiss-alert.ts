/**
 * Dismiss on a security alert's card: opens the dismissal-reason modal for an admin while the
 * alert is open; anyone else is told why not, ephemerally, the refusal audited by the core, and
 * nothing changes. The dismissal itself is made when the modal is submitted (views/dismiss-alert.ts).
 */
import { slackDismissAlertModal } from '../../../../cards/slack/index.js';
import { dismissAlertFormFor } from '../../../shared/commands.js';
import type { SlackDeps } from '../../deps.js';
import { withOrigin } from '../../origin.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function dismissAlertPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('alertId' in hint) || !args.body.trigger_id) return tell(OUTDATED);
    const form = await dismissAlertFormFor(deps.pim, actor, hint.alertId);
    if (!form.ok) return tell({ kind: 'error', message: form.message });
    await to.client.views.open({ trigger_id: args.body.trigger_id, view: withOrigin(slackDismissAlertModal(form.form), to.origin) });
  });
}
