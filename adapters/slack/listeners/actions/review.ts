/**
 * Keep and Remove on a reviewer's access-review card. The core decides whether the presser may
 * (only the item's reviewers, only while the review is open); a refused press changes nothing and
 * gets an ephemeral explanation. The card is updated in place through the outbox, not here.
 */
import { reviewReasonField } from '../../../../cards/actions.js';
import { acceptAllByButton, reviewByButton } from '../../../shared/role-actions.js';
import type { SlackDeps } from '../../deps.js';
import { onPress, OUTDATED, type ButtonArgs } from './press.js';

function reviewPressed(decision: 'keep' | 'remove') {
  return (args: ButtonArgs, deps: SlackDeps): Promise<void> =>
    onPress(args, deps, async ({ actor, hint, tell }) => {
      if (!('itemId' in hint)) return tell(OUTDATED);
      const field = reviewReasonField(hint.itemId);
      const reason = args.body.state?.values?.[field]?.[field]?.value?.trim() || null;
      const result = await reviewByButton(deps.pim, actor, hint.itemId, decision, reason);
      if (!result.ok) await tell(result.reply);
    });
}

export const reviewKeepPressed = reviewPressed('keep');
export const reviewRemovePressed = reviewPressed('remove');

/** "Accept all recommendations": the card updates through the outbox; a refusal is told. */
export function reviewAcceptAllPressed(args: ButtonArgs, deps: SlackDeps): Promise<void> {
  return onPress(args, deps, async ({ actor, hint, tell }) => {
    if (!('reviewId' in hint)) return tell(OUTDATED);
    const result = await acceptAllByButton(deps.pim, actor, hint.reviewId);
    if (!result.ok) await tell(result.reply);
  });
}
