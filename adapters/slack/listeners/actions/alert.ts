/**
 * "Affected items" and "Start a review" on a security alert's card. The core checks the presser
 * (auditors may look, only admins may start a review) and re-reads the alert; the answer, or
 * the refusal, goes to the presser alone.
 */
import { alertItemsByButton, reviewFromAlertByButton } from '../../../shared/role-actions.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

export function alertItemsPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('alertId' in hint)) return tell(OUTDATED);
    await tell(await alertItemsByButton(deps.pim, actor, hint.alertId));
  });
}

export function alertReviewPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('alertId' in hint)) return tell(OUTDATED);
    await tell(await reviewFromAlertByButton(deps.pim, actor, hint.alertId));
  });
}
