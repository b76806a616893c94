/** Activate on the App Home or a roles list: opens the activation modal for that role. */
import { slackActivationModal } from '../../../../cards/slack/index.js';
import { activationFormFor } from '../../../shared/commands.js';
import { renderContext, type SlackDeps } from '../../deps.js';
import { withOrigin } from '../../origin.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function activateOpenPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('role' in hint) || !args.body.trigger_id) return tell(OUTDATED);
    const outcome = await activationFormFor(deps.pim, actor, hint.role, hint.scope);
    if (outcome.type !== 'form') return tell(outcome.reply);
    await to.client.views.open({ trigger_id: args.body.trigger_id, view: withOrigin(slackActivationModal(outcome.form, renderContext(deps)), to.origin) });
  });
}
