/**
 * Extend on an expiry warning: adds 30 minutes (`BUTTON_EXTENSION_MS`) to the presser's active
 * activation of that role, with approval when its policy asks for it; any other length is
 * `/pim extend <role> <duration>`. An eligibility that ends soon is renewed with a command (it
 * needs a reason), and the answer says so.
 */
import { extendByButton } from '../../../shared/role-actions.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function extendPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('role' in hint)) return tell(OUTDATED);
    await tell(await extendByButton(deps.pim, actor, hint.role, hint.scope));
  });
}
