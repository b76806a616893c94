/**
 * Extend on an expiry warning: adds 30 minutes (`BUTTON_EXTENSION_MS`) to the presser's active
 * activation of that role when its policy asks for nothing more (approval still applies); when it
 * asks for a reason, a ticket or an MFA code, or less than 30 minutes is left under its maximum,
 * the extension modal opens instead (views/extend.ts submits it). An eligibility that ends soon is
 * renewed with a command (it needs a reason), and the answer says so.
 */
import { slackExtensionModal } from '../../../../cards/slack/index.js';
import { extendByButton } from '../../../shared/role-actions.js';
import { renderContext, type SlackDeps } from '../../deps.js';
import { withOrigin } from '../../origin.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function extendPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, to, tell }) => {
    if (!('role' in hint)) return tell(OUTDATED);
    const outcome = await extendByButton(deps.pim, actor, hint.role, hint.scope);
    if (outcome.type === 'reply') return tell(outcome.reply);
    if (!args.body.trigger_id) return tell(OUTDATED);
    await to.client.views.open({ trigger_id: args.body.trigger_id, view: withOrigin(slackExtensionModal(outcome.form, renderContext(deps)), to.origin) });
  });
}
