/** Cancel on a pending-request DM, reply or the App Home: cancels the presser's own request. */
import { cancelByButton } from '../../../shared/role-actions.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function cancelPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('requestId' in hint)) return tell(OUTDATED);
    await tell(await cancelByButton(deps.pim, actor, hint.requestId));
  });
}
