/** Deactivate on the App Home or a status list: ends the presser's activation early. */
import { deactivateByButton } from '../../../shared/role-actions.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function deactivatePressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('role' in hint)) return tell(OUTDATED);
    await tell(await deactivateByButton(deps.pim, actor, hint.role, hint.scope));
  });
}
